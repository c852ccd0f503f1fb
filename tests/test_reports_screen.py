"""The reports screen (F10) driven with Pilot at 80x24 and 120x40: the table and its chart, a
supervisor's team only, the period typed wrong, an operator refused by the store, snapshots."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static
from textual_plotext import PlotextPlot

from screens import reports as reports_screen
from screens.context import ConsoleContext
from screens.i18n import set_language
from screens.report_labels import COLUMN_TITLES, GROUPINGS, REPORT_TITLES
from screens.reports import ReportsScreen
from store.db import write_session
from store.models import Call, Operator, Role
from store.reports import REPORTS, By, Period, ReportResult, run_report
from tests.harness import ScreenHarness, console, operator_row, sign_in, until

PERIOD = Period(date(2026, 11, 2), date(2026, 11, 8))
TEAMS = {"ada": "north", "bo": "north", "cy": "south"}


def _staff_and_calls(engine: Engine) -> None:
    """Three operators (two teams) and a dozen calls in the period, one outside it."""
    with write_session(engine) as session:
        for name, team in TEAMS.items():
            session.add(Operator(username=name, display_name=name, role=Role.OPERATOR, team=team))
        for n in range(13):
            at = (
                datetime(2026, 11, 2 + n % 7, 8 + n, tzinfo=UTC)
                if n < 12
                else datetime(2026, 12, 1, tzinfo=UTC)
            )
            session.add(
                Call(
                    call_id=f"c{n}",
                    operator=list(TEAMS)[n % 3],
                    reason=("billing", "returns")[n % 2],
                    outcome="resolved",
                    rang_at=at,
                    answered_at=at,
                    ended_at=at + timedelta(minutes=n + 1),
                )
            )


def _harness(
    engine: Engine, tmp_path: Path, username: str, role: Role, team: str = "", report: str = "calls"
) -> ScreenHarness:
    operator_row(engine, username, role=role)
    with write_session(engine) as session:
        row = session.exec(select(Operator).where(Operator.username == username)).one()
        row.team = team
    actor = sign_in(engine, username)
    context = ConsoleContext(
        engine=engine,
        operator=username,
        extension="100",
        default_region="IT",
        data_dir=tmp_path,
        role=actor.role,
        actor=actor,
    )
    return ScreenHarness(context, ReportsScreen(period=PERIOD, name=report))


def _groups(app: ScreenHarness) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [str(table.get_row_at(index)[0]) for index in range(table.row_count)]


def _status(app: ScreenHarness) -> str:
    return str(app.screen.query_one("#reports-status", Static).render())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_supervisor_sees_their_teams_calls_in_a_table_and_a_chart(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    _staff_and_calls(sqlite_engine)
    app = _harness(sqlite_engine, tmp_path, "sue", Role.SUPERVISOR, team="north")
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.screen.query_one(DataTable).row_count > 0)
        assert set(_groups(app)) == {"ada", "bo"}  # cy is south: not this supervisor's
        assert sum(int(str(app.screen.query_one(DataTable).get_row_at(i)[3])) for i in range(4)) == 8
        chart = app.screen.query_one(PlotextPlot)
        assert chart.display and chart.region.width > 0
        beside = chart.region.x > app.screen.query_one(DataTable).region.x
        assert beside == (size[0] >= 100)  # narrow: under the table
        await pilot.press("c")
        assert not chart.display
        typed = app.screen.query_one("#reports-to", Input)
        typed.value = "2026-11-02"
        typed.focus()
        await pilot.press("enter")
        await until(pilot, lambda: _groups(app) == ["ada", "bo"] and "to 2026-11-02" in _status(app))


async def test_a_period_typed_wrong_is_said_and_not_run(sqlite_engine: Engine, tmp_path: Path) -> None:
    _staff_and_calls(sqlite_engine)
    app = _harness(sqlite_engine, tmp_path, "root", Role.ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: set(_groups(app)) == set(TEAMS))
        first = app.screen.query_one("#reports-from", Input)
        first.value = "2026-11-09"
        first.focus()
        await pilot.press("enter")
        await until(pilot, lambda: "first day is after the last" in _status(app))
        first.value = "yesterday"
        await pilot.press("enter")
        await until(pilot, lambda: "2026-11-30" in _status(app))
        assert set(_groups(app)) == set(TEAMS)  # the last good result stays


class _CountedRuns:
    """`run_report` as the screen calls it, counted, the first run held until `release` is set."""

    def __init__(self) -> None:
        self.runs = 0
        self.release = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> ReportResult:
        self.runs += 1
        if self.runs == 1:
            self.release.wait(timeout=30)
        return run_report(*args, **kwargs)


async def test_opening_runs_the_report_once_and_a_late_answer_hides_no_message(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Selects say their first value at mount: that ran the report twice (twice the wait at a
    million calls), and the second answer, landing after a period typed wrong, replaced its message."""
    _staff_and_calls(sqlite_engine)
    counted = _CountedRuns()
    monkeypatch.setattr(reports_screen, "run_report", counted)
    app = _harness(sqlite_engine, tmp_path, "root", Role.ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: counted.runs >= 1)
        first = app.screen.query_one("#reports-from", Input)
        first.value = "2026-11-09"
        first.focus()
        await pilot.press("enter")
        await until(pilot, lambda: "first day is after the last" in _status(app))
        counted.release.set()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "first day is after the last" in _status(app)
        assert counted.runs == 1


async def test_an_operator_is_refused_by_the_store(sqlite_engine: Engine, tmp_path: Path) -> None:
    _staff_and_calls(sqlite_engine)
    app = _harness(sqlite_engine, tmp_path, "ada", Role.OPERATOR, team="north")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "supervisors and admins only" in _status(app))
        assert app.screen.query_one(DataTable).row_count == 0


@pytest.mark.parametrize(("role", "offered"), [(Role.OPERATOR, False), (Role.SUPERVISOR, True)])
async def test_f10_opens_the_reports_for_supervisors_only(
    sqlite_engine: Engine, tmp_path: Path, role: Role, offered: bool
) -> None:
    operator_row(sqlite_engine, "anna", role=role)
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(app.screen_stack) > 1)
        shown = any(active.binding.id == "reports" for active in app.screen.active_bindings.values())
        assert shown == offered  # the footer offers F10 only to who may read reports
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(app.screen, ReportsScreen) == offered


async def test_the_segment_mix_names_calls_without_a_customer_in_the_operators_language(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """The store labels such calls "(no customer)" (the CLI's and the CSV's English); you should
    see the Italian label in an Italian console, every call of the period in it."""
    _staff_and_calls(sqlite_engine)
    set_language("it")
    app = _harness(sqlite_engine, tmp_path, "root", Role.ADMIN, report="segments")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query_one(DataTable).row_count == len(TEAMS))
        table = app.screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert {row[1] for row in rows} == {"(nessun cliente)"}
        assert sum(int(row[2]) for row in rows) == 12


def test_every_report_and_column_has_a_translatable_title() -> None:
    assert set(REPORT_TITLES) == set(REPORTS)
    assert {column.key for report in REPORTS.values() for column in report.columns} == set(COLUMN_TITLES)
    assert set(GROUPINGS) == set(By)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_reports_snapshot(
    snap_compare: object, sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    _staff_and_calls(sqlite_engine)
    app = _harness(sqlite_engine, tmp_path, "root", Role.ADMIN)

    async def loaded(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: set(_groups(app)) == set(TEAMS))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=loaded)  # type: ignore[operator]
