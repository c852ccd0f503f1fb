"""Service levels of tickets: per priority (and category) targets for the first response and the
resolution, counted in business hours, from store/data/sla.toml or the file CALLPOP_SLA_FILE names.

A ticket keeps one deadline, `Ticket.sla_due`: the next target it owes (the first response until
an operator has answered, then the resolution; none once resolved). Keeping it in the row lets the
queue filter and sort by it on an index: breached tickets are simply those due before now.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BUILT_IN = Path(__file__).parent / "data" / "sla.toml"
ENV_VAR = "CALLPOP_SLA_FILE"
PRIORITIES = ("low", "normal", "high", "urgent")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"(\d{1,4})([mhd])")
_TARGETS = ("first_response", "resolution")
DUE_SOON = timedelta(hours=2)
"""A ticket due within this is "due soon" (the queue's filter)."""


class SlaError(ValueError):
    """The SLA file is unreadable or wrong; the message names the file, the line and the key."""


@dataclass(frozen=True)
class Targets:
    first_response: timedelta
    """In business time: a business day counts as one `start`-`end` span."""
    resolution: timedelta


@dataclass(frozen=True)
class Sla:
    zone: ZoneInfo
    start: time
    end: time
    days: frozenset[int]
    targets: dict[str, Targets]
    categories: dict[tuple[str, str], Targets]

    def targets_for(self, priority: str, category: str) -> Targets:
        return self.categories.get((category, priority)) or self.targets[priority]

    def add_business(self, instant: datetime, span: timedelta) -> datetime:
        """`instant` plus `span` of business time (the clock stops out of hours)."""
        local = instant.astimezone(self.zone)
        left = span
        for _day in range(3660):  # ten years of days: an endless loop is a bug, not a target
            day_start = datetime.combine(local.date(), self.start, self.zone)
            day_end = datetime.combine(local.date(), self.end, self.zone)
            if local.weekday() in self.days and local < day_end:
                local = max(local, day_start)
                if local + left <= day_end:
                    return (local + left).astimezone(UTC)
                left -= day_end - local
            local = datetime.combine(local.date() + timedelta(days=1), self.start, self.zone)
        raise SlaError("SLA: no business hours in ten years")

    def next_due(
        self,
        *,
        priority: str,
        category: str,
        created_at: datetime,
        first_response_at: datetime | None,
        resolved: bool,
    ) -> datetime | None:
        """The ticket's next deadline (what `Ticket.sla_due` holds)."""
        if resolved:
            return None
        targets = self.targets_for(priority, category)
        if first_response_at is None:
            return self.add_business(created_at, targets.first_response)
        return self.add_business(created_at, targets.resolution)


def load_sla(path: Path | None = None) -> Sla:
    """The SLA in `path` (None: CALLPOP_SLA_FILE, else the built-in file), validated."""
    path = path or Path(os.environ.get(ENV_VAR) or BUILT_IN)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as error:
        raise SlaError(f"{path}: cannot read it: {error.strerror}") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SlaError(f"{path}: not valid TOML: {error}") from error
    return _parse(data, _Where(path, text))


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> Sla:
    return load_sla(Path(path))


def active_sla() -> Sla:
    """The SLA in force (re-read when its file changes), for writers that set `sla_due`."""
    path = Path(os.environ.get(ENV_VAR) or BUILT_IN)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0  # load_sla says what is wrong with it
    return _cached(str(path), mtime)


@dataclass(frozen=True)
class _Where:
    path: Path
    text: str

    def error(self, key: str, problem: str) -> SlaError:
        """An error naming the file, the line where `key` is set (if it is) and the key."""
        line = self._line_of(key)
        at = f" line {line}" if line else ""
        return SlaError(f"{self.path}:{at} key '{key}': {problem}")

    def _line_of(self, key: str) -> int | None:
        table, _, name = key.rpartition(".")
        current = ""
        for number, row in enumerate(self.text.splitlines(), 1):
            header = re.match(r"\s*\[([^\]]+)\]", row)
            if header:
                current = header[1].strip()
                if current == key:
                    return number
            elif current == table and re.match(rf"\s*{re.escape(name)}\s*=", row):
                return number
        return None


def _parse(data: dict[str, Any], where: _Where) -> Sla:
    hours = _table(data, "hours", where)
    zone_name = str(hours.get("timezone", "UTC"))
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise where.error("hours.timezone", f"unknown time zone {zone_name!r}") from error
    start, end = _clock(hours, "start", "08:00", where), _clock(hours, "end", "18:00", where)
    if end <= start:
        raise where.error("hours.end", "must be later than hours.start")
    days = hours.get("days", list(WEEKDAYS[:5]))
    if not isinstance(days, list) or not days or any(day not in WEEKDAYS for day in days):
        raise where.error("hours.days", f"must list weekdays among {' '.join(WEEKDAYS)}")
    day_length = datetime.combine(datetime.min, end) - datetime.combine(datetime.min, start)
    targets_table = _table(data, "targets", where)
    targets: dict[str, Targets] = {}
    for priority in PRIORITIES:
        entry = _table(targets_table, priority, where, f"targets.{priority}")
        targets[priority] = Targets(
            *(_span(entry, f"targets.{priority}.{name}", day_length, where) for name in _TARGETS)
        )
    categories: dict[tuple[str, str], Targets] = {}
    for category, per_priority in _table(data, "categories", where, optional=True).items():
        if not isinstance(per_priority, dict):
            raise where.error(f"categories.{category}", "must be a table of priorities")
        for priority, entry in per_priority.items():
            key = f"categories.{category}.{priority}"
            if priority not in PRIORITIES or not isinstance(entry, dict):
                raise where.error(key, f"must be a table named after a priority ({' '.join(PRIORITIES)})")
            base = targets[priority]
            categories[(category, priority)] = Targets(
                *(
                    _span(entry, f"{key}.{name}", day_length, where) if name in entry else getattr(base, name)
                    for name in _TARGETS
                )
            )
    return Sla(zone, start, end, frozenset(WEEKDAYS.index(day) for day in days), targets, categories)


def _table(
    data: dict[str, Any], name: str, where: _Where, key: str | None = None, *, optional: bool = False
) -> dict[str, Any]:
    value = data.get(name, {} if optional else None)
    if not isinstance(value, dict):
        raise where.error(key or name, "missing, or not a table")
    return value


def _clock(table: dict[str, Any], name: str, default: str, where: _Where) -> time:
    value = str(table.get(name, default))
    try:
        if re.fullmatch(r"\d\d:\d\d", value):
            return time.fromisoformat(value)
    except ValueError:
        pass
    raise where.error(f"hours.{name}", f"{value!r} is not a time like 08:00")


def _span(table: dict[str, Any], key: str, day_length: timedelta, where: _Where) -> timedelta:
    value = table.get(key.rsplit(".", 1)[-1])
    match = _DURATION.fullmatch(str(value)) if isinstance(value, str) else None
    if match is None or int(match[1]) == 0:
        raise where.error(key, f'{value!r} is not a duration like "30m", "4h" or "2d"')
    amount = int(match[1])
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": day_length * amount}[match[2]]
