"""The contact form from the profile, by keys: validation messages, saving, the conflict view,
returned mail, and live refresh across two consoles on the same database."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from screens.conflict import ConflictScreen
from screens.contact_edit import ContactEditScreen, UndeliverableScreen
from screens.profile import ProfileScreen
from screens.widgets.profile_contacts import ContactsTable
from store.contacts import load_contact, save_contact
from store.db import make_engine
from tests.harness import console, push_on_console
from tests.test_profile_screen import SIZES, TODAY, build_customer, profile_app, until


async def open_form(pilot, app) -> ContactEditScreen:  # type: ignore[no-untyped-def]
    await pilot.press("e")
    await until(pilot, lambda: isinstance(app.screen, ContactEditScreen) and app.screen.base is not None)
    return app.screen


async def type_into(pilot, app, field: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Scroll to `field` and click into it (the form is taller than 24 lines), clear it with keys
    and type `text`."""
    app.screen.query_one(f"#{field}").scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    await pilot.click(f"#{field}")
    await pilot.press("end", *["backspace"] * len(app.screen.query_one(f"#{field}").value), *text)


@pytest.mark.parametrize("size", SIZES)
async def test_bad_phone_gets_a_message_and_a_good_one_is_saved(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    customer_id = build_customer(sqlite_engine)
    app, screen = profile_app(sqlite_engine, tmp_path, customer_id)
    async with app.run_test(size=size) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        form = await open_form(pilot, app)
        await type_into(pilot, app, "mobile", "12")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: str(form.query_one("#err-mobile").visual) != "")
        assert "too short" in str(form.query_one("#err-mobile").visual)
        assert load_contact(sqlite_engine, customer_id).version == 1

        await type_into(pilot, app, "mobile", "333 123 4567")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("5")
        await until(pilot, lambda: "+393331234567" in str(screen.query_one(ContactsTable).payloads))
        assert load_contact(sqlite_engine, customer_id).fields.mobile == "+393331234567"


@pytest.mark.parametrize("size", SIZES)
async def test_conflict_view_shows_both_versions_and_reapplies_mine(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    customer_id = build_customer(sqlite_engine)
    app, screen = profile_app(sqlite_engine, tmp_path, customer_id)
    async with app.run_test(size=size) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        form = await open_form(pilot, app)
        await type_into(pilot, app, "email", "mine@example.com")
        opened = load_contact(sqlite_engine, customer_id)
        theirs = replace(opened.fields, work_phone="+390298765432")
        save_contact(sqlite_engine, customer_id, 1, theirs, operator="bruno", region="IT")

        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConflictScreen))
        table = app.screen.query_one("#conflict-table")
        rows = [[cell.plain for cell in table.get_row_at(n)] for n in range(table.row_count)]
        assert ["Work phone", "+390298765432", "-"] in rows
        assert ["E-mail *", "-", "mine@example.com"] in rows
        assert load_contact(sqlite_engine, customer_id).fields.email == ""

        await pilot.press("r")
        await until(pilot, lambda: app.screen is screen)
        final = load_contact(sqlite_engine, customer_id)
        assert (final.fields.email, final.fields.work_phone, final.version) == (
            "mine@example.com", "+390298765432", 3,
        )  # fmt: skip
        assert form.base is not None and form.base.version == 2


async def test_returned_mail_flags_the_address(sqlite_engine: Engine, tmp_path: Path) -> None:
    customer_id = build_customer(sqlite_engine)
    app, screen = profile_app(sqlite_engine, tmp_path, customer_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        await pilot.press("5", "down", "u")
        await until(pilot, lambda: isinstance(app.screen, UndeliverableScreen))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Required" in str(app.screen.query_one("#form-status").visual))
        await pilot.press(*"moved away", "ctrl+s")
        await until(pilot, lambda: "address undeliverable" in str(screen.query_one("#header").visual))
        assert "UNDELIVERABLE" in str(screen.query_one(ContactsTable).get_row_at(1))


async def test_a_save_in_one_console_shows_in_another_within_a_second(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Two consoles on the same SQLite file: console A saves, console B's open profile reloads."""
    customer_id = build_customer(sqlite_engine)
    other_engine = make_engine(sqlite_engine.url.render_as_string(hide_password=False))
    app_a, screen_a = profile_app(sqlite_engine, tmp_path / "a", customer_id)
    app_b = console(other_engine, tmp_path / "b", extension="200")
    screen_b = ProfileScreen(customer_id, today=TODAY)
    try:
        async with app_a.run_test(size=(80, 24)) as pilot_a, app_b.run_test(size=(120, 40)) as pilot_b:
            await push_on_console(pilot_b, app_b, screen_b)
            await asyncio.wait_for(asyncio.gather(screen_a.painted.wait(), screen_b.painted.wait()), 5)
            await pilot_b.press("5", "down")
            await open_form(pilot_a, app_a)
            await type_into(pilot_a, app_a, "email", "live@example.com")
            await pilot_a.press("ctrl+s")
            await until(pilot_a, lambda: app_a.screen is screen_a)
            contacts_b = screen_b.query_one(ContactsTable)  # how fast is the feed's poll period, not a test
            await until(pilot_b, lambda: "live@example.com" in str(contacts_b.payloads))
            assert contacts_b.cursor_row == 1, "the cursor stays where the operator left it"
    finally:
        other_engine.dispose()


async def tab_to(pilot, app, field: str) -> None:  # type: ignore[no-untyped-def]
    """Press tab until `field` has the focus (the form scrolls it into view)."""
    for _ in range(30):
        if app.focused is not None and app.focused.id == field:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached {field}")


async def test_new_address_from_the_form_replaces_the_old_one(sqlite_engine: Engine, tmp_path: Path) -> None:
    customer_id = build_customer(sqlite_engine)
    app, screen = profile_app(sqlite_engine, tmp_path, customer_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        form = await open_form(pilot, app)
        await tab_to(pilot, app, "addr-line1")
        await pilot.press(*"Corso Italia 5", "ctrl+s")
        await until(pilot, lambda: str(form.query_one("#err-addr-city").visual) != "")
        assert "Required" in str(form.query_one("#err-addr-country").visual)

        await tab_to(pilot, app, "addr-city")
        await pilot.press(*"Milano", "tab", *"it", "ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("5")
        contacts = screen.query_one(ContactsTable)
        await until(pilot, lambda: "Milano" in str(contacts.payloads))
        rows = [[cell.plain for cell in contacts.get_row_at(n)] for n in range(contacts.row_count)]
        assert ["address", "home", "Corso Italia 5, Milano, IT", "current"] in rows
        assert ["address", "home", "Via Roma 1, 00100, Roma, IT", "old, until 2026-11-22"] in rows
