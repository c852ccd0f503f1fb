"""`callpop bench segments`: `segments refresh` over a whole base (target <= 60 s at 1,000,000
customers) and an incremental one after `--changed` customers changed.

The base is the offer benchmark's (console/benchmarks/customer_base.py: two holdings a customer,
warranties, open tickets), with the built-in segments file. A full refresh computes the cut
points and rewrites every customer; an incremental one, the same day, reads only the customers
whose row changed since (their `updated_at` is touched here, as an edit in the console does).
`cpu_s` is this process's CPU time: on SQLite the whole cost, which a shared machine's load does
not inflate (on PostgreSQL part of the work is the server's). `peak_rss_mb_after` is the
process's peak memory after the full and after the incremental refreshes (the bulk load streams,
so the refresh sets it).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date

import sqlalchemy as sa

from console.benchmarks import scratch_dir
from console.benchmarks.customer_base import populate_customers
from console.benchmarks.stats import emit, peak_rss_mb, percentiles
from console.config import Settings
from store.db import make_engine, write_session
from store.migrate import upgrade
from store.models import Customer
from store.models.base import table_of
from store.segments.refresh import refresh_segments
from store.timeutil import utcnow

FULL_TARGET_S = 60.0
TARGET_CUSTOMERS = 1_000_000


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser(
        "segments", help="segments refresh: full (<= 60 s at 1M customers) and incremental", parents=parents
    )
    parser.add_argument("--customers", type=int, default=TARGET_CUSTOMERS, help="customers in the base")
    parser.add_argument("--runs", type=int, default=2, help="full refreshes timed, and as many incremental")
    parser.add_argument(
        "--changed", type=int, default=10_000, help="customers changed before each incremental"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    scratch = scratch_dir(settings, "segments")
    url = settings.database_url or f"sqlite:///{scratch / f'bench-segments-{args.customers}.db'}"
    engine = make_engine(url)
    upgrade(engine)
    loaded = populate_customers(engine, args.customers, args.seed)
    rng = random.Random(args.seed)
    full: list[float] = []
    incremental: list[float] = []
    cpu: dict[str, list[float]] = {"full": [], "incremental": []}
    rss: dict[str, float] = {}
    refreshed = 0
    for _ in range(max(1, args.runs)):
        seconds, cpu_s, refreshed = _timed(engine, full=True)
        full.append(seconds)
        cpu["full"].append(cpu_s)
        rss["after_full"] = peak_rss_mb()
        print(f"callpop bench segments: full refresh {seconds:.1f} s", file=sys.stderr)
    changed = 0
    for _ in range(max(1, args.runs)):
        _touch(engine, rng.sample(range(1, args.customers + 1), min(args.changed, args.customers)))
        seconds, cpu_s, changed = _timed(engine, full=False)
        incremental.append(seconds)
        cpu["incremental"].append(cpu_s)
        print(f"callpop bench segments: incremental refresh {seconds:.2f} s", file=sys.stderr)
    rss["after_incremental"] = peak_rss_mb()
    engine.dispose()
    full_stats = percentiles([s * 1000 for s in full])
    scaled = max(full) * TARGET_CUSTOMERS / max(1, args.customers)
    emit(
        {
            "benchmark": "segments",
            "database": engine.dialect.name,
            "customers": args.customers,
            **loaded,
            "full": {
                **full_stats,
                "customers": refreshed,
                "cpu_s": [round(c, 1) for c in cpu["full"]],
                "customers_per_s": round(refreshed / max(full), 0) if max(full) else None,
                "target_s": FULL_TARGET_S,
                "within_target": max(full) <= FULL_TARGET_S if args.customers >= TARGET_CUSTOMERS else None,
                "slowest_scaled_to_1m_s": round(scaled, 1),
            },
            "incremental": {
                **percentiles([s * 1000 for s in incremental]),
                "cpu_s": [round(c, 2) for c in cpu["incremental"]],
                "customers": changed,
            },
            "peak_rss_mb_after": rss,
        }
    )
    return 0


def _timed(engine: sa.Engine, *, full: bool) -> tuple[float, float, int]:
    """Wall and CPU seconds of one refresh, and how many customers it rewrote."""
    started, started_cpu = time.perf_counter(), time.process_time()
    result = refresh_segments(engine, today=date.today(), full=full)
    assert result.full is full  # an incremental run the same day stays incremental
    return time.perf_counter() - started, time.process_time() - started_cpu, result.customers


def _touch(engine: sa.Engine, ids: list[int]) -> None:
    """Mark `ids` changed now, as saving a customer's details does."""
    customer = table_of(Customer)
    with write_session(engine) as session:
        session.execute(sa.update(customer).where(customer.c.id.in_(ids)).values(updated_at=utcnow()))
