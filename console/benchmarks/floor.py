"""`callpop bench floor`: a whole floor of consoles on one machine against one database.

`--consoles` headless consoles, each a process of its own running the real `CallpopApp` signed
in as its own operator at its own extension (console/benchmarks/floor_console.py), at ten times a
busy floor's pace: a call rings each every 15-30 s through the real HTTP API (uvicorn, served
from this process as `callpop serve` does), and in between the operator types lookups at about
5 keys/s and opens profiles. Reads go to `--read-database URL` (a hot standby) when given.

The JSON says per action p50/p95 (`actions`), the errors (target 0; "database is locked" counted
apart), the rows written against the actions that wrote them (`rows_match`: no lost wrap-up or
offer answer), RSS per console (its peak, where it ended once the work was done, and the highest
of them every `series_every_s` of work: whether it levels off) and in total, CPU per console and
of the API process, the load average, and on PostgreSQL the peak database connections per
console, sampled every second from `pg_stat_activity` (each console names its connections
`floor-N`; the standby's are counted too).
The targets (`targets`, PostgreSQL) are those of the floor's issue; `within_targets` says which hold.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from contextlib import suppress
from itertools import zip_longest
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from console.api import make_api, serve_in_background
from console.benchmarks import scratch_dir
from console.benchmarks.callers import numbers_to_ring
from console.benchmarks.floor_console import ACTIONS, SeatPlan, SeatResult, run_seat
from console.benchmarks.stats import emit, peak_rss_mb, percentiles
from console.commands import UserError
from console.config import Settings
from console.database import open_engine
from console.demo_load import database_is_empty, load_demo
from store import identity
from store.db import make_engine
from store.models import Call, Customer, OfferPresentation, Role
from store.policy import Actor

TOKEN = "bench-floor"
PASSWORD = "floor bench seat, not a real operator"
TARGETS = {
    "lookup_p95_ms": 50,
    "pop_painted_p95_ms": 200,
    "wrapup_save_p95_ms": 100,
    "rss_per_console_mb": 120,
    "connections_per_console": 2,
}
SAMPLE_EVERY_S = 1.0
_QUERY = re.compile(r"[a-z]+ [a-z]{3}")


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser(
        "floor", help="N headless consoles at ten times a busy floor's pace", parents=parents
    )
    parser.add_argument("--consoles", type=int, default=50, help="console processes (default 50)")
    parser.add_argument("--minutes", type=float, default=5.0, help="how long they work (default 5)")
    parser.add_argument(
        "--read-database", metavar="URL", default="", help="a hot standby of --database for the reads"
    )
    parser.add_argument("--customers", type=int, default=2_000, help="demo customers loaded into an empty DB")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.consoles < 1 or args.minutes <= 0:
        raise UserError("--consoles must be at least 1 and --minutes more than 0")
    with tempfile.TemporaryDirectory(prefix="run-", dir=scratch_dir(settings, "floor")) as scratch:
        if not settings.database_url:
            settings = settings.model_copy(update={"database_url": f"sqlite:///{Path(scratch) / 'floor.db'}"})
        settings = settings.model_copy(update={"read_database_url": args.read_database})
        engine = open_engine(settings, quiet=True)
        if database_is_empty(engine):
            load_demo(engine, customers=args.customers, seed=args.seed)
        rng = random.Random(args.seed)
        numbers, queries = numbers_to_ring(engine, 200, rng), _queries(engine, rng)
        tag = uuid.uuid4().hex[:8]
        with serve_in_background(make_api(engine, TOKEN)) as base_url:
            plans = [
                _plan(engine, settings, index, tag, base_url, args, numbers, queries, Path(scratch))
                for index in range(args.consoles)
            ]
            started = time.perf_counter()
            results, connections, load = _run_floor(engine, settings, plans)
            elapsed = time.perf_counter() - started
        result = _report(engine, settings, tag, results, connections, load)
    result.update(consoles=args.consoles, minutes=args.minutes, elapsed_s=round(elapsed, 1))
    emit(result)
    return 0 if result["errors"] == 0 and result["rows_match"] else 1


def _queries(engine: Engine, rng: random.Random) -> list[str]:
    """What operators type: "maria ros" (a given name and three letters of the family name)."""
    query = sa.select(col(Customer.given_name), col(Customer.family_name)).limit(2_000)
    with engine.connect() as connection:
        names = [f"{given} {family[:3]}".lower() for given, family in connection.execute(query)]
    typed = sorted({name for name in names if _QUERY.fullmatch(name)})
    if not typed:
        raise UserError("the database has no customer whose name can be typed")
    return rng.sample(typed, min(len(typed), 200))


def _plan(
    engine: Engine,
    settings: Settings,
    index: int,
    tag: str,
    api_url: str,
    args: argparse.Namespace,
    numbers: list[str],
    queries: list[str],
    scratch: Path,
) -> SeatPlan:
    """Seat `index`: its operator (made on first use), extension, data dir and named connections."""
    username, extension = f"floor{index:03d}", f"7{index:03d}"
    if identity.operator_row(engine, username) is None:
        bench = Actor("bench", Role.ADMIN)
        identity.add_operator(
            engine, bench, username, role=Role.OPERATOR, extension=extension, password=PASSWORD
        )
    seat = settings.model_copy(
        update={
            "database_url": _named(settings.database_url, index),
            "read_database_url": _named(settings.read_database_url, index),
            "operator": username,
            "extension": extension,
            "data_dir": scratch / f"seat-{index}",
        }
    )
    seconds = args.minutes * 60
    return SeatPlan(
        index, username, PASSWORD, seat, api_url, TOKEN, tag, seconds, args.seed, numbers, queries
    )


def _named(url: str, index: int) -> str:
    """`url` with its PostgreSQL connections named after the console (pg_stat_activity shows it)."""
    if not url or sa.make_url(url).get_backend_name() != "postgresql":
        return url
    named = sa.make_url(url).update_query_dict({"application_name": f"floor-{index}"})
    return named.render_as_string(hide_password=False)


def _run_floor(
    engine: Engine, settings: Settings, plans: list[SeatPlan]
) -> tuple[list[SeatResult], dict[str, Any], dict[str, Any]]:
    """Every console in its own process, started together once all are ready; connections are
    sampled meanwhile."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(len(plans) + 1)
        sampler = _ConnectionSampler(engine, settings)
        with context.Pool(len(plans), maxtasksperchild=1) as pool:
            pending = pool.starmap_async(run_seat, [(plan, start) for plan in plans])
            with suppress(threading.BrokenBarrierError):  # a console died first: it says why
                start.wait(600)  # every console is signed in and on its lookup
            load_at_start = os.getloadavg()
            cpu_at_start = time.process_time()
            sampler.start()
            print(f"callpop bench floor: {len(plans)} consoles at work", file=sys.stderr)
            results: list[SeatResult] = pending.get()
            sampler.stop()
    load = {
        "loadavg_1m_at_start": round(load_at_start[0], 2),
        "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
        "api_process_cpu_s": round(time.process_time() - cpu_at_start, 2),
    }
    return results, sampler.peaks(), load


