"""A ring that arrives while the contact form is open does not throw away what was typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.pilot import Pilot
from textual.widgets import Input

from console.app import CallpopApp
from screens.contact_edit import ContactEditScreen
from screens.lookup import LookupScreen
from screens.messages import OpenLookup, OpenProfile
from screens.profile import ProfileScreen
from store.contacts import load_contact
from store.db import make_engine
from store.migrate import upgrade
from tests.factories import make_customer
from tests.harness import console, until


async def _open_form(pilot: Pilot[None], app: CallpopApp, customer_id: int) -> None:
    """The customer's profile, then `e`: their contact form, loaded."""
    app.post_message(OpenProfile(customer_id))
    await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
    await pilot.press("e")
    await until(pilot, lambda: isinstance(app.screen, ContactEditScreen) and app.screen.base is not None)


async def test_a_pop_keeps_the_unsaved_contact_form(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: a pop over an open contact form threw the typed changes away without a word.
    You should see them kept (a toast says so) and back in the form when it is opened again."""
    maria = make_customer(sqlite_engine, "Maria", "Rossi", phones=("+390612345678",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        await _open_form(pilot, app, maria.id or 0)
        app.screen.query_one("#email", Input).focus()
        await pilot.press(*"maria@example.com")

        app.post_message(OpenLookup(prefill="+390600000001", notice="Unknown call", call_id="r-1"))
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        # the form's toast comes from its unmount, which may finish after the lookup is on top
        await until(pilot, lambda: "kept" in " | ".join(str(n.message) for n in app._notifications))
        assert "Maria Rossi" in " | ".join(str(n.message) for n in app._notifications)

        await _open_form(pilot, app, maria.id or 0)
        assert app.screen.query_one("#email", Input).value == "maria@example.com"
        assert "before" in str(app.screen.query_one("#form-status").render())
    assert load_contact(sqlite_engine, maria.id or 0).fields.email == ""  # kept, not saved behind their back


async def _leave_typing_in_the_form(app: CallpopApp, customer_id: int, email: str) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        await _open_form(pilot, app, customer_id)
        app.screen.query_one("#email", Input).focus()
        await pilot.press(*email)
        app.post_message(OpenLookup(prefill="+390600000001", notice="Unknown call", call_id="r-2"))
        await until(pilot, lambda: "kept" in " | ".join(str(n.message) for n in app._notifications))


async def _form_email(app: CallpopApp, customer_id: int) -> str:
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        await _open_form(pilot, app, customer_id)
        return app.screen.query_one("#email", Input).value


async def test_a_kept_form_comes_back_only_to_its_operator_on_its_database(
    sqlite_engine: Engine, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Regression: kept forms were filed by customer id alone, so anna's typing came back in
    bruno's form for the same customer, and in the form of customer 1 of another database (a
    prospect's form then refused to save over the stranger's text). You should see a kept form
    only where it was typed: same database, same operator."""
    maria = make_customer(sqlite_engine, "Maria", "Rossi")
    assert maria.id is not None
    await _leave_typing_in_the_form(console(sqlite_engine, tmp_path), maria.id, "anna@example.com")

    assert await _form_email(console(sqlite_engine, tmp_path, operator="bruno"), maria.id) == ""
    other_dir = tmp_path_factory.mktemp("other")
    other = make_engine(f"sqlite:///{other_dir / 'other.db'}")
    upgrade(other)
    twin = make_customer(other, "Maria", "Rossi")
    assert twin.id == maria.id
    assert await _form_email(console(other, other_dir), twin.id) == ""
    other.dispose()
    assert await _form_email(console(sqlite_engine, tmp_path), maria.id) == "anna@example.com"
