"""Finding people by name the way operators type it: typos, no accents, any order, half-typed."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import store.search.build as build
from console.acting import os_account
from console.cli import main
from store.db import write_session
from store.models import Customer, ProductCategory
from store.search import SearchResult, find_customers, rebuild_index
from tests.conftest import load_hostile_strings
from tests.factories import make_customer, make_holding, make_product, make_ticket
from tests.harness import operator_row

PEOPLE = [
    ("José", "García López"),
    ("Seán", "O'Neill"),
    ("Lucia", "D'Angelo"),
    ("Ana", "da Silva"),
    ("Jan", "van der Berg"),
    ("Maria", "Rossi"),
    ("Mario", "Rossini"),
    ("Henri", "Garcia"),
]


@pytest.fixture
def people(engine: Engine) -> Engine:
    for n, (given, family) in enumerate(PEOPLE):
        make_customer(engine, given, family, emails=(f"person{n}@example.com",))
    return engine


def names(engine: Engine, query: str) -> list[str]:
    return [m.display_name for m in find_customers(engine, query, region="IT").matches]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Jose Garcia", "José García López"),
        ("garcia jose", "José García López"),
        ("Lopez Jose", "José García López"),
        ("gar jo", "José García López"),
        ("Jsoe Gracia", "José García López"),
        ("oneill", "Seán O'Neill"),
        ("O'Neil", "Seán O'Neill"),
        ("sean o neill", "Seán O'Neill"),
        ("dangelo lucia", "Lucia D'Angelo"),
        ("angelo", "Lucia D'Angelo"),
        ("da silva", "Ana da Silva"),
        ("Dasilva", "Ana da Silva"),
        ("vanderberg", "Jan van der Berg"),
        ("van der berg jan", "Jan van der Berg"),
        ("Mraia Rossi", "Maria Rossi"),
        ("rossini", "Mario Rossini"),
    ],
)
def test_typos_accents_order_prefixes_particles(people: Engine, query: str, expected: str) -> None:
    assert names(people, query)[0] == expected


@pytest.fixture
def lookalikes(people: Engine) -> Engine:
    """People whose names begin like the misspellings below ("rosi..", "mara..", "ruz.."), so no typed
    word reads as unknown: the typo levels cannot single one of them out as the misspelt one."""
    for given, family in (("Rosina", "Ruzicka"), ("Senta", "Marano"), ("Seán", "Ruíz")):
        make_customer(people, given, family)
    return people


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mara rosi", "Maria Rossi"),
        ("rosi mara", "Maria Rossi"),
        ("jse garca", "José García López"),
        ("garca jse", "José García López"),
        ("Jsoe Garca Lopz", "José García López"),
        ("sen oneil", "Seán O'Neill"),
        ("ruz sen", "Seán Ruíz"),
        ("dangleo lucya", "Lucia D'Angelo"),
    ],
)
def test_every_word_misspelt(lookalikes: Engine, query: str, expected: str) -> None:
    """Regression: "mara rosi" found nobody: each word is 1 edit off and also begins other names, so
    no level misspelt both at once. You should see the customer first, whatever the word order, with
    the accents left out and every word misspelt."""
    found = find_customers(lookalikes, query, region="IT").matches
    assert found[0].display_name == expected
    assert "typo" in found[0].reason


def test_two_words_never_match_one_name_word_twice(people: Engine) -> None:
    """Regression: "maria garcia" listed Henri Garcia, reading "maria" as a 2-typo "garcia".
    Nobody here is called Maria Garcia: you should see only people holding one of the two words,
    each saying so."""
    found = find_customers(people, "maria garcia", region="IT").matches
    assert found and all(m.reason.endswith("(1 of 2 words)") for m in found)
    assert "Henri Garcia" in {m.display_name for m in found}


def test_a_half_typed_query_lists_the_names_it_begins_before_any_misspelling(engine: Engine) -> None:
    """Regression: "cas lo" (the last word two letters in) went on from the names it begins to the
    misspellings of "cas", 14-21 ms more at 1M customers for weaker fill-ins. You should see only
    the names it begins; with none ("cax lo"), the misspelt ones."""
    for given, family in (("Casey", "Lohamo"), ("Cat", "Lopez")):
        make_customer(engine, given, family)
    assert names(engine, "cas lo") == ["Casey Lohamo"]
    assert names(engine, "cax lo") == ["Cat Lopez"]


def test_exact_name_outranks_a_typo_match(people: Engine) -> None:
    found = find_customers(people, "rossi", region="IT").matches
    assert [m.display_name for m in found[:2]] == ["Maria Rossi", "Mario Rossini"]
    assert found[0].score > found[1].score
    assert found[0].reason == "name matches" and found[0].matched_on == "name"


def test_typo_reason_counts_the_typos(people: Engine) -> None:
    assert find_customers(people, "Mraia Rosi", region="IT").matches[0].reason.endswith("(2 typos)")


def test_index_follows_renames_and_deletes(people: Engine) -> None:
    with write_session(people) as session:
        maria = session.scalars(sa.select(Customer).where(Customer.given_name == "Maria")).one()
        maria.family_name, maria.display_name = "Bianchi", "Maria Bianchi"
    assert names(people, "maria bianchi") == ["Maria Bianchi"]
    assert "Maria Rossi" not in names(people, "rossi")
    with write_session(people) as session:
        session.delete(session.scalars(sa.select(Customer).where(Customer.given_name == "Maria")).one())
    assert names(people, "bianchi") == []


def test_rebuild_gives_the_same_answers(people: Engine) -> None:
    before = names(people, "gar jo")
    assert rebuild_index(people) == len(PEOPLE)
    assert names(people, "gar jo") == before
    make_customer(people, "Giovanni", "Garbo")  # the flush hook still works on a rebuilt index
    assert "Giovanni Garbo" in names(people, "garbo giovani")


def _index_rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """The whole name index by token text: token ids number tokens in the order a build meets
    them, which each process's string hashing (a set's order) decides."""
    queries = {
        "tokens": "SELECT token, df FROM search_token ORDER BY token",
        "postings": "SELECT t.token, p.customer_id FROM search_posting p "
        "JOIN search_token t ON t.id = p.token_id ORDER BY 1, 2",
        "names": "SELECT customer_id, tokens FROM search_name ORDER BY 1",
        "phones": "SELECT phone_id, customer_id, nsn, rdigits FROM search_phone ORDER BY 1",
        "keys": "SELECT k.key, t.token FROM search_token_key k "
        "JOIN search_token t ON t.id = k.token_id ORDER BY 1, 2",
    }
    with engine.connect() as connection:
        return {
            name: [tuple(row) for row in connection.execute(sa.text(sql))] for name, sql in queries.items()
        }


def test_a_rebuild_folded_in_the_helper_process_writes_the_same_index(
    people: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk build folds names in a helper process (store/search/build_rows.py); it must write
    the rows the build's own process writes: every token, count, posting, typo key and phone."""
    make_customer(people, "Paolo", "Neri", phones=("+390612345678", "+393471234567"))
    rebuild_index(people)
    own = _index_rows(people)
    monkeypatch.setattr(build, "HELPER_FROM", 1)
    monkeypatch.setattr(build, "BATCH", 3)  # several batches: ids and counts carried across them
    rebuild_index(people)

    assert _index_rows(people) == own
    assert len(own["postings"]) > len(PEOPLE) and own["keys"] and len(own["phones"]) == 2
    assert names(people, "garcia jose")[0] == "José García López"


