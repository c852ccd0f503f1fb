"""`refresh_segments`: recompute RFM scores and rule segments, for the whole base or what changed.

A full refresh computes the quintile cut points on the whole base, then rewrites every customer
in chunks, each chunk its own short write transaction (operators keep saving while it runs):
INSERT ... SELECTs of its RFM rows and of the members of each segment whose rule has a SQL form
(`_Rewrite`), the facts read into Python only for the other segments. A
refresh later the same day is incremental: only customers added or changed since the last run
(their row, a change event `customer:<id>`, a ticket, a holding opened or closed since that
day), scored against the last full run's cut points. A new day is a full run again: recency and
"expires within 30 days" move with the date; so is the first run after an import (bulk writes
publish no change events).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from store.bulk import insert_rows
from store.db import upsert, write_session
from store.models import Customer, Holding, Ticket
from store.models.base import table_of
from store.models.data import ImportRun, ImportStatus
from store.models.events import ChangeEventRecord
from store.models.segments import CustomerRfm, SegmentMember, SegmentRun
from store.segments.bulk_facts import key_of, load_many, of_customers, read_holdings
from store.segments.rfm import COLUMNS as RFM_COLUMNS
from store.segments.rfm import RFM_SEGMENTS, Breakpoints, histograms, scored
from store.segments.rule_sql import Condition, condition
from store.segments.rules import BUILT_IN, SegmentSpec, read_segments
from store.timeutil import utcnow

CHUNK = 2_000
Progress = Callable[[int, int], None]

_customer, _holding, _ticket = table_of(Customer).c, table_of(Holding).c, table_of(Ticket).c
_rfm, _member, _run = table_of(CustomerRfm).c, table_of(SegmentMember).c, table_of(SegmentRun)
_event = table_of(ChangeEventRecord).c
_import = table_of(ImportRun).c


@dataclass(frozen=True)
class RefreshResult:
    full: bool
    customers: int
    seconds: float
    breakpoints: Breakpoints


@dataclass(frozen=True)
class SegmentCount:
    kind: str
    """`rfm` or `rule`."""
    name: str
    title: str
    customers: int


def refresh_segments(
    engine: Engine,
    *,
    today: date,
    full: bool = False,
    segments_file: Path = BUILT_IN,
    progress: Progress | None = None,
) -> RefreshResult:
    """Recompute; incremental when a run for the same `today` finished before and `full` is not asked."""
    specs = read_segments(segments_file)
    started = utcnow()
    with engine.connect() as connection:
        last = _last_run(connection)
        newest_event = connection.scalar(sa.select(sa.func.max(_event.id))) or 0
        max_customer = connection.scalar(sa.select(sa.func.max(_customer.id))) or 0
        full = full or last is None or last.as_of != today or _imported_since(connection, last)
        if full:
            breakpoints = histograms(connection, today)
            ids: Sequence[int] | None = None
            total = connection.scalar(sa.select(sa.func.count()).select_from(table_of(Customer))) or 0
        else:
            assert last is not None
            breakpoints = Breakpoints.from_json(json.loads(last.breakpoints))
            ids = sorted(_changed_since(connection, last))
            total = len(ids)
    rewrite = _Rewrite.of(engine.dialect, specs, breakpoints, today, started, whole_range=ids is None)
    done = 0
    for chunk, count in _chunks(engine, ids):
        with write_session(engine) as session:
            rewrite(session.connection(), chunk)
        done += count
        if progress:
            progress(done, total)
    with write_session(engine) as session:
        if full:
            names = [spec.name for spec in specs]
            session.execute(sa.delete(table_of(SegmentMember)).where(_member.segment.not_in(names)))
        session.execute(
            sa.insert(_run).values(
                started_at=started,
                finished_at=utcnow(),
                as_of=today,
                full=full,
                customers=done,
                last_event_id=newest_event,
                max_customer_id=max_customer,
                breakpoints=json.dumps(breakpoints.as_json()),
            )
        )
    return RefreshResult(full, done, (utcnow() - started).total_seconds(), breakpoints)


def segment_counts(connection: Connection, segments_file: Path = BUILT_IN) -> list[SegmentCount]:
    """Every RFM segment and every segment of the file, with how many customers are in it now."""
    rfm: dict[str, int] = dict(
        connection.execute(sa.select(_rfm.rfm_segment, sa.func.count()).group_by(_rfm.rfm_segment)).all()
    )
    rules: dict[str, int] = dict(
        connection.execute(sa.select(_member.segment, sa.func.count()).group_by(_member.segment)).all()
    )
    counts = [SegmentCount("rfm", name, name.replace("_", " "), rfm.get(name, 0)) for name in RFM_SEGMENTS]
    counts += [
        SegmentCount("rule", s.name, s.title, rules.get(s.name, 0)) for s in read_segments(segments_file)
    ]
    return counts


def last_run(connection: Connection) -> SegmentRun | None:
    """The latest finished refresh, or None before the first."""
    return _last_run(connection)


def _last_run(connection: Connection) -> SegmentRun | None:
    row = connection.execute(
        sa.select(_run).where(_run.c.finished_at.is_not(None)).order_by(_run.c.id.desc()).limit(1)
    ).first()
    return SegmentRun(**row._mapping) if row else None


def _imported_since(connection: Connection, last: SegmentRun) -> bool:
    """Whether an import wrote the live tables since `last` started. Imports publish no change
    events and holdings and warranties carry days, not instants: a nightly feed's holding opened
    yesterday would not be seen as a change, so the refresh after any import is a full one."""
    written = sa.select(_import.id).where(
        _import.status.in_([ImportStatus.APPLIED, ImportStatus.DONE]), _import.updated_at >= last.started_at
    )
    return connection.execute(written.limit(1)).first() is not None


def _changed_since(connection: Connection, last: SegmentRun) -> set[int]:
    since = last.started_at
    changed = set(
        connection.execute(
            sa.select(_customer.id).where(
                sa.or_(_customer.id > last.max_customer_id, _customer.updated_at >= since)
            )
        ).scalars()
    )
    changed |= set(
        connection.execute(
            sa.select(_ticket.customer_id).where(_ticket.updated_at >= since).distinct()
        ).scalars()
    )
    day = since.date()  # holdings carry dates, not instants: what opened or closed since that day
    changed |= set(
        connection.execute(
            sa.select(_holding.customer_id)
            .where(sa.or_(_holding.opened_on >= day, _holding.closed_on >= day))
            .distinct()
        ).scalars()
    )
    for key in connection.execute(
        sa.select(_event.key).where(_event.id > last.last_event_id, _event.topic == "customer").distinct()
    ).scalars():
        if key.isdigit():
            changed.add(int(key))
    return changed


def _members_of(
    dialect: sa.Dialect, segment: str, where: Condition, whole_range: bool
) -> list[sa.Executable]:
    """Out of `segment`, the chunk's members no longer `where`; into it, those now `where`."""
    still = sa.select(_customer.id).where(_customer.id == _member.customer_id, where)
    chosen = sa.select(sa.literal(segment), _customer.id).where(
        of_customers(_customer.id, whole_range), where
    )
    return [
        sa.delete(table_of(SegmentMember)).where(
            _member.segment == segment, of_customers(_member.customer_id, whole_range), ~sa.exists(still)
        ),
        upsert(dialect, table_of(SegmentMember))
        .from_select(["segment", "customer_id"], chosen)
        .on_conflict_do_nothing(index_elements=["segment", "customer_id"]),
    ]


