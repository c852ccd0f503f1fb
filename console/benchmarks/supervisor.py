"""`callpop bench supervisor`: the supervisor's screens against their targets, one section each.

- `queue`: the ticket queue's first paint with `--tickets` tickets (console/benchmarks/queue_paint.py).
- `reports`: every report of `store.reports` over a period holding `--calls` calls (1,000,000 by
  default, with callbacks, offers, tickets and customers in proportion), grouped each way, as an
  admin (every row) and as a team's supervisor; target <= 2 s each (p95), on SQLite and PostgreSQL.
  `cpu_p50_ms` is this process's CPU time per run: on SQLite the query's own cost, which a shared
  machine's load does not inflate (on PostgreSQL the work is the server's, so it is small).

A section is a function `(args, settings) -> dict` named in SECTIONS ("module:function") under the
JSON key it fills; `--section` picks some.
"""

from __future__ import annotations

import argparse
import importlib
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from console.benchmarks import scratch_dir
from console.benchmarks.stats import emit, percentiles
from console.commands import UserError
from console.config import Settings
from store.bulk import insert_rows, new_customer_row
from store.db import make_engine
from store.migrate import upgrade
from store.models import Call, Customer, OfferPresentation, Operator, Role, Ticket
from store.models.base import table_of
from store.models.callbacks import Callback
from store.models.segments import CustomerRfm
from store.policy import Actor
from store.replica import Engines
from store.reports import REPORTS, By, Period, run_report
from store.segments.rfm import RFM_SEGMENTS

