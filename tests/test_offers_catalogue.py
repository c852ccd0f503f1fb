"""The offer catalogue file: validation with clear errors, loading into the DB, and the CLI verbs."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console.acting import os_account
from console.cli import main
from store.db import make_engine, read_session, write_session
from store.models import ProductCategory
from store.models.offers import Offer, OfferPolicy
from store.offers import DEFAULT_CATALOGUE, CatalogueError, load_catalogue, parse_catalogue, read_catalogue
from tests.factories import make_customer, make_holding, make_product
from tests.harness import operator_row
from tests.test_offers_rules import offer_toml


def problems_of(text: str) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text)
    return caught.value.problems


def _offers(*bodies: str) -> str:
    return "".join(f"[[offer]]\n{body}\n" for body in bodies)


def test_default_catalogue_is_valid_and_varied() -> None:
    catalogue = read_catalogue(DEFAULT_CATALOGUE)
    assert 15 <= len(catalogue.offers) <= 20
    assert {o.category for o in catalogue.offers} == {"sales", "service", "retention"}
    assert any(o.product_code for o in catalogue.offers) and any(o.service for o in catalogue.offers)
    assert (catalogue.max_per_30_days, catalogue.max_per_call) == (6, 3)


def test_each_problem_names_the_line_and_the_offer() -> None:
    text = (
        f"[[offer]]\n{offer_toml('GOOD')}\n\n"
        '[[offer]]\ncode = "BAD"\ntitle = "Bad"\nvalue = -5\nscript = "x"\nchannels = ["fax"]\n'
        'product = "A"\nservice = "b"\ncolour = "red"\neligible = { age = { min = 60, max = 20 } }\n'
        f"\n[[offer]]\n{offer_toml('GOOD')}\n"
    )
    problems = problems_of(text)
    bad = "line 9: offer 'BAD': "
    assert problems == [
        bad + "unknown key 'colour'",
        bad + 'say what is offered with exactly one of product = "CODE" or service = "name"',
        bad + "value must be a number >= 0, got -5",
        bad + "channels must be a non-empty list among voice, chat, email, sms, post, got ['fax']",
        bad + "eligible.age: min 60 is greater than max 20",
        "line 20: offer 'GOOD': code 'GOOD' is used by an earlier offer",
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('code = "lower"', "code must be 1-40 capitals"),
        ("valid_from = 2026-09-01\nvalid_to = 2026-08-01", "valid_from 2026-09-01 is after valid_to"),
        ('valid_to = "next week"', "valid_to must be a TOML date"),
        ("cooldown_days = -1", "cooldown_days must be a whole number of days >= 0"),
        ('category = "upsell"', "category must be one of sales, service"),
        ('eligible = { holds_category = "yacht" }', "eligible.holds_category: unknown product category"),
    ],
)
def test_field_problems(body: str, problem: str) -> None:
    minimal = 'title = "T"\nscript = "S"\nservice = "s"\nvalue = 1\n'
    code = "" if "code" in body else 'code = "X"\n'
    text = f"[[offer]]\n{body}\n{code}{minimal}"
    assert any(problem in p for p in problems_of(text)), problems_of(text)


def test_not_toml_and_empty_and_bad_policy() -> None:
    assert problems_of("[[offer]\n")[0].startswith("not valid TOML: ")
    assert problems_of("") == ["no offers: add at least one [[offer]] table"]
    assert "[policy]: max_per_call must be a whole number >= 1, got 0" in problems_of(
        f"[policy]\nmax_per_call = 0\n[[offer]]\n{offer_toml()}"
    )


def test_script_and_title_are_sanitised_on_the_way_in() -> None:
    text = (
        '[[offer]]\ncode = "A"\ntitle = "Gold\\u001b[2J card"\nservice = "s"\nvalue = 1\n'
        'script = "Hi\\u202e there"\n'
    )
    (offer,) = parse_catalogue(text).offers
    assert (offer.title, offer.script) == ("Gold card", "Hi there")


def test_load_adds_updates_and_retires(engine: Engine) -> None:
    with write_session(engine) as session:
        first = load_catalogue(session, parse_catalogue(_offers(offer_toml("A"), offer_toml("B"))))
    assert (first.added, first.updated, first.retired) == (2, 0, 0)
    again = "[policy]\nmax_per_call = 1\n" + _offers(offer_toml("B", value=7.5), offer_toml("C"))
    with write_session(engine) as session:
        second = load_catalogue(session, parse_catalogue(again))
    assert (second.added, second.updated, second.retired) == (1, 1, 1)
    with read_session(engine) as session:
        offers = {o.code: o for o in session.exec(sa.select(Offer)).scalars()}
        policy = session.get(OfferPolicy, 1)
    assert {code: o.active for code, o in offers.items()} == {"A": False, "B": True, "C": True}
    assert float(offers["B"].value) == 7.5
    assert policy is not None and policy.max_per_call == 1


def test_load_warns_about_unknown_products(engine: Engine) -> None:
    make_product(engine, "CC-GOLD", ProductCategory.CREDIT_CARD)
    text = _offers(
        *(
            f'code = "{code}"\ntitle = "T"\nproduct = "{code}"\nvalue = 1\nscript = "S"'
            for code in ("CC-GOLD", "CC-X")
        )
    )
    with write_session(engine) as session:
        result = load_catalogue(session, parse_catalogue(text))
    assert result.warnings == ("product 'CC-X' is not in the product table",)


def test_cli_load_list_and_for(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["offers", "load", str(DEFAULT_CATALOGUE), "--database", url]) == 0
    assert "loaded 19 offers: 19 new, 0 updated, 0 retired" in capsys.readouterr().out
    engine = make_engine(url)
    operator_row(engine, os_account(), extension="999")  # the first load made no admin: now a seat
    customer = make_customer(engine, consent_voice=True)
    washer = make_product(engine, "APP-WASHER", ProductCategory.APPLIANCE)
    make_holding(
        engine, customer, washer, reference="W-1", warranty_ends_on=date.today() + timedelta(days=12)
    )
    engine.dispose()

    assert main(["offers", "list", "--database", url]) == 0
    assert "EXT-WARRANTY-3Y" in capsys.readouterr().out
    assert main(["offers", "for", str(customer.id), "--json", "--all", "--database", url]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert "EXT-WARRANTY-3Y" in {o["offer_code"] for o in payload["offers"] + payload["not_offered"]}
    assert any("warranty on App-Washer W-1 expires in 12 days" in o["why"] for o in payload["offers"])
    assert main(["offers", "for", str(customer.id), "--database", url]) == 0
    assert "why: " in capsys.readouterr().out
    assert main(["offers", "for", "999999", "--database", url]) == 2
    assert "no customer with id 999999" in capsys.readouterr().err


def test_cli_load_reports_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "offers.toml"
    bad.write_text('[[offer]]\ncode = "A"\nvalue = "lots"\n', encoding="utf-8")
    assert main(["offers", "load", str(bad), "--database", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: 4 problem(s)" in err
    assert "line 1: offer 'A': title is required" in err and "value must be a number >= 0, got 'lots'" in err
    assert main(["offers", "load", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read the file" in capsys.readouterr().err
