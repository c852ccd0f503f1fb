"""The supervisor's ticket queue under load: N tickets bulk-inserted, then the queue screen's first
paint timed headless (`run_test`), from the push to the first page on screen.

`callpop bench supervisor` runs it as its `queue` section (`measure`); the target is p95 <= 200 ms
with 100,000 tickets open. Tickets mix priorities,
statuses and deadlines (a tenth breached) so the breaches-first page is a real index walk.

As `callpop run` does, the objects made at start-up are frozen out of the cyclic collector once the
app is up (`gc.freeze`): else a full collection over them (50-100 ms) lands in a paint now and
then, which the console never sees. The first sample includes reading the screen's CSS, as the
first F8 of a console does. `cpu` is this process's CPU time per paint: the work itself, which a
shared machine's load does not inflate as it does the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.app import App
from textual.pilot import Pilot

from console.benchmarks import scratch_dir
from console.benchmarks.stats import percentiles
from console.config import Settings
from screens.context import ConsoleContext
from screens.ticket_queue import QueuePainted, TicketQueueScreen
from store.bulk import IdAllocator, insert_rows, new_customer_row
from store.db import make_engine
from store.migrate import upgrade
from store.models import Customer, Role, Ticket, TicketPriority
from store.models.base import table_of
from store.policy import Actor
from store.sla import active_sla
from store.tickets import ticket_number
from store.timeutil import utcnow

CUSTOMERS_PER_TICKET = 0.2
CHUNK = 20_000
TEAM = "bench"
SUPERVISOR = Actor("bench-supervisor", Role.SUPERVISOR, team=TEAM)


QUEUE_TARGET_MS = 200.0


def measure(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """The queue's first paint with `--tickets` tickets of one team, as that team's supervisor."""
    url = (
        settings.database_url
        or f"sqlite:///{scratch_dir(settings, 'supervisor') / f'queue-{args.tickets}.db'}"
    )
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as connection:
        have = connection.scalar(sa.select(sa.func.count()).select_from(table_of(Ticket))) or 0
    if have < args.tickets:
        build_tickets(engine, args.tickets - have)
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")  # planner statistics, as a live database has them
    wall, cpu = first_paint_ms(engine, args.paints)
    stats = percentiles(wall)
    engine.dispose()
    return {
        "database": engine.dialect.name,
        "tickets": max(have, args.tickets),
        "first_paint": stats,
        "cpu": percentiles(cpu),
        "target_ms": QUEUE_TARGET_MS,
        "within_target": stats.get("p95_ms", 0) <= QUEUE_TARGET_MS,
    }


def build_tickets(engine: Engine, count: int, *, team: str = TEAM) -> None:
    """`count` tickets of `team` (and a customer per five tickets), inserted in bulk."""
    now, sla = utcnow(), active_sla()
    customer_table = Customer.__table__  # type: ignore[attr-defined]
    ticket_table = Ticket.__table__  # type: ignore[attr-defined]
    customers = max(1, int(count * CUSTOMERS_PER_TICKET))
    priorities, statuses = list(TicketPriority), ("open", "open", "open", "pending", "closed")
    with engine.begin() as connection:
        ids = IdAllocator(connection)
        customer_ids = ids.take(customer_table, customers)
        base = new_customer_row(now)
        rows: list[dict[str, Any]] = [
            {**base, "id": i, "given_name": "Bench", "family_name": f"C{i}", "display_name": f"Bench C{i}",
             "external_id": f"QB{i:09d}"}
            for i in customer_ids
        ]  # fmt: skip
        insert_rows(connection, customer_table, rows)
        start = connection.scalar(sa.select(sa.func.count()).select_from(ticket_table)) or 0
        for chunk in range(0, count, CHUNK):
            batch = []
            for n in range(chunk, min(chunk + CHUNK, count)):
                opened = now - timedelta(minutes=n % 20_000 * 7)
                priority, status = priorities[n % 4], statuses[n % 5]
                due = sla.next_due(
                    priority=priority, category="billing", created_at=opened, first_response_at=None,
                    resolved=status == "closed",
                )  # fmt: skip
                batch.append(
                    _ticket_row(start + n, customer_ids[n % customers], opened, priority, status, due, team)
                )
            insert_rows(connection, ticket_table, batch)


def _ticket_row(
    serial: int,
    customer_id: int,
    opened: datetime,
    priority: str,
    status: str,
    due: datetime | None,
    team: str,
) -> dict[str, Any]:
    return {
        "number": ticket_number(opened, serial),
        "customer_id": customer_id,
        "holding_id": None,
        "subject": f"Bench case {serial}",
        "category": "billing",
        "priority": priority,
        "status": status,
        "assignee": f"op{serial % 40}",
        "team": team,
        "sla_due": due,
        "first_response_at": None,
        "resolved_at": opened if status == "closed" else None,
        "resolution": "",
        "version": 1,
        "created_at": opened,
        "updated_at": opened,
    }


class _Host(App[None]):
    """A bare app with a supervisor's console context; it hears when the queue has painted."""

    def __init__(self, context: ConsoleContext) -> None:
        super().__init__()
        self.context = context
        self.painted = asyncio.Event()

    def on_queue_painted(self, _message: QueuePainted) -> None:
        self.call_after_refresh(self.painted.set)  # the page is on screen after this refresh


def first_paint_ms(
    engine: Engine, runs: int = 20, *, actor: Actor = SUPERVISOR
) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds from pushing the queue to its first page painted, `runs` times."""

    async def measure() -> tuple[list[float], list[float]]:
        with tempfile.TemporaryDirectory(prefix="callpop-bench-queue-") as scratch:
            context = ConsoleContext(
                engine=engine, operator=actor.username, extension="", default_region="IT",
                data_dir=Path(scratch), role=actor.role, actor=actor,
            )  # fmt: skip
            app = _Host(context)
            wall: list[float] = []
            cpu: list[float] = []
            async with app.run_test(size=(120, 40)) as pilot:
                gc.freeze()
                try:
                    await _paint(app, pilot, runs, wall, cpu)
                finally:
                    gc.unfreeze()
            return wall, cpu

    return asyncio.run(measure())


async def _paint(app: _Host, pilot: Pilot[None], runs: int, wall: list[float], cpu: list[float]) -> None:
    """Push, time and pop the queue `runs` times."""
    for _run in range(runs):
        app.painted.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        await app.push_screen(TicketQueueScreen())
        await asyncio.wait_for(app.painted.wait(), timeout=30)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        await app.pop_screen()
        await pilot.pause()
