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
from store.models import Role
from store.models.callbacks import CallbackStatus
from store.policy import Actor, Forbidden
from store.tickets import FollowUpError, callbacks_for, close_callback, parse_callback_time
from store.wrapup import CallbackRequest, WrapUp, save_wrapup
from tests.factories import make_customer
from tests.harness import ScreenHarness, console, plain_svg_text, seat, until

ADMIN = Actor("root", Role.ADMIN)


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
    anna, carla = Actor("anna", Role.OPERATOR), Actor("carla", Role.SUPERVISOR)
    assert [(c.customer_name, c.assignee) for c in callbacks_for(engine, anna)] == [
        ("Luca Bianchi", "anna"),
        ("Maria Rossi", "anna"),
    ]
    queue = callbacks_for(engine, carla, everyone=True)
    assert [c.assignee for c in queue] == ["anna", "bruno", "anna"]
    assert close_callback(engine, anna, queue[0].id) is True
    assert close_callback(engine, anna, queue[0].id, CallbackStatus.CANCELLED) is False
    assert [c.customer_name for c in callbacks_for(engine, anna)] == ["Maria Rossi"]


def test_an_operator_cannot_read_the_callback_queue(engine: Engine) -> None:
    """Regression: only the screen kept operators out of every operator's callbacks. You should see
    the store refuse the queue to an operator (their own list still comes)."""
    schedule(engine, "c-1", make_customer(engine).id, "bruno", datetime.now(UTC) + timedelta(hours=1))
    anna = Actor("anna", Role.OPERATOR)
    with pytest.raises(Forbidden):
        callbacks_for(engine, anna, everyone=True)
    assert callbacks_for(engine, anna) == []
    assert [c.assignee for c in callbacks_for(engine, Actor("root", Role.ADMIN), everyone=True)] == ["bruno"]


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
    assert [c.assignee for c in callbacks_for(sqlite_engine, ADMIN, everyone=True)] == ["bruno", "anna"]


async def test_supervisor_queue_shows_everyone(sqlite_engine: Engine, tmp_path: Path) -> None:
    maria = make_customer(sqlite_engine)
    now = datetime.now(UTC)
    schedule(sqlite_engine, "c-1", maria.id, "anna", now + timedelta(hours=2))
    schedule(sqlite_engine, "c-2", maria.id, "bruno", now + timedelta(hours=1))
    supervisor = seat(sqlite_engine, tmp_path, operator="carla", role=Role.SUPERVISOR)
    app = Recorder(supervisor, CallbacksScreen(queue=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [row[3] for row in rows(app)] == ["bruno", "anna"]


def test_a_callback_promised_in_a_wrap_up_shows_the_number_and_the_note(engine: Engine) -> None:
    """Regression: a callback made in a wrap-up (phone and note left empty there) showed an empty Phone
    and Note on F6/F7. You should see the customer's number and the wrap-up's note."""
    maria = make_customer(engine, phones=("+390612345678",))
    due = datetime.now(UTC) + timedelta(hours=2)
    notes, promised = "Wants the oven quote\nby mail", CallbackRequest(due, "anna", "", "")
    save_wrapup(
        engine,
        WrapUp("c-14", "anna", customer_id=maria.id, outcome="callback", notes=notes, callback=promised),
    )
    anna = Actor("anna", Role.OPERATOR)
    (item,) = callbacks_for(engine, anna)
    assert (item.phone, item.note) == ("+390612345678", "Wants the oven quote by mail")
    schedule(engine, "c-15", maria.id, "anna", due + timedelta(hours=1), "typed note")
    assert [(c.phone, c.note) for c in callbacks_for(engine, anna)][1] == ("+390612345678", "typed note")


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN])
async def test_the_callback_queue_is_for_supervisors(
    sqlite_engine: Engine, tmp_path: Path, role: Role
) -> None:
    """Regression: F7 "(supervisors)" showed every operator's callbacks to anyone. You should see the
    queue for a supervisor or an admin, and for an operator a message saying who may see it."""
    maria = make_customer(sqlite_engine)
    schedule(sqlite_engine, "c-1", maria.id, "bruno", datetime.now(UTC) + timedelta(hours=2), "secret")
    app = Recorder(seat(sqlite_engine, tmp_path, role=role), CallbacksScreen(queue=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(app.screen.query_one("#callbacks-status").render())
        if role is Role.OPERATOR:
            assert rows(app) == []
            assert "for supervisors and admins only" in status and "f6" in status.lower()
            assert app.screen.query_one("#callbacks-status").region.height >= 2, "cut at 80 columns"
        else:
            assert [row[3] for row in rows(app)] == ["bruno"]


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR])
async def test_f7_is_offered_only_to_who_may_read_the_queue(
    sqlite_engine: Engine, tmp_path: Path, role: Role
) -> None:
    """Regression: an operator's footer offered "f7 Queue", which only said no. You should see f7
    in a supervisor's footer, opening the queue, and nowhere on an operator's console."""
    app = console(sqlite_engine, tmp_path, role=role)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(app.screen_stack) > 1)
        footer = plain_svg_text(app.export_screenshot())
        await pilot.press("f7")
        await pilot.pause()
        opened = isinstance(app.screen, CallbacksScreen) and app.screen.queue
        if role is Role.OPERATOR:
            assert "Queue" not in footer and not opened and not app.check_action("callback_queue", ())
        else:
            assert "Queue" in footer and opened
