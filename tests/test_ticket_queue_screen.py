"""The supervisor's ticket queue (F8) and review, driven with Pilot at 80x24 and 120x40: breaches
first, filters, pages, rows updated in place from the change feed, bulk actions confirmed, a review
that refuses to overwrite someone else's change, and nothing of it for an operator."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from screens.context import ConsoleContext
from screens.messages import TicketsChanged
from screens.ticket_queue import TicketQueueScreen
from screens.ticket_review import TicketReviewScreen
from store import ticket_review as review
from store.db import write_session
from store.models import Operator, Role, Ticket
from store.policy import Actor
from store.timeutil import utcnow
from tests.factories import make_customer
from tests.harness import ScreenHarness, console, operator_row, seat, until

SIZES = [(80, 24), (120, 40)]


def supervisor_seat(engine: Engine, tmp_path: Path, role: Role = Role.SUPERVISOR) -> ConsoleContext:
    context = seat(engine, tmp_path, operator="sam")
    assert context.actor is not None
    return replace(context, role=role, actor=replace(context.actor, role=role, team="north"))


def tickets(engine: Engine, count: int, *, team: str = "north") -> list[Ticket]:
    """`count` tickets of team `team`: the first two breached, the others due later and later."""
    maria = make_customer(engine, "Maria", "Rossi")
    now, made = utcnow(), []
    with write_session(engine) as session:
        for n in range(count):
            due = (
                now + timedelta(hours=(n - 2) * 3 + 1, minutes=10)
                if n < 2
                else now + timedelta(days=n, hours=1)
            )
            ticket = Ticket(
                number=f"TK-261201-{n:06X}",
                customer_id=maria.id or 0,
                subject=f"Case number {n}",
                team=team,
                sla_due=due,
                assignee="anna",
                category="billing",
                created_at=now - timedelta(hours=n),
            )
            session.add(ticket)
            made.append(ticket)
    return made


def table_rows(app: ScreenHarness) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def status(app: ScreenHarness) -> str:
    return str(app.screen.query_one("#tickets-status", Static).render())


@pytest.mark.parametrize("size", SIZES)
async def test_breaches_first_with_their_sla_in_words(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    tickets(sqlite_engine, 4)
    app = ScreenHarness(supervisor_seat(sqlite_engine, tmp_path), TicketQueueScreen())
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: len(table_rows(app)) == 4)
        shown = table_rows(app)
        assert [row[2] for row in shown] == [f"TK-261201-{n:06X}" for n in range(4)]
        assert shown[0][1] == "breached 5 hr ago" and shown[1][1] == "breached 2 hr ago"
        assert shown[2][1] == "due in 2 days" and shown[3][1] == "due in 3 days"


async def test_the_filter_box_and_the_pages(sqlite_engine: Engine, tmp_path: Path) -> None:
    tickets(sqlite_engine, 55)
    app = ScreenHarness(supervisor_seat(sqlite_engine, tmp_path), TicketQueueScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(table_rows(app)) == 50)
        assert "page 1" in status(app) and "n next page" in status(app)
        await pilot.press("n")
        await until(pilot, lambda: len(table_rows(app)) == 5)
        assert table_rows(app)[0][2] == "TK-261201-000032" and "page 2" in status(app)
        await pilot.press("p")
        await until(pilot, lambda: len(table_rows(app)) == 50)
        await pilot.press("slash", *"sla:breached", "enter")
        await until(pilot, lambda: len(table_rows(app)) == 2)
        await pilot.press("slash", "ctrl+u", *"number 7", "enter")  # free text: the subject
        await until(pilot, lambda: [row[2] for row in table_rows(app)] == ["TK-261201-000007"])
        await pilot.press("slash", "ctrl+u", *"sla:late", "enter")
        await until(pilot, lambda: "sla:late: use sla:breached or sla:soon" in status(app))


async def test_a_changed_ticket_is_updated_in_place(sqlite_engine: Engine, tmp_path: Path) -> None:
    made = tickets(sqlite_engine, 3)
    screen = TicketQueueScreen()
    app = ScreenHarness(supervisor_seat(sqlite_engine, tmp_path), screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(table_rows(app)) == 3)
        table = screen.query_one(DataTable)
        table.move_cursor(row=2)
        boss = Actor("boss", Role.ADMIN)
        review.reassign(sqlite_engine, boss, made[1].id or 0, 1, "bruno")
        review.close(sqlite_engine, boss, made[0].id or 0, 1, "sorted")
        screen.post_message(TicketsChanged([made[1].id or 0, made[0].id or 0]))
        await until(pilot, lambda: len(table_rows(app)) == 2)
        assert [(row[2], row[4]) for row in table_rows(app)] == [
            ("TK-261201-000001", "bruno"),
            ("TK-261201-000002", "anna"),
        ]
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == str(made[2].id)


async def test_the_console_feed_updates_an_open_queue(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Through the real console's change feed: a review saved elsewhere shows in the open queue."""
    made = tickets(sqlite_engine, 2)
    operator_row(sqlite_engine, "sam")
    with write_session(sqlite_engine) as session:
        sam = session.exec(select(Operator).where(Operator.username == "sam")).one()
        sam.role, sam.team = Role.SUPERVISOR, "north"
    app = console(sqlite_engine, tmp_path, operator="sam")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(app.screen_stack) > 1)
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, TicketQueueScreen) and len(table_rows(app)) == 2)  # type: ignore[arg-type]
        review.reassign(sqlite_engine, Actor("boss", Role.ADMIN), made[1].id or 0, 1, "carla")
        await until(pilot, lambda: table_rows(app)[1][4] == "carla")  # type: ignore[arg-type]