def test_email_account_card_and_ticket(people: Engine) -> None:
    maria = make_customer(people, "Maria", "Verdi")
    card = make_product(people, "gold_card", ProductCategory.CREDIT_CARD)
    make_holding(people, maria, card, reference="535522******4321")
    make_holding(
        people, maria, make_product(people, "acct", ProductCategory.CURRENT_ACCOUNT), reference="IT60X054"
    )
    ticket = make_ticket(people, maria)
    assert find_customers(people, "Person0@Example.com ", region="IT").matches[0].matched_on == "email"
    for query, kind in (("it60x054", "account"), (ticket.number, "ticket"), ("verdi 4321", "card")):
        found = find_customers(people, query, region="IT").matches
        assert [(m.display_name, m.matched_on) for m in found] == [("Maria Verdi", kind)], query
    assert find_customers(people, "verdi 9999", region="IT").matches == []


def test_nothing_searchable_gets_a_hint(people: Engine) -> None:
    for query in ("", "   ", "''", "+39 06 12"):
        result = find_customers(people, query, region="IT")
        assert result.matches == [] and result.hint


def test_nobody_found_is_not_an_input_problem(people: Engine) -> None:
    for query in ("zzzzqqqq", "nobody@example.com", "+39 06 9999 0000"):
        assert find_customers(people, query, region="IT") == SearchResult([], "")


