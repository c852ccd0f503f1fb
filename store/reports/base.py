"""What every report shares: the period, the grouping, the team scope and portable SQL pieces.

A report is one SELECT built here and run by `store.reports.run_report`; the grouping (operator,
team, UTC day, hour of day) and the supervisor's team filter are the same for every report, so
they live in `Scope.frame`. A report groups and sorts by the frame's `key` and shows its `label`:
on PostgreSQL the day and hour keys are immutable expressions with planner statistics
(0016_report_stats), so it knows a month of calls is 30 days, not a million groups, and hashes
them instead of sorting a million rows on disk; the label formats the key.

Time arithmetic differs between SQLite (instants stored as naive UTC text) and PostgreSQL
(timestamptz): the few functions below compile to each dialect's own form, so one query text
serves both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from store.models import Operator


class By(StrEnum):
    """How a report's rows are grouped (`--by`)."""

    OPERATOR = "operator"
    TEAM = "team"
    DAY = "day"
    HOUR = "hour"
    """Hour of the day (00-23, UTC) across the whole period: the staffing profile."""


class Kind(StrEnum):
    """What a column holds, for alignment and the chart (the CLI and the screen format alike)."""

    TEXT = "text"
    COUNT = "count"
    SECONDS = "seconds"
    PERCENT = "percent"


@dataclass(frozen=True)
class Column:
    key: str
    """Stable name (CSV header, JSON field, the screen's translation key)."""
    title: str
    """English title for the CLI; the screen shows its own translation of it."""
    kind: Kind = Kind.COUNT


@dataclass(frozen=True)
class Period:
    """Inclusive UTC days `first`..`last`."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError(f"the period starts ({self.first}) after it ends ({self.last})")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)


@dataclass(frozen=True)
class Scope:
    """One run of a report: the period, the grouping, whose rows (None: every team) and `now`
    (what "overdue" and "missed" are measured against)."""

    period: Period
    by: By
    team: str | None
    now: datetime

    def frame(
        self,
        table: sa.FromClause,
        operator: ColumnElement[str],
        at: ColumnElement[Any],
        team: ColumnElement[str] | None = None,
    ) -> Frame:
        """The group, the FROM clause and the WHERE terms for rows of `table` worked by `operator`
        at instant `at` (indexed), of `team` (default: the operator row's team)."""
        source = table
        if team is None and (self.by is By.TEAM or self.team is not None):
            staff = sa.inspect(Operator).local_table.alias("staff")
            source = table.outerjoin(staff, staff.c.username == operator)
            team = staff.c.team
        keys: dict[By, Callable[[], tuple[ColumnElement[Any], ColumnElement[Any]]]] = {
            By.OPERATOR: lambda: (operator, operator),
            By.TEAM: lambda: (sa.func.coalesce(team, ""),) * 2,
            By.DAY: lambda: (DayText(DayKey(at)), DayKey(at)),
            By.HOUR: lambda: (HourText(HourKey(at)), HourKey(at)),
        }
        where = [at >= self.period.start, at < self.period.end]
        if self.team is not None:
            assert team is not None
            # A supervisor without a team reaches no team's rows (store.policy.require).
            where.append(team == self.team if self.team else sa.false())
        label, key = keys[self.by]()
        return Frame(label.label("group"), key, source, where)


class Frame(NamedTuple):
    """What `Scope.frame` gives a report: select `label`, group and sort by `key` (its order is
    the label's), read `source` where `where`."""

    label: sa.Label[Any]
    key: ColumnElement[Any]
    source: sa.FromClause
    where: list[ColumnElement[bool]]


def ratio(part: ColumnElement[Any], whole: ColumnElement[Any]) -> ColumnElement[Any]:
    """100 * part / whole as a percentage; NULL when `whole` is 0."""
    return 100.0 * part / sa.func.nullif(whole, 0)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


class DayKey(FunctionElement[Any]):
    """The UTC day of an instant, to group by: YYYY-MM-DD text on SQLite, the day's first instant
    (an immutable expression with statistics) on PostgreSQL."""

    inherit_cache = True


class DayText(FunctionElement[str]):
    """A `DayKey` as YYYY-MM-DD text."""

    type = sa.String()
    inherit_cache = True


class HourKey(FunctionElement[Any]):
    """The UTC hour of the day of an instant, to group by: 00-23 text on SQLite, a number on
    PostgreSQL (immutable, with statistics)."""

    inherit_cache = True


class HourText(FunctionElement[str]):
    """An `HourKey` as 00-23 text."""

    type = sa.String()
    inherit_cache = True


class SecondsBetween(FunctionElement[float]):
    """Seconds from the first instant to the second (NULL if either is)."""

    type = sa.Float()
    inherit_cache = True


class PlusDays(FunctionElement[datetime]):
    """An instant plus a whole number of days (a literal, not a parameter)."""

    inherit_cache = True

    def __init__(self, at: ColumnElement[Any], days: int) -> None:
        self.days = int(days)
        self.type = at.type
        super().__init__(at)


SQL_OF: dict[type[FunctionElement[Any]], dict[str, str]] = {
    DayKey: {"sqlite": "substr({0}, 1, 10)", "postgresql": "date_trunc('day', {0} AT TIME ZONE 'UTC')"},
    HourKey: {"sqlite": "substr({0}, 12, 2)", "postgresql": "EXTRACT(HOUR FROM {0} AT TIME ZONE 'UTC')"},
    DayText: {"sqlite": "{0}", "postgresql": "to_char({0}, 'YYYY-MM-DD')"},  # SQLite's key is the text
    HourText: {"sqlite": "{0}", "postgresql": "to_char({0}, 'FM00')"},
    SecondsBetween: {
        "sqlite": "((julianday({1}) - julianday({0})) * 86400.0)",
        "postgresql": "EXTRACT(EPOCH FROM ({1} - {0}))",
    },
    PlusDays: {  # SQLite: the stored instants' text shape (naive UTC, microseconds), so they compare
        "sqlite": "strftime('%Y-%m-%d %H:%M:%f000', {0}, '+{days} days')",
        "postgresql": "({0} + interval '{days} days')",
    },
}
"""Each construct's SQL per dialect: {0}, {1} are its arguments compiled, {days} PlusDays' literal."""


def _compile_as(template: str) -> Callable[..., str]:
    def compile_(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
        arguments = [compiler.process(argument, **kw) for argument in element.clauses]
        return template.format(*arguments, days=getattr(element, "days", None))

    return compile_


for _construct, _dialects in SQL_OF.items():
    for _dialect, _template in _dialects.items():
        compiles(_construct, _dialect)(_compile_as(_template))
