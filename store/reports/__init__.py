"""Supervisor reports (issue 11): one registry of named reports, each one SELECT on indexed
columns, the same text on SQLite and PostgreSQL.

`run_report` is the only way in: it checks `Action.READ_REPORTS` (operators reach none; a
supervisor sees only their team's operators' rows, an admin every row) and hands back plain
detached rows, so the CLI, the screen and the benchmark share one path. Reports may lag a little:
they run on the reader (store.replica), in a read-only transaction there. Names and column keys are
stable interfaces (`callpop report NAME`, CSV headers, JSON fields); titles are English for the
CLI, and the screen translates them by key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.policy import Action, Actor, require, team_scope
from store.replica import Engines
from store.reports import calls, followups, offers
from store.reports.base import By, Column, Kind, Period, Scope
from store.timeutil import utcnow

REPORT_MMAP_BYTES = 1 << 30
"""How much of a SQLite file a report reads through memory mapping (measured at 1M calls: the
segment mix 1.4 s -> 1.1 s of CPU, the others unchanged; an 8 MB page cache gained as much there
but slowed the sorts SQLite keeps in it)."""

__all__ = ["REPORTS", "By", "Column", "Kind", "Period", "Report", "ReportResult", "run_report"]


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: tuple[Column, ...]
    query: Callable[[Scope], sa.Select]
    chart: str
    """The column the chart plots, summed per group."""


@dataclass(frozen=True)
class ReportResult:
    report: Report
    period: Period
    by: By
    rows: list[tuple[Any, ...]]

    def as_dicts(self) -> list[dict[str, Any]]:
        keys = [column.key for column in self.report.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]

    def chart_points(self) -> list[tuple[str, float]]:
        """(group, value of the chart column summed over the group's rows), in row order."""
        index = [column.key for column in self.report.columns].index(self.report.chart)
        points: dict[str, float] = {}
        for row in self.rows:
            points[row[0]] = points.get(row[0], 0.0) + float(row[index] or 0)
        return list(points.items())


_REPORTS = (
    Report("calls", "Calls by reason and outcome", calls.CALLS_COLUMNS, calls.calls_query, "calls"),
    Report(
        "handling",
        "Handle time, after-call work and first-contact resolution",
        calls.HANDLING_COLUMNS,
        calls.handling_query,
        "handle_avg_s",
    ),
    Report(
        "callbacks",
        "Callbacks due, kept and missed",
        followups.CALLBACK_COLUMNS,
        followups.callbacks_query,
        "kept_pct",
    ),
    Report(
        "offers",
        "Offers presented and accepted, by offer and segment",
        offers.OFFER_COLUMNS,
        offers.offers_query,
        "presented",
    ),
    Report(
        "tickets",
        "Tickets opened, resolved and overdue",
        followups.TICKET_COLUMNS,
        followups.tickets_query,
        "opened",
    ),
    Report(
        "campaigns",
        "Campaign responses quoted on calls",
        calls.CAMPAIGN_COLUMNS,
        calls.campaigns_query,
        "responses",
    ),
    Report(
        "segments",
        "Segment mix of the customers who called",
        calls.SEGMENT_COLUMNS,
        calls.segments_query,
        "calls",
    ),
)
REPORTS: dict[str, Report] = {report.name: report for report in _REPORTS}
"""Name -> report, in the order `callpop report --list` and the screen show them."""


def run_report(
    engines: Engines, actor: Actor, name: str, period: Period, by: By, *, now: datetime | None = None
) -> ReportResult:
    """Report `name` over `period` grouped `by`, limited to the rows `actor` may read (on the reader)."""
    require(actor, Action.READ_REPORTS)
    report = REPORTS[name]
    query = report.query(Scope(period, by, team_scope(actor, Action.READ_REPORTS), now or utcnow()))

    def select(engine: Engine) -> list[sa.Row[Any]]:
        with engine.connect() as connection, _mapped(connection):
            return list(connection.execute(query).all())

    rows = engines.read(select)
    kinds = [column.kind for column in report.columns]
    return ReportResult(report, period, by, [_plain(row, kinds) for row in rows])


@contextmanager
def _mapped(connection: sa.Connection) -> Iterator[None]:
    """On SQLite, the file memory-mapped (up to REPORT_MMAP_BYTES) while the report runs, then the
    connection's own setting again (it goes back to the pool). The segment mix looks up each
    call's customer in `customerrfm`, 5 MB at 100,000 customers: through the default 2 MB page
    cache every lookup was a read() of its page again."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA mmap_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA mmap_size = {REPORT_MMAP_BYTES}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA mmap_size = {int(before)}")


def _plain(row: sa.Row[Any], kinds: list[Kind]) -> tuple[Any, ...]:
    """A row as plain Python values: text as str, counts as int, seconds and percentages as
    floats to one decimal (None where there is nothing to average)."""
    values: list[Any] = []
    for value, kind in zip(row, kinds, strict=True):
        if kind is Kind.TEXT:
            values.append("" if value is None else str(value))
        elif kind is Kind.COUNT:
            values.append(int(value or 0))
        else:
            values.append(None if value is None else round(float(value), 1))
    return tuple(values)
