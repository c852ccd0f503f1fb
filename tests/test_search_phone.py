"""Finding the caller by number: any formatting of a stored number finds that customer first."""

from __future__ import annotations

import threading

import phonenumbers
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from store.db import write_session
from store.models import Customer, Phone, ProductCategory
from store.search import find_by_phone, find_customers, rebuild_index
from tests.conftest import POSTGRES_ONLY
from tests.factories import make_customer, make_holding, make_product

STORED = ["+390612345678", "+14155550100", "+4915123456789", "+442079460000", "+393331234567"]


def _seed(engine: Engine) -> None:
    with engine.connect() as connection:
        if connection.execute(sa.select(sa.func.count()).select_from(Phone)).scalar_one():
            return
    for n, number in enumerate(STORED):
        make_customer(engine, "Caller", f"Number{n}", phones=(number,))
    make_customer(engine, "Other", "Suffix", phones=("+393401235678",))  # shares the last 4 with STORED[0]


@st.composite
def formatted(draw: st.DrawFn) -> tuple[str, str, str]:
    """A stored number written the way someone might: national or international, any separators."""
    e164 = draw(st.sampled_from(STORED))
    number = phonenumbers.parse(e164)
    region = phonenumbers.region_code_for_number(number)
    style = draw(st.sampled_from(["national", "international", "e164", "idd"]))
    if style == "national":
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    elif style == "e164":
        text = e164
    else:
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        if style == "idd":
            text = "00" + text[1:]
    separator = draw(st.sampled_from([" ", ".", "-", "/", "", "  "]))
    return text.replace(" ", separator), region, e164


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=formatted())
def test_any_formatting_of_a_stored_number_finds_it_first(engine: Engine, case: tuple[str, str, str]) -> None:
    _seed(engine)
    text, region, e164 = case
    result = find_customers(engine, text, region=region)
    assert result.matches, (text, result.hint)
    first = result.matches[0]
    assert first.matched_on == "phone_exact" and first.score == 100
    assert first.masked_phone.endswith(e164[-4:])


def test_last_four_digits_find_by_suffix_with_a_reason(engine: Engine) -> None:
    _seed(engine)
    result = find_customers(engine, "5678", region="IT")
    assert {m.display_name for m in result.matches} == {"Caller Number0", "Other Suffix"}
    assert all(m.matched_on == "phone_suffix" and m.reason == "phone ends 5678" for m in result.matches)
    assert find_customers(engine, "345678", region="IT").matches[0].reason == "phone ends 345678"


def test_exact_ranks_above_national_above_suffix(engine: Engine) -> None:
    _seed(engine)
    make_customer(engine, "Swiss", "Twin", phones=("+41612345678",))  # same NSN digits, other country
    result = find_customers(engine, "06 1234 5678", region="IT")
    kinds = [m.matched_on for m in result.matches]
    assert kinds[0] == "phone_exact"
    assert kinds == sorted(kinds, key=["phone_exact", "phone_national", "phone_suffix"].index)
    assert "phone_suffix" in kinds


def test_digits_that_are_an_account_and_a_phone_ending_list_each_customer_once(engine: Engine) -> None:
    """Regression: the phone statement also looks up tickets/accounts. You should see the phone
    hits first, the account holder after them, and a customer found both ways only once."""
    _seed(engine)
    product = make_product(engine, "serial", ProductCategory.CURRENT_ACCOUNT)
    holder = make_customer(engine, "Account", "Holder")
    make_holding(engine, holder, product, reference="5678")
    make_holding(
        engine, make_customer(engine, "Both", "Ways", phones=("+393471115678",)), product, reference="5678"
    )
    found = [(m.display_name, m.matched_on) for m in find_customers(engine, "5678", region="IT").matches]
    assert found[-1] == ("Account Holder", "account")
    suffixes = [
        ("Both Ways", "phone_suffix"),
        ("Caller Number0", "phone_suffix"),
        ("Other Suffix", "phone_suffix"),
    ]
    assert sorted(found[:-1]) == suffixes
    assert [m.matched_on for m in find_customers(engine, "5678", region="IT", limit=1).matches] == [
        "phone_suffix"
    ]


def test_find_by_phone_is_exact_only(engine: Engine) -> None:
    _seed(engine)
    assert [m.display_name for m in find_by_phone(engine, "06 1234 5678", region="IT")] == ["Caller Number0"]
    assert find_by_phone(engine, "5678", region="IT") == []


