"""Every hostile string at once on the screens that list customers, callbacks and tickets: each
renders as plain text (escape sequences gone, markup shown literally), nothing fires, nothing
breaks, at 80x24 and 120x40."""

from __future__ import annotations

import html
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.app import App
from textual.screen import Screen

from screens.callbacks import CallbacksScreen
from screens.pick_caller import PickCallerScreen
from screens.returned_mail import ReturnedMailScreen
from screens.ticket_view import TicketViewScreen
from store.db import write_session
from store.models import Interaction, Role
from store.models.callbacks import Callback
from store.search import find_by_phone
from store.timeutil import utcnow
from tests.conftest import load_hostile_strings
from tests.factories import make_customer, make_returned_mail, make_ticket
from tests.harness import ScreenHarness, seat, until

HOSTILE = [entry["value"] for entry in load_hostile_strings()]
SHARED_LINE = "+390612345678"
SIZES = [(80, 24), (120, 40)]


def _screen_text(app: App[None]) -> str:
    """What the terminal shows, as text (the SVG screenshot, unescaped)."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


async def _show(engine: Engine, tmp_path: Path, screen: Screen[object], size: tuple[int, int]) -> str:
    supervisor = seat(engine, tmp_path, role=Role.SUPERVISOR)  # sees the most, the queue too
    app = ScreenHarness(supervisor, screen)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: _shows_markup_literally(_screen_text(app)))  # the rows are in
        await pilot.click(offset=(4, 4))  # on a hostile cell: a [@click=...] must not run
        await pilot.pause(0.05)
        assert app.is_running and app.screen is screen
        return _screen_text(app)


def _shows_markup_literally(text: str) -> bool:
    return "[@click=" in text or "[link=" in text


def _assert_plain(text: str) -> None:
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text
    assert _shows_markup_literally(text), "markup must show literally, not vanish"


@pytest.mark.parametrize("size", SIZES)
async def test_pick_caller_with_hostile_household(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    for name in HOSTILE[:8]:
        make_customer(sqlite_engine, name, name, phones=(SHARED_LINE,), city=name)
    matches = find_by_phone(sqlite_engine, SHARED_LINE, region="IT")
    assert len(matches) == 8
    _assert_plain(await _show(sqlite_engine, tmp_path, PickCallerScreen(matches, number=SHARED_LINE), size))


@pytest.mark.parametrize("size", SIZES)
async def test_callback_queue_with_hostile_notes(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    with write_session(sqlite_engine) as session:
        for n, text in enumerate(HOSTILE):
            customer = make_customer(sqlite_engine, text, text)
            due = utcnow() + timedelta(hours=n)
            session.add(Callback(customer_id=customer.id, assignee=text[:64], due_at=due,
                                 phone=text[:32], note=text[:500], created_by="anna"))  # fmt: skip
    _assert_plain(await _show(sqlite_engine, tmp_path, CallbacksScreen(queue=True), size))


@pytest.mark.parametrize("size", SIZES)
async def test_ticket_history_with_hostile_text(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    customer = make_customer(sqlite_engine, HOSTILE[0], HOSTILE[1])
    ticket = make_ticket(
        sqlite_engine, customer, HOSTILE[0], category=HOSTILE[4][:40], assignee=HOSTILE[5][:64]
    )
    with write_session(sqlite_engine) as session:
        for text in HOSTILE:
            session.add(
                Interaction(customer_id=customer.id, ticket_id=ticket.id, operator=text[:64], summary=text)
            )
    _assert_plain(await _show(sqlite_engine, tmp_path, TicketViewScreen(ticket.id), size))


@pytest.mark.parametrize("size", SIZES)
async def test_returned_mail_worklist_with_hostile_text(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    for n, text in enumerate(HOSTILE):
        customer = make_customer(sqlite_engine, text, text)
        since = utcnow().date() - timedelta(days=len(HOSTILE) - n)
        make_returned_mail(
            sqlite_engine,
            customer,
            since,
            line1=text[:200],
            city=text[:120],
            postcode=text[:20],
            reason=text[:200],
        )
    _assert_plain(await _show(sqlite_engine, tmp_path, ReturnedMailScreen(), size))