class _ConnectionSampler:
    """Every SAMPLE_EVERY_S, the connections of each console (by application name) on the primary
    and on the standby; PostgreSQL only (SQLite has no server connections to count)."""

    QUERY = sa.text(
        "SELECT application_name, count(*) FROM pg_stat_activity "
        "WHERE application_name LIKE 'floor-%' AND datname = current_database() GROUP BY 1"
    )

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engines = [engine] if engine.dialect.name == "postgresql" else []
        if self.engines and settings.read_database_url:
            self.engines.append(make_engine(settings.read_database_url))
        self.peak: dict[str, int] = defaultdict(int)
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> None:
        if self.engines:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        for extra in self.engines[1:]:
            extra.dispose()

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            now: dict[str, int] = defaultdict(int)
            for engine in self.engines:
                with engine.connect() as connection:
                    for name, count in connection.execute(self.QUERY):
                        now[name] += int(count)
            for name, count in now.items():
                self.peak[name] = max(self.peak[name], count)
            self.peak_total = max(self.peak_total, sum(now.values()))

    def peaks(self) -> dict[str, Any]:
        if not self.engines:
            return {"counted": False, "why": "SQLite: no server connections"}
        per_console = list(self.peak.values()) or [0]
        return {
            "counted": True,
            "standby_included": len(self.engines) > 1,
            "peak_per_console_max": max(per_console),
            "peak_per_console_p50": sorted(per_console)[len(per_console) // 2],
            "peak_total": self.peak_total,
        }


def _report(
    engine: Engine,
    settings: Settings,
    tag: str,
    results: list[SeatResult],
    connections: dict[str, Any],
    load: dict[str, Any],
) -> dict[str, Any]:
    errors = [error for result in results for error in result.errors]
    saved = sum(result.wrapups_saved for result in results)
    expected = {
        "calls_rung": sum(result.rings for result in results),
        "calls_wrapped": saved,
        "offers_presented": sum(result.offers_listed for result in results),
        "offers_accepted": sum(result.offers_answered for result in results),
    }
    rows = _rows(engine, tag)
    actions = {
        action: percentiles([ms for result in results for ms in result.timings.get(action, [])])
        for action in ACTIONS
    }
    rss = [result.peak_rss_mb for result in results]
    series = [result.rss_series_mb for result in results]  # a console that stopped early has fewer
    busy = max(result.busy_s for result in results) or 1.0
    cpu = [result.cpu_s for result in results]
    report: dict[str, Any] = {
        "bench": "floor",
        "backend": engine.dialect.name,
        "reads_on_standby": bool(settings.read_database_url),
        "actions": actions,
        "keys_typed": sum(result.keys for result in results),
        "errors": len(errors),
        "database_is_locked": sum("database is locked" in error for error in errors),
        "first_errors": errors[:5],
        "rows": rows,
        "rows_expected": expected,
        "rows_match": rows == expected,
        "rss_mb": {
            "per_console_max": max(rss),
            "per_console_p50": sorted(rss)[len(rss) // 2],
            "total": round(sum(rss), 1),
            "per_console_end_max": max(result.end_rss_mb for result in results),
            "per_console_end_anonymous_max": max(result.end_anonymous_mb for result in results),
            "series_every_s": round(results[0].rss_every_s, 1),
            "per_console_series_max": [max(at) for at in zip_longest(*series, fillvalue=0.0)],
        },
        "cpu": {
            "per_console_s_p50": sorted(cpu)[len(cpu) // 2],
            "per_console_pct_of_one_core_p50": round(sorted(cpu)[len(cpu) // 2] / busy * 100, 1),
            "consoles_total_s": round(sum(cpu), 1),
            "busy_s": busy,
            "cores": os.cpu_count(),
            **load,
        },
        "connections": connections,
        "api_process_peak_rss_mb": peak_rss_mb(),
    }
    report["targets"] = TARGETS
    report["within_targets"] = _within(report)
    return report


def _rows(engine: Engine, tag: str) -> dict[str, int]:
    """What the database holds of this run's calls, counted by what wrote it."""
    ours = f"floor-{tag}-%"
    calls = sa.select(sa.func.count()).select_from(Call).where(sa.column("call_id").like(ours))
    offers = sa.select(sa.func.count()).select_from(OfferPresentation).where(sa.column("call_id").like(ours))
    with engine.connect() as connection:

        def count(query: sa.Select[Any]) -> int:
            return int(connection.execute(query).scalar_one())

        return {
            "calls_rung": count(calls),
            "calls_wrapped": count(calls.where(sa.column("wrapped_at").is_not(None))),
            "offers_presented": count(offers),
            "offers_accepted": count(offers.where(sa.column("response") == "accepted")),
        }


def _within(report: dict[str, Any]) -> dict[str, bool | None]:
    actions, connections = report["actions"], report["connections"]

    def p95(action: str) -> float | None:
        value: float | None = actions[action].get("p95_ms")
        return value

    checks = {
        "lookup_p95_ms": p95("lookup"),
        "pop_painted_p95_ms": p95("pop_painted"),
        "wrapup_save_p95_ms": p95("wrapup_save"),
        "rss_per_console_mb": report["rss_mb"]["per_console_max"],
        "connections_per_console": connections.get("peak_per_console_max"),
    }
    return {key: None if value is None else value <= TARGETS[key] for key, value in checks.items()}