def test_phone_index_follows_updates_and_deletes(engine: Engine) -> None:
    _seed(engine)
    with write_session(engine) as session:
        phone = session.scalars(sa.select(Phone).where(Phone.e164 == STORED[0])).one()
        phone.e164 = "+390699998888"
    assert find_customers(engine, "998888", region="IT").matches[0].display_name == "Caller Number0"
    assert [m.display_name for m in find_customers(engine, "5678", region="IT").matches] == ["Other Suffix"]
    with write_session(engine) as session:
        session.delete(session.scalars(sa.select(Customer).where(Customer.family_name == "Number0")).one())
    assert find_customers(engine, "998888", region="IT").matches == []


def test_a_phone_moved_to_another_customer_follows_its_new_owner(engine: Engine) -> None:
    """A merge reassigns phones: the index moves with them in the same transaction."""
    _seed(engine)
    with write_session(engine) as session:
        keeper = session.scalars(sa.select(Customer).where(Customer.family_name == "Number1")).one()
        phone = session.scalars(sa.select(Phone).where(Phone.e164 == STORED[0])).one()
        phone.customer_id = keeper.id
        session.delete(session.scalars(sa.select(Customer).where(Customer.family_name == "Number0")).one())
    found = find_by_phone(engine, "06 1234 5678", region="IT")
    assert [m.display_name for m in found] == ["Caller Number1"]


def test_an_international_beginning_is_not_searched_as_an_ending(engine: Engine) -> None:
    _seed(engine)
    result = find_customers(engine, "+56 78", region="IT")  # two stored numbers end in 5678
    assert result.matches == [] and result.hint


def test_a_short_or_invalid_number_gets_a_hint(engine: Engine) -> None:
    _seed(engine)
    assert "4 digits" in find_customers(engine, "12", region="IT").hint
    result = find_customers(engine, "06 12", region="IT")
    assert result.matches == [] and result.hint


def test_an_ending_that_begins_with_0_keeps_its_0(engine: Engine) -> None:
    """Regression (issue 9 #12): the typed digits lost their leading zeros, so "05678" was searched
    as "5678" and "0100" as "100" (too short). You should see only the numbers that end with the
    digits as typed, 0 included."""
    _seed(engine)
    make_customer(engine, "Zero", "Ending", phones=("+393471205678",))
    found = find_customers(engine, "05678", region="IT").matches
    assert [(m.display_name, m.reason) for m in found] == [("Zero Ending", "phone ends 05678")]
    found = find_customers(engine, "0100", region="IT").matches
    assert [(m.display_name, m.reason) for m in found] == [("Caller Number1", "phone ends 0100")]


def test_a_national_number_with_its_trunk_0_finds_a_number_stored_without_it(engine: Engine) -> None:
    """A German mobile typed nationally ("0151 23456789") on an Italian seat: E.164 keeps no trunk
    0, so its ending is also searched without it. You should see the German customer."""
    _seed(engine)
    found = find_customers(engine, "0151 23456789", region="IT").matches
    assert [m.display_name for m in found] == ["Caller Number2"]
    assert found[0].reason == "phone ends 15123456789"


def test_a_ring_during_an_index_rebuild_is_answered_at_once(engine: Engine) -> None:
    """A bulk import ends with a full rebuild, and calls keep coming meanwhile. You should see
    the caller found by number, and by name, while the rebuild's transaction is still open: on
    PostgreSQL it must not drop its lookup indexes (DROP INDEX would make both wait for its commit)."""
    _seed(engine)
    found: list[list[str]] = []

    def ring() -> None:
        found.append([m.display_name for m in find_by_phone(engine, "+39 06 1234 5678", region="IT")])
        found.append(
            [m.display_name for m in find_customers(engine, "number0 caller", region="IT").matches][:1]
        )

    def during(done: int, total: int) -> None:
        caller = threading.Thread(target=ring, daemon=True)
        caller.start()
        caller.join(timeout=5)
        assert not caller.is_alive(), "the pop waited for the rebuild"

    rebuild_index(engine, progress=during)

    assert found == [["Caller Number0"], ["Caller Number0"]]


@POSTGRES_ONLY
def test_a_search_repeated_on_postgresql_runs_as_a_prepared_statement(engine: Engine) -> None:
    """Regression: every search ended its transaction with a rollback, which makes psycopg drop
    the statements it prepared, so each search statement was parsed and planned again (at 1M
    customers a phone search's planning took three times its execution). You should see, after a
    few searches by number on one connection, the search's statement prepared and reused."""
    make_customer(engine, "Maria", "Rossi", phones=("+390612345678",))
    engine = sa.create_engine(engine.url, pool_size=1, max_overflow=0)  # every search on one connection
    try:
        for _ in range(8):
            assert find_customers(engine, "06 1234 5678", region="IT").matches
        with engine.connect() as connection:
            uses = (
                connection.execute(
                    sa.text(
                        "SELECT generic_plans + custom_plans FROM pg_prepared_statements"
                        " WHERE statement LIKE '%search_phone%'"
                    )
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert uses and max(uses) >= 2
