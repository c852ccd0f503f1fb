"""`refresh_segments`: recompute RFM scores and rule segments, for the whole base or what changed.

A full refresh computes the quintile cut points on the whole base, then rewrites every customer
in chunks, each chunk its own short write transaction (operators keep saving while it runs). A
refresh later the same day is incremental: only customers added or changed since the last run
(their row, a change event `customer:<id>`, a ticket, a holding opened or closed since that
day), scored against the last full run's cut points. A new day is a full run again: recency and
"expires within 30 days" move with the date; so is the first run after an import (bulk writes
publish no change events).
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from store.bulk import insert_rows
from store.db import write_session
from store.models import Customer, Holding, Ticket
from store.models.base import table_of
from store.models.data import ImportRun, ImportStatus
from store.models.events import ChangeEventRecord
from store.models.segments import CustomerRfm, SegmentMember, SegmentRun
from store.segments.bulk_facts import load_many, of_customers, read_holdings
from store.segments.rfm import RFM_SEGMENTS, Breakpoints, rfm_segment, score_higher, score_lower
from store.segments.rules import BUILT_IN, SegmentSpec, read_segments
from store.timeutil import date_of, utcnow

CHUNK = 2_000
Progress = Callable[[int, int], None]

_customer, _holding, _ticket = table_of(Customer).c, table_of(Holding).c, table_of(Ticket).c
_rfm, _member, _run = table_of(CustomerRfm).c, table_of(SegmentMember).c, table_of(SegmentRun)
_event = table_of(ChangeEventRecord).c
_import = table_of(ImportRun).c
_MONEY = sa.func.sum(sa.func.coalesce(_holding.price_paid, _holding.balance, 0))
_RAW = sa.select(
    _holding.customer_id,
    sa.func.max(_holding.opened_on).label("last"),
    sa.func.count().label("frequency"),
    _MONEY.label("monetary"),
)


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
            breakpoints = _base_breakpoints(connection, today)
            ids: Sequence[int] | None = None
            total = connection.scalar(sa.select(sa.func.count()).select_from(table_of(Customer))) or 0
        else:
            assert last is not None
            breakpoints = Breakpoints.from_json(json.loads(last.breakpoints))
            ids = sorted(_changed_since(connection, last))
            total = len(ids)
    done = 0
    for chunk in _chunks(engine, ids):
        with write_session(engine) as session:
            _rewrite(session.connection(), chunk, breakpoints, specs, today, whole_range=ids is None)
        done += len(chunk)
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


def _base_breakpoints(connection: Connection, today: date) -> Breakpoints:
    """Quintile cut points over every customer with a holding, streamed into compact arrays."""
    recency, frequency, monetary = array("d"), array("d"), array("d")
    rows = connection.execution_options(stream_results=True, yield_per=20_000).execute(
        _RAW.group_by(_holding.customer_id)
    )
    for partition in rows.partitions():  # a list of rows at a time: no per-row fetch
        for _customer_id, latest, count, money in partition:
            if latest is not None:
                recency.append((today - date_of(latest)).days)
            frequency.append(count)
            monetary.append(float(money or 0))
    return Breakpoints.of(recency, frequency, monetary)


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


def _chunks(engine: Engine, ids: Sequence[int] | None) -> Iterator[list[int]]:
    """The given ids in chunks; with None, every customer id, read a chunk at a time by id range."""
    if ids is not None:
        for start in range(0, len(ids), CHUNK):
            yield list(ids[start : start + CHUNK])
        return
    after = 0
    while True:
        with engine.connect() as connection:
            chunk = list(
                connection.execute(
                    sa.select(_customer.id).where(_customer.id > after).order_by(_customer.id).limit(CHUNK)
                )
                .scalars()
                .all()  # at once: iterating fetches row by row
            )
        if not chunk:
            return
        yield chunk
        after = chunk[-1]


def _rewrite(
    connection: Connection,
    ids: list[int],
    cuts: Breakpoints,
    specs: Sequence[SegmentSpec],
    today: date,
    *,
    whole_range: bool,
) -> None:
    """Replace the RFM rows and rule memberships of `ids` with freshly computed ones."""
    key = {"ids": ids} if not whole_range else {}
    now = utcnow()
    holdings = read_holdings(connection, ids, whole_range=whole_range)
    rows, segments = [], {}
    for customer_id, bought in holdings.purchases.items():
        r = score_lower((today - bought.last).days, cuts.recency_days) if bought.last else 1
        f = score_higher(bought.count, cuts.frequency)
        m = score_higher(float(bought.monetary), cuts.monetary)
        segments[customer_id] = rfm_segment(r, f)
        rows.append(
            {
                "customer_id": customer_id,
                "last_purchase_on": bought.last,
                "frequency": bought.count,
                "monetary": bought.monetary,
                "r": r,
                "f": f,
                "m": m,
                "rfm_segment": segments[customer_id],
                "refreshed_at": now,
            }
        )
    members = [
        {"segment": spec.name, "customer_id": facts.customer_id}
        for facts in load_many(connection, ids, holdings, segments, whole_range=whole_range)
        for spec in specs
        if spec.rule(facts, today, explain=False).ok
    ]
    connection.execute(
        sa.delete(table_of(CustomerRfm)).where(of_customers(_rfm.customer_id, ids, whole_range)), key
    )
    connection.execute(
        sa.delete(table_of(SegmentMember)).where(of_customers(_member.customer_id, ids, whole_range)), key
    )
    insert_rows(connection, table_of(CustomerRfm), rows)
    insert_rows(connection, table_of(SegmentMember), members)