async def test_bulk_escalation_is_confirmed_first(sqlite_engine: Engine, tmp_path: Path) -> None:
    made = tickets(sqlite_engine, 3)
    app = ScreenHarness(supervisor_seat(sqlite_engine, tmp_path), TicketQueueScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(table_rows(app)) == 3)
        await pilot.press("space", "down", "space")
        await until(pilot, lambda: "2 marked" in status(app))
        await pilot.press("e")
        await until(pilot, lambda: app.screen.query("#prompt-question"))
        assert "(2 tickets)" in str(app.screen.query_one("#prompt-question", Static).render())
        await pilot.press("escape")  # cancelled: nothing changes
        await until(pilot, lambda: isinstance(app.screen, TicketQueueScreen))
        await pilot.press("e")
        await until(pilot, lambda: app.screen.query("#prompt-question"))
        await pilot.press("enter")
        await until(pilot, lambda: "2 tickets changed" in status(app))
        assert [row[3] for row in table_rows(app)] == ["high", "high", "normal"]
        assert [row[0] for row in table_rows(app)] == [" ", " ", " "]  # marks cleared
    assert made[2].id is not None


async def test_a_review_never_overwrites_someone_elses_change(sqlite_engine: Engine, tmp_path: Path) -> None:
    made = tickets(sqlite_engine, 1)
    ticket_id = made[0].id or 0
    screen = TicketReviewScreen(ticket_id)
    app = ScreenHarness(supervisor_seat(sqlite_engine, tmp_path), screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: screen.version == 1)
        await pilot.press("n")
        await until(pilot, lambda: app.screen.query("#prompt-value"))
        await pilot.press(*"Asked the bank", "enter")
        await until(pilot, lambda: screen.version == 2)
        body = str(screen.query_one("#ticket-body", Static).render())
        assert "internal note" in body and "Asked the bank" in body
        review.set_priority(sqlite_engine, Actor("boss", Role.ADMIN), ticket_id, 2, "urgent")  # meanwhile
        await pilot.press("c")
        await until(pilot, lambda: app.screen.query("#prompt-value"))
        await pilot.press(*"Refunded", "enter")
        await until(
            pilot,
            lambda: (
                "Someone else changed this ticket" in str(screen.query_one("#ticket-body", Static).render())
            ),
        )
        body = str(screen.query_one("#ticket-body", Static).render())
        assert "urgent" in body and "Resolution" not in body and screen.version == 3


async def test_an_operator_reaches_none_of_it(sqlite_engine: Engine, tmp_path: Path) -> None:
    tickets(sqlite_engine, 2, team="")
    operator = seat(sqlite_engine, tmp_path)  # anna, an operator: the store refuses, not just the key
    app = ScreenHarness(operator, TicketQueueScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "for supervisors and admins only" in status(app))
        assert table_rows(app) == []
    full = console(sqlite_engine, tmp_path)
    async with full.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(full.screen_stack) > 1)
        await pilot.press("f8")
        await pilot.pause()
        assert not isinstance(full.screen, TicketQueueScreen)
        assert not full.check_action("tickets", ())


@pytest.mark.parametrize("size", SIZES)
def test_queue_snapshots(snap_compare, sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    tickets(sqlite_engine, 6)
    app = ScreenHarness(supervisor_seat(sqlite_engine, tmp_path), TicketQueueScreen())

    async def loaded(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: len(table_rows(app)) == 6)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES)
def test_review_snapshots(snap_compare, sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    made = tickets(sqlite_engine, 1)
    screen = TicketReviewScreen(made[0].id or 0)
    app = ScreenHarness(supervisor_seat(sqlite_engine, tmp_path), screen)

    async def loaded(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: screen.version == 1)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=loaded)