def test_hostile_queries_never_crash(people: Engine, hostile: str) -> None:
    result = find_customers(people, hostile, region="IT")
    assert all("\x1b" not in m.display_name + m.reason for m in result.matches)


def test_find_cli_json(people: Engine, database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    operator_row(people, os_account(), extension="999")  # CLI verbs act as the OS account's row
    assert main(["find", "Jsoe Garcia", "--json", "--database", database_url]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["display_name"] == "José García López"
    assert {"customer_id", "external_id", "score", "matched_on", "reason"} <= set(rows[0])


def test_find_cli_bad_input_exits_2(
    people: Engine, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    operator_row(people, os_account(), extension="999")
    assert main(["find", "12", "--database", database_url]) == 2
    assert "4 digits" in capsys.readouterr().err
    assert main(["find", "rossi", "--region", "Italy", "--database", database_url]) == 2
    assert main(["find", "zzzzqqqq", "--database", database_url]) == 1


def test_a_name_written_after_a_rebuild_gets_a_new_token(people: Engine) -> None:
    """Regression (issue 9 #11): on PostgreSQL `rebuild_index` wrote token ids itself and left
    search_token's sequence behind, so the next new name failed on search_token_pkey. You should
    see the customer created after the rebuild saved and found by a name no one had before."""
    c = Customer.__table__.c
    with people.begin() as connection:  # a bulk load bypasses the flush hook: many new tokens
        connection.execute(sa.update(Customer).values(given_name=c.given_name + sa.cast(c.id, sa.String)))
    rebuild_index(people)
    make_customer(people, "Ottavia", "Zanzibarri")
    make_customer(people, "Quirino", "Zanzibarri")
    assert names(people, "zanzibarri ottavia")[0] == "Ottavia Zanzibarri"


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("José", "García-López"),
        ("Anna", "van der Berg"),
        ("Maria de", "la Cruz"),
        ("", "O'Neill"),
        ("D'Angelo", ""),
        ("Иван", "Иванов"),
        ("王", "小明"),
        ("a" * 80, "von"),
    ],
)
def test_customer_tokens_are_the_tokens_of_the_three_names_read_together(given: str, family: str) -> None:
    from store.search.fold import name_tokens
    from store.search.sync import customer_tokens

    display = f"{given} {family}".strip()
    assert customer_tokens(given, family, display) == frozenset(name_tokens(given, family, display))


def test_ranking_customers_keeps_no_cache_entry_per_display_name() -> None:
    """Regression (issue #14: RSS per console): the per-field token cache kept an entry for the
    display name of every customer a console ranked (up to 262,144). You should see it grow by
    the shared given and family names only, whatever the number of customers."""
    from store.search import sync

    before = sync._field_tokens.cache_info().currsize
    for n in range(300):
        sync.customer_tokens("Rossana", "Pellegrinetti", f"Rossana Pellegrinetti {n:03d}")
    assert sync._field_tokens.cache_info().currsize - before <= 2


def test_customer_tokens_skip_reading_the_usual_display_name_without_losing_a_token() -> None:
    """The display name "given family" is not folded again (a build would miss the cache for every
    customer): you should see the same tokens as reading all three, for names in many scripts,
    hostile strings on either side, given names ending in a particle, trailing apostrophes."""
    from faker import Faker

    from store.search.fold import name_tokens
    from store.search.sync import customer_tokens

    fake = Faker(["it_IT", "es_ES", "de_DE", "nl_NL", "pt_PT", "ru_RU", "zh_CN", "el_GR", "tr_TR", "ar_AA"])
    fake.seed_instance(12)
    hostile = [entry["value"] for entry in load_hostile_strings()]
    givens = [fake.first_name() for _ in range(300)] + hostile + ["Anna De", "Lo", "Jean d'", "İlkay", "ß"]
    families = (
        [fake.last_name() for _ in range(300)] + hostile[::-1] + ["La Cruz", "van der Berg", "'t Hooft"]
    )
    for given, family in zip(givens, families[: len(givens)], strict=False):
        for g, f in ((given, family), (family, given), (given, ""), ("", family)):
            display = f"{g} {f}".strip()
            assert customer_tokens(g, f, display) == frozenset(name_tokens(g, f, display)), (g, f)
