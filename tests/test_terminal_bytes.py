"""The raw bytes the console writes to the terminal, on every screen, with hostile customer data.

Each hostile string is stored in every text field of two customers sharing a landline (names,
e-mail, phone, address, ticket, interaction, campaign, product, callback), written straight to the
database the way a careless import would. The real console then shows each screen in turn
(lookup, pick-caller, profile with every tab, ticket view, contact form, conflict view, wrap-up,
callbacks and the callback queue) through a driver that records what would reach the terminal.
Whatever is left after removing the sequences Textual writes itself must hold no control
character: no ESC, no C1, no NUL, no bidi override, no line separator, no zero-width mark.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.screen import Screen
from textual.widgets import DataTable

from screens.callbacks import CallbacksScreen
from screens.conflict import ConflictScreen
from screens.contact_edit import ContactEditScreen
from screens.lookup import LookupScreen
from screens.messages import OpenProfile, StartWrapUp
from screens.pick_caller import PickCallerScreen
from screens.profile import ProfileScreen
from screens.ticket_view import TicketViewScreen
from screens.widgets.profile_sections import TABS
from screens.wrapup import WrapUpScreen
from store.contacts import load_contact
from store.db import write_session
from store.models import (
    Address,
    Campaign,
    CampaignContact,
    Interaction,
    Operator,
    Phone,
    ProductCategory,
    Role,
)  # fmt: skip
from store.models.callbacks import Callback
from store.search import find_by_phone
from store.timeutil import utcnow
from tests.conftest import load_hostile_strings
from tests.factories import make_customer, make_holding, make_product, make_ticket
from tests.harness import console, until
from tests.raw_terminal import RecordingDriver, stray_controls

HOSTILE = load_hostile_strings()
SHARED_LINE = "+390612345678"
SCREENS = (
    "lookup", "pick-caller", *(f"profile tab {tab}" for tab in TABS), "ticket view", "contact edit",
    "conflict", "wrap-up", "callbacks", "callback queue",
)  # fmt: skip
"""Every screen the test shows; len(HOSTILE) x len(SCREENS) combinations are checked."""


def _store_everywhere(engine: Engine, text: str) -> tuple[int, int]:
    """Two customers on SHARED_LINE with `text` in every field; (first customer's id, ticket id)."""
    born = date(1980, 3, 9)
    first, _second = (
        make_customer(engine, text, text, phones=(SHARED_LINE,), emails=(text,), city=text, birth_date=born)
        for _ in range(2)
    )
    assert first.id is not None
    product = make_product(engine, f"P{first.id}", ProductCategory.APPLIANCE, warranty_months=24)
    make_holding(
        engine, first, product, reference=text[:40], warranty_ends_on=date.today() + timedelta(days=12)
    )
    ticket = make_ticket(engine, first, text, category=text[:40], assignee=text[:64])
    with write_session(engine) as session:
        session.add(Phone(customer_id=first.id, e164=text[:20], kind="work"))
        session.add(Address(customer_id=first.id, kind="office", line1=text, line2=text, city=text,
                            postcode=text[:20], region=text, country="IT"))  # fmt: skip
        campaign = Campaign(code=f"C{first.id}", name=text)
        session.add(campaign)
        session.flush()
        assert campaign.id is not None
        session.add(CampaignContact(campaign_id=campaign.id, customer_id=first.id,
                                    sent_on=date(2026, 10, 1), coupon_code=text[:40]))  # fmt: skip
        session.add(Callback(customer_id=first.id, assignee="anna", due_at=utcnow() + timedelta(hours=1),
                             phone=text[:32], note=text, created_by=text[:64]))  # fmt: skip
        session.add(Interaction(customer_id=first.id, ticket_id=ticket.id, operator=text[:64], summary=text))
    assert ticket.id is not None
    return first.id, ticket.id


def _text(screen: Screen[object], selector: str) -> str:
    """What the widget `selector` shows ("Loading" until the screen has composed it)."""
    return "".join(str(widget.render()) for widget in screen.query(selector)) or "Loading"


def _rows(screen: Screen[object], selector: str) -> int:
    return sum(table.row_count for table in screen.query(selector).results(DataTable))


@pytest.mark.parametrize("entry", HOSTILE, ids=lambda entry: entry["what"][:40])
async def test_no_stored_control_reaches_the_terminal(
    sqlite_engine: Engine, tmp_path: Path, entry: dict[str, str]
) -> None:
    """Regression: the contact form sent a stored OSC 52 (clipboard), DSR, alternate screen, DCS, APC,
    NUL and RLO to the terminal. You should see the raw output of every screen free of any control
    character that Textual did not write itself."""
    customer_id, ticket_id = _store_everywhere(sqlite_engine, entry["value"])
    with write_session(sqlite_engine) as session:  # a supervisor sees the most: birth dates, the queue
        session.add(Operator(username="anna", display_name=entry["value"], role=Role.SUPERVISOR))
    app = console(sqlite_engine, tmp_path)
    app.driver_class = RecordingDriver
    leaks: dict[str, list[str]] = {}
    async with app.run_test(size=(80, 24), headless=False) as pilot:
        driver = app._driver
        assert isinstance(driver, RecordingDriver)
        seen = 0

        async def shown(name: str) -> None:
            nonlocal seen
            await pilot.pause()
            output = "".join(driver.written[seen:])
            seen = len(driver.written)
            assert output, f"nothing was drawn for {name}"
            if strays := stray_controls(output):
                leaks[name] = strays[:3]

        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        await pilot.press(*"0612345678")
        await until(pilot, lambda: _rows(app.screen, "#results") == 2)
        await shown("lookup")

        matches = find_by_phone(sqlite_engine, SHARED_LINE, region="IT")
        await app.push_screen(PickCallerScreen(matches, number=SHARED_LINE))
        await shown("pick-caller")

        app.post_message(OpenProfile(customer_id))
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
        profile = app.screen
        assert isinstance(profile, ProfileScreen)
        for n, tab in enumerate(TABS, start=1):
            await pilot.press(str(n))
            await until(pilot, lambda tab=tab: profile.section == tab)  # type: ignore[misc]
            await shown(f"profile tab {tab}")

        profile.open_ticket(ticket_id)
        await until(pilot, lambda: isinstance(app.screen, TicketViewScreen))
        await until(pilot, lambda: "Loading" not in _text(app.screen, "#ticket-body"))
        await shown("ticket view")
        await pilot.press("escape")

        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ContactEditScreen) and app.screen.base is not None)
        await shown("contact edit")

        theirs = load_contact(sqlite_engine, customer_id)
        assert theirs is not None
        mine = replace(theirs.fields, email_2=entry["value"])
        await app.push_screen(ConflictScreen(theirs.fields, mine, theirs.fields, theirs.version))
        await shown("conflict")
        await pilot.press("escape", "escape")
        await until(pilot, lambda: app.screen is profile)

        app.post_message(StartWrapUp(None, customer_id))
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        await until(pilot, lambda: "·" in _text(app.screen, "#wrapup-title"))
        await shown("wrap-up")

        for queue, name in ((False, "callbacks"), (True, "callback queue")):
            await app.push_screen(CallbacksScreen(queue=queue))
            await until(pilot, lambda: _rows(app.screen, "#callbacks-table") > 0)
            await shown(name)
            app.pop_screen()
    assert not leaks, f"{entry['what']}: control characters reached the terminal: {leaks}"
