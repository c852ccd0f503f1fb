"""Callbacks: scheduled in a wrap-up, listed for their operator and in the supervisor's queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual import on
from textual.widgets import DataTable

from screens.callbacks import CallbacksScreen
from screens.messages import OpenProfile
from store.models.callbacks import CallbackStatus
from store.tickets import FollowUpError, callbacks_for, close_callback, parse_callback_time
from store.wrapup import CallbackRequest, WrapUp, save_wrapup
from tests.factories import make_customer
from tests.harness import ScreenHarness, seat


def schedule(
    engine: Engine, call_id: str, customer_id: int | None, who: str, due: datetime, note: str = ""
) -> None:
    callback = CallbackRequest(due, who, "+390612345678", note)
    save_wrapup(
        engine, WrapUp(call_id, "anna", customer_id=customer_id, outcome="callback", callback=callback)
    )


def test_operator_list_and_supervisor_queue(engine: Engine) -> None:
    maria, luca = make_customer(engine), make_customer(engine, "Luca", "Bianchi")
    now = datetime.now(UTC)
    schedule(engine, "c-1", maria.id, "anna", now + timedelta(hours=3))
    schedule(engine, "c-2", luca.id, "bruno", now + timedelta(hours=1))
    schedule(engine, "c-3", luca.id, "anna", now - timedelta(minutes=5))
    assert [(c.customer_name, c.assignee) for c in callbacks_for(engine, "anna")] == [
        ("Luca Bianchi", "anna"),
        ("Maria Rossi", "anna"),
    ]
    queue = callbacks_for(engine, None)
    assert [c.assignee for c in queue] == ["anna", "bruno", "anna"]
    assert close_callback(engine, queue[0].id) is True
    assert close_callback(engine, queue[0].id, CallbackStatus.CANCELLED) is False
    assert [c.customer_name for c in callbacks_for(engine, "anna")] == ["Maria Rossi"]


def test_callback_times_as_typed() -> None:
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert parse_callback_time("+2h", now) == now + timedelta(hours=2)
    assert parse_callback_time(" +30m ", now) == now + timedelta(minutes=30)
    local = now.astimezone()
    earlier = (local - timedelta(hours=1)).strftime("%H:%M")
    assert parse_callback_time(earlier, now).astimezone().date() == local.date() + timedelta(days=1)
    full = parse_callback_time("2030-01-02 09:15", now).astimezone()
    assert (full.year, full.month, full.day, full.hour, full.minute) == (2030, 1, 2, 9, 15)
    with pytest.raises(FollowUpError, match="in the past"):
        parse_callback_time("2020-01-01 10:00", now)
    with pytest.raises(FollowUpError, match="use \\+2h, 14:30"):
        parse_callback_time("tomorrow", now)


class Recorder(ScreenHarness):
    opened: int | None = None

    @on(OpenProfile)
    def _opened(self, message: OpenProfile) -> None:
        self.opened = message.customer_id


def rows(app: Recorder) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_my_callbacks_screen(sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]) -> None:
    maria, luca = make_customer(sqlite_engine), make_customer(sqlite_engine, "Luca", "Bianchi")
    now = datetime.now(UTC)
    schedule(sqlite_engine, "c-1", maria.id, "anna", now + timedelta(hours=2), "quote for the oven")
    schedule(sqlite_engine, "c-2", luca.id, "anna", now - timedelta(minutes=10), "[bold]late[/] \x1b[2J")
    schedule(sqlite_engine, "c-3", luca.id, "bruno", now + timedelta(hours=1))
    app = Recorder(seat(sqlite_engine, tmp_path), CallbacksScreen())
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = rows(app)
        assert [row[1] for row in shown] == ["Luca Bianchi", "Maria Rossi"]
        assert shown[0][0].endswith("overdue") and shown[0][4] == "[bold]late[/]"
        await pilot.press("enter")
        assert app.opened == luca.id
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [row[1] for row in rows(app)] == ["Maria Rossi"]
    assert [c.assignee for c in callbacks_for(sqlite_engine, None)] == ["bruno", "anna"]


async def test_supervisor_queue_shows_everyone(sqlite_engine: Engine, tmp_path: Path) -> None:
    maria = make_customer(sqlite_engine)
    now = datetime.now(UTC)
    schedule(sqlite_engine, "c-1", maria.id, "anna", now + timedelta(hours=2))
    schedule(sqlite_engine, "c-2", maria.id, "bruno", now + timedelta(hours=1))
    app = Recorder(seat(sqlite_engine, tmp_path, operator="carla"), CallbacksScreen(queue=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [row[3] for row in rows(app)] == ["bruno", "anna"]