REPORT_TARGET_S = 2.0
DAYS = 30
"""The calls are spread over this many days, all inside the reported period."""
TEAMS = ("north", "south", "east", "west")
OPERATORS = [f"op{n:02d}" for n in range(40)]
REASONS = ("billing", "delivery", "returns", "technical", "complaint", "sales")
OUTCOMES = ("resolved", "resolved", "escalated", "callback", "no_action")
SEGMENTS = ("mass", "affluent", "private", "small_business", "student")
CHUNK = 50_000
UNSCORED = 6
"""Every UNSCORED-th customer has no RFM score (no holding, or not refreshed yet), as in a live base."""


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser("supervisor", help="supervisor reports over 1,000,000 calls", parents=parents)
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls in the reports' database")
    parser.add_argument("--samples", type=int, default=3, help="runs of each report for each grouping")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--report",
        dest="reports",
        action="append",
        choices=list(REPORTS),
        metavar="NAME",
        help="only this report (repeatable; default: every one)",
    )
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets in the queue's database")
    parser.add_argument("--paints", type=int, default=20, help="first paints of the queue timed")
    parser.add_argument(
        "--section",
        dest="sections",
        action="append",
        choices=list(SECTIONS),
        help="only this section (repeatable; default: every one)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    result: dict[str, Any] = {"benchmark": "supervisor"}
    for key, where in SECTIONS.items():
        if args.sections and key not in args.sections:
            continue
        module, function = where.split(":")
        result[key] = getattr(importlib.import_module(module), function)(args, settings)
    emit(result)
    return 0


def measure_reports(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """Each report, each grouping, `--samples` times as an admin and once as a supervisor."""
    url = (
        settings.database_url
        or f"sqlite:///{scratch_dir(settings, 'supervisor') / f'reports-{args.calls}.db'}"
    )
    engine = make_engine(url)
    upgrade(engine)
    loaded = populate(engine, args.calls, args.seed)
    period = Period(date.today() - timedelta(days=DAYS - 1), date.today())
    admin, supervisor = Actor("bench", Role.ADMIN), Actor("bench", Role.SUPERVISOR, team=TEAMS[0])
    reports: dict[str, Any] = {}
    for name in args.reports or list(REPORTS):
        timings, cpu, rows = [], [], 0
        for by in By:
            for actor in [admin] * args.samples + [supervisor]:
                started, started_cpu = time.perf_counter(), time.process_time()
                rows = len(run_report(Engines.single(engine), actor, name, period, by).rows)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
        stats = percentiles(timings)
        reports[name] = {
            **stats,
            "cpu_p50_ms": percentiles(cpu).get("p50_ms"),
            "rows_by_hour": rows,
            "within_target": stats["p95_ms"] <= REPORT_TARGET_S * 1000,
        }
        print(f"callpop bench supervisor: {name} p95 {stats['p95_ms']:,.0f} ms", file=sys.stderr)
    engine.dispose()
    return {
        "database": engine.dialect.name,
        "calls": args.calls,
        "target_s": REPORT_TARGET_S,
        **loaded,
        "reports": reports,
        "all_within_target": all(r["within_target"] for r in reports.values()),
    }


SECTIONS: dict[str, str] = {
    "reports": f"{__name__}:measure_reports",
    "queue": "console.benchmarks.queue_paint:measure",
}
"""JSON key -> "module:function" of the section that fills it (imported when it runs), in order."""


def populate(engine: sa.Engine, calls: int, seed: int) -> dict[str, Any]:
    """Bulk-insert operators, customers, calls and their follow-ups unless already there."""
    with engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(table_of(Call))).scalar_one()
    if count == calls:
        return {"reused": True}
    if count:
        raise UserError(f"{engine.url}: holds {count} other calls; give an empty database")
    started, rng = time.perf_counter(), random.Random(seed)
    customers = max(1, calls // 10)
    start = datetime.combine(date.today() - timedelta(days=DAYS - 1), datetime.min.time(), UTC)
    with engine.begin() as connection:
        insert_rows(
            connection,
            table_of(Operator),
            [
                {
                    "username": name,
                    "display_name": name,
                    "role": "operator",
                    "extension": "",
                    "status": "active",
                    "team": TEAMS[n % len(TEAMS)],
                    "password_hash": "",
                    "failed_signins": 0,
                }
                for n, name in enumerate(OPERATORS)
            ],
        )
    _chunked(
        engine,
        Customer,
        (
            {
                "id": n,
                "external_id": f"S{n:08d}",
                "given_name": "Bench",
                "family_name": f"C{n}",
                "display_name": f"Bench C{n}",
                "birth_date": None,
                "points_expire_on": None,
                **new_customer_row(start),
                "segment": SEGMENTS[n % len(SEGMENTS)],
            }
            for n in range(1, customers + 1)
        ),
    )
    _chunked(engine, CustomerRfm, (_rfm(n, start) for n in range(1, customers + 1) if n % UNSCORED))
    _chunked(engine, Call, (_call(n, rng, start, customers) for n in range(calls)))
    _chunked(
        engine,
        Callback,
        (
            {
                "call_id": f"b{n}",
                "customer_id": 1 + n % customers,
                "assignee": rng.choice(OPERATORS),
                "due_at": (due := start + timedelta(seconds=rng.randrange(DAYS * 86400))),
                "phone": "",
                "note": "",
                "status": rng.choice(("open", "done", "done", "cancelled")),
                "created_by": "bench",
                "created_at": start,
                "done_at": due + timedelta(minutes=rng.randrange(-60, 60)),
            }
            for n in range(calls // 10)
        ),
    )
    _chunked(
        engine,
        OfferPresentation,
        (
            {
                "call_id": f"b{n}",
                "customer_id": 1 + n % customers,
                "offer_code": f"OFFER-{n % 12}",
                "segment": SEGMENTS[n % len(SEGMENTS)],
                "operator": rng.choice(OPERATORS),
                "response": rng.choice(("accepted", "declined", "maybe_later", "not_presented")),
                "reason": "",
                "presented_at": start + timedelta(seconds=rng.randrange(DAYS * 86400)),
            }
            for n in range(calls // 5)
        ),
    )
    _chunked(engine, Ticket, (_ticket(n, rng, start, customers) for n in range(calls // 10)))
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")  # planner statistics, as a live database has them
    return {"reused": False, "populate_s": round(time.perf_counter() - started, 1)}


def _rfm(n: int, start: datetime) -> dict[str, Any]:
    """Customer `n`'s computed RFM segment (what the segments report groups by)."""
    score = 1 + n % 5
    return {
        "customer_id": n,
        "last_purchase_on": start.date(),
        "frequency": score,
        "monetary": score * 100,
        "r": score,
        "f": score,
        "m": score,
        "rfm_segment": RFM_SEGMENTS[n % len(RFM_SEGMENTS)],
        "refreshed_at": start,
    }


def _call(n: int, rng: random.Random, start: datetime, customers: int) -> dict[str, Any]:
    rang = start + timedelta(seconds=rng.randrange(DAYS * 86400))
    answered = rang + timedelta(seconds=rng.randrange(3, 90)) if n % 10 else None
    ended = answered + timedelta(seconds=rng.randrange(30, 1200)) if answered else None
    return {
        "call_id": f"s{n}",
        "channel": "voice",
        "direction": "inbound",
        "caller_number": "",
        "extension": "",
        "operator": rng.choice(OPERATORS),
        "customer_id": 1 + rng.randrange(customers) if n % 7 else None,
        "status": "done" if answered else "missed",
        "rang_at": rang,
        "answered_at": answered,
        "ended_at": ended,
        "wrapped_at": ended + timedelta(seconds=rng.randrange(0, 180)) if ended else None,
        "reason": rng.choice(REASONS),
        "outcome": rng.choice(OUTCOMES) if answered else "",
        "notes": "",
        "campaign_code": f"CAMP{n % 5}" if n % 20 == 0 else "",
    }


def _ticket(n: int, rng: random.Random, start: datetime, customers: int) -> dict[str, Any]:
    opened = start + timedelta(seconds=rng.randrange(DAYS * 86400))
    resolved = opened + timedelta(hours=rng.randrange(1, 96)) if n % 3 else None
    return {
        "number": f"S-{n}",
        "customer_id": 1 + n % customers,
        "holding_id": None,
        "subject": "Bench",
        "category": "question",
        "priority": "normal",
        "status": "resolved" if resolved else "open",
        "assignee": rng.choice(OPERATORS),
        "team": TEAMS[n % len(TEAMS)],
        "sla_due": opened + timedelta(hours=48),
        "first_response_at": None,
        "resolved_at": resolved,
        "resolution": "",
        "version": 1,
        "created_at": opened,
        "updated_at": opened,
    }


def _chunked(engine: sa.Engine, model: type[Any], rows: Iterator[dict[str, Any]]) -> None:
    """Insert `rows` CHUNK at a time, each chunk its own transaction (memory stays flat)."""
    table, batch = table_of(model), []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            with engine.begin() as connection:
                insert_rows(connection, table, batch)
            batch = []
    if batch:
        with engine.begin() as connection:
            insert_rows(connection, table, batch)
