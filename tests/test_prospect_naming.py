"""A prospect made from an unknown caller gets a name, a birth date and the caller's language."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from screens.contact_edit import ContactEditScreen
from screens.profile import ProfileScreen
from store.contacts import InvalidContact, load_contact, save_contact
from store.db import read_session
from store.models import Customer, Role
from store.prospects import create_prospect
from store.search import find_customers
from tests.factories import make_customer
from tests.harness import console, until

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("number", "language"),
    [("+390612345678", "it"), ("+33142685300", "fr"), ("+4930901820", "de"), ("+12025550143", "en")],
)
def test_a_prospect_speaks_the_language_of_its_number(engine: Engine, number: str, language: str) -> None:
    """Regression: ctrl+n made "New prospect" with language "en" for a +39 number. You should see
    the language of the number's country."""
    customer_id = create_prospect(engine, phone_e164=number)
    with read_session(engine) as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None and customer.preferred_language == language


def test_an_email_prospect_speaks_the_seat_s_language(engine: Engine) -> None:
    customer_id = create_prospect(engine, email="nuovo@example.com", region="IT")
    with read_session(engine) as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None and customer.preferred_language == "it"


def test_the_contact_form_names_a_prospect_and_the_search_finds_it_at_once(engine: Engine) -> None:
    """Regression: the contact form had no name or birth date, so a prospect stayed "New prospect".
    You should see the typed name stored, shown and found by the search right after the save."""
    customer_id = create_prospect(engine, phone_e164="+390655551234")
    snapshot = load_contact(engine, customer_id, role=Role.OPERATOR)
    assert snapshot is not None and (snapshot.fields.given_name, snapshot.fields.family_name) == ("", "")
    draft = replace(
        snapshot.fields, given_name=" Ottavia\x1b[2J ", family_name="Quaglieri", birth_date="1984-02-29"
    )
    save_contact(engine, customer_id, snapshot.version, draft, operator="anna", region="IT", today=TODAY)
    with read_session(engine) as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        assert (customer.given_name, customer.family_name) == ("Ottavia", "Quaglieri")
        assert customer.display_name == "Ottavia Quaglieri" and customer.birth_date == date(1984, 2, 29)
    found = find_customers(engine, "ottavia quaglieri", region="IT").matches
    assert [m.customer_id for m in found][:1] == [customer_id]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("29/02/1984", "YYYY-MM-DD"),
        ("1984-02-30", "YYYY-MM-DD"),
        ("2027-01-01", "future"),
        ("1850-01-01", "1900"),
    ],
)
def test_a_bad_birth_date_is_refused_with_a_clear_message(engine: Engine, typed: str, message: str) -> None:
    customer = make_customer(engine, phones=("+390612345678",))
    assert customer.id is not None
    snapshot = load_contact(engine, customer.id, role=Role.SUPERVISOR)
    assert snapshot is not None
    with pytest.raises(InvalidContact) as refused:
        save_contact(
            engine, customer.id, snapshot.version, replace(snapshot.fields, birth_date=typed),
            operator="anna", region="IT", today=TODAY,
        )  # fmt: skip
    assert message in refused.value.errors["birth_date"]


def test_an_operator_cannot_see_or_overwrite_a_stored_birth_date(engine: Engine) -> None:
    """Operators see ages, not birth dates: the form hides a stored one and a save keeps it."""
    customer = make_customer(engine, phones=("+390612345678",), birth_date=date(1970, 5, 1))
    assert customer.id is not None
    hidden = load_contact(engine, customer.id, role=Role.OPERATOR)
    shown = load_contact(engine, customer.id, role=Role.SUPERVISOR)
    assert hidden is not None and shown is not None
    assert (hidden.fields.birth_date, hidden.birth_date_hidden) == ("", True)
    assert (shown.fields.birth_date, shown.birth_date_hidden) == ("1970-05-01", False)
    draft = replace(hidden.fields, given_name="Maria")
    save_contact(engine, customer.id, hidden.version, draft, operator="anna", region="IT", role=Role.OPERATOR)
    with read_session(engine) as session:
        stored = session.get(Customer, customer.id)
        assert stored is not None and stored.birth_date == date(1970, 5, 1)


async def test_ctrl_n_then_the_form_names_the_caller(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: ctrl+n on an unknown caller's number made a nameless prospect, with no way to name
    it. You should see the contact form open on the name, and the typed name in the profile."""
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "LookupScreen")
        app.screen.prefill("+390655559876", notice="Unknown call", call_id="c-13")  # type: ignore[attr-defined]
        await until(pilot, lambda: app.screen.check_action("new_prospect", ()) is True)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, ContactEditScreen) and app.screen.base is not None)
        form = app.screen
        assert form.focused is not None and form.focused.id == "given_name"
        await pilot.press(*"Ottavia", "tab", *"Quaglieri", "tab", *"1984-02-29", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
        await until(pilot, lambda: "Ottavia Quaglieri" in str(app.screen.query_one("#header").visual))
    found = find_customers(sqlite_engine, "Quaglieri", region="IT").matches
    assert found and found[0].display_name == "Ottavia Quaglieri"