def _chunks(engine: Engine, ids: Sequence[int] | None) -> Iterator[tuple[Sequence[int], int]]:
    """The given ids in chunks, each with how many customers it holds; with None, every customer
    by id range: from past the last chunk's end to the CHUNK-th id after it, found by the database
    (a million ids need not come to Python to be cut into ranges)."""
    if ids is not None:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            yield chunk, len(chunk)
        return
    after = 0
    while True:
        next_ids = (
            sa.select(_customer.id).where(_customer.id > after).order_by(_customer.id).limit(CHUNK).subquery()
        )
        with engine.connect() as connection:
            upto, count = connection.execute(sa.select(sa.func.max(next_ids.c.id), sa.func.count())).one()
        if not count:
            return
        yield range(after + 1, upto + 1), count
        after = upto


@dataclass(frozen=True)
class _Rewrite:
    """What brings a chunk's RFM rows and rule memberships up to date, built once for a whole
    refresh: the scores first (`in_segment` reads them), then the members of every segment whose
    rule has a SQL form; the other segments are decided on the facts in Python. Rows that stay
    as they were are not written: most scores and memberships are the same from one day to the
    next, and a write costs its indexes, its foreign key check and (PostgreSQL) a new row version."""

    statements: tuple[sa.Executable, ...]
    in_python: tuple[SegmentSpec, ...]
    today: date
    whole_range: bool

    @classmethod
    def of(
        cls,
        dialect: sa.Dialect,
        specs: Sequence[SegmentSpec],
        cuts: Breakpoints,
        today: date,
        now: datetime,
        *,
        whole_range: bool,
    ) -> _Rewrite:
        members: list[sa.Executable] = []
        in_python = []
        for spec in specs:
            where = condition(spec.source, today)
            if where is None:
                in_python.append(spec)
            else:
                members += _members_of(dialect, spec.name, where, whole_range)
        if in_python:
            members.append(
                sa.delete(table_of(SegmentMember)).where(
                    of_customers(_member.customer_id, whole_range),
                    _member.segment.in_([spec.name for spec in in_python]),
                )
            )
        scores = upsert(dialect, table_of(CustomerRfm)).from_select(
            RFM_COLUMNS,  # WHERE true: after a bare FROM, SQLite would read ON CONFLICT as a join's ON
            scored(of_customers(_holding.customer_id, whole_range), cuts, today, now).where(sa.true()),
        )
        measures = [name for name in RFM_COLUMNS if name not in ("customer_id", "refreshed_at")]
        changed = sa.or_(*(_rfm[name].is_distinct_from(scores.excluded[name]) for name in measures))
        no_holding = ~sa.exists().where(_holding.customer_id == _rfm.customer_id)
        statements = (
            sa.delete(table_of(CustomerRfm)).where(of_customers(_rfm.customer_id, whole_range), no_holding),
            scores.on_conflict_do_update(
                index_elements=["customer_id"],
                set_={name: scores.excluded[name] for name in RFM_COLUMNS[1:]},
                where=changed,
            ),
            *members,
        )
        return cls(statements, tuple(in_python), today, whole_range)

    def __call__(self, connection: Connection, ids: Sequence[int]) -> None:
        key = key_of(ids, self.whole_range)
        for statement in self.statements:
            connection.execute(statement, key)
        if self.in_python:
            insert_rows(connection, table_of(SegmentMember), self._python_members(connection, ids, key))

    def _python_members(
        self, connection: Connection, ids: Sequence[int], key: dict[str, Any]
    ) -> list[dict[str, object]]:
        rfm_segments = dict(
            connection.execute(
                sa.select(_rfm.customer_id, _rfm.rfm_segment).where(
                    of_customers(_rfm.customer_id, self.whole_range)
                ),
                key,
            ).all()
        )
        holdings = read_holdings(connection, ids, whole_range=self.whole_range)
        return [
            {"segment": spec.name, "customer_id": facts.customer_id}
            for facts in load_many(connection, ids, holdings, rfm_segments, whole_range=self.whole_range)
            for spec in self.in_python
            if spec.rule(facts, self.today, explain=False).ok
        ]
