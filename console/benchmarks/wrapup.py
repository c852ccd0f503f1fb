"""`callpop bench wrapup`: time from ctrl+s to "saved", and sustained wrap-ups/s with 8 writers.

Three measurements on one database (SQLite file in the data dir, or --database URL):
- `ui`: the real wrap-up screen headless; clock from the ctrl+s key press until it shows "saved".
- `store`: the same save path without the UI (journal, transaction, journal marked done).
- `concurrent`: N processes x M operations, half reads and half wrap-ups, then exact row counts;
  any "database is locked" or queued save is counted (the target is zero of both).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from console.benchmarks import scratch_dir
from console.benchmarks.stats import emit, percentiles
from console.commands import UserError
from console.config import Settings
from store.db import make_engine, write_session
from store.migrate import upgrade
from store.models import Call, Customer, Interaction, Role, Ticket
from store.models.callbacks import Callback
from store.policy import Actor
from store.tickets import TicketChange, callbacks_for, open_tickets
from store.timeutil import utcnow
from store.wrapup import CallbackRequest, WrapUp, load_call_facts
from store.wrapup.journal import SaveStatus, commit_wrapup

TARGET_P95_MS = {"sqlite": 50, "postgresql": 80}


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser(
        "wrapup", help="wrap-up save latency and throughput, 8 writers", parents=parents
    )
    parser.add_argument("--writers", type=int, default=8, help="concurrent writer processes")
    parser.add_argument(
        "--ops", type=int, default=1000, help="operations per writer (half reads, half saves)"
    )
    parser.add_argument("--saves", type=int, default=300, help="sequential saves for the latency figure")
    parser.add_argument("--ui-saves", type=int, default=40, help="saves through the real screen (0: skip)")
    parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    parser.set_defaults(handler=run)


@dataclass
class WorkerResult:
    saved: int = 0
    queued: int = 0
    reads: int = 0
    tickets: int = 0
    callbacks: int = 0
    errors: list[str] = field(default_factory=list)
    save_ms: list[float] = field(default_factory=list)
    began: float = 0.0
    """Wall clock when the first operation started (after the process's imports and set-up)."""
    ended: float = 0.0


def seed_customers(url: str, count: int) -> list[int]:
    """`count` customers to wrap calls up for (the database is migrated first)."""
    engine = make_engine(url)
    upgrade(engine)
    tag = uuid.uuid4().hex[:8]
    with write_session(engine) as session:
        customers = [
            Customer(external_id=f"WB{tag}{n:05d}", given_name="Bench", family_name=f"C{n}")
            for n in range(count)
        ]
        session.add_all(customers)
        session.flush()
        ids = [customer.id or 0 for customer in customers]
    engine.dispose()
    return ids


def mixed_worker(
    url: str, data_dir: str, tag: str, worker: int, ops: int, customer_ids: list[int]
) -> WorkerResult:
    """One console's worth of traffic: even operations read a customer's follow-ups, odd ones save
    a wrap-up (every 5th with a new ticket, every 7th with a callback). Runs in its own process."""
    engine = make_engine(url)
    rng = random.Random(f"{tag}-{worker}")
    seat = Path(data_dir) / f"seat-{worker}"
    result = WorkerResult(began=time.time())
    operator = Actor(f"op{worker}", Role.OPERATOR)
    for i in range(ops):
        customer_id = rng.choice(customer_ids)
        try:
            if i % 2 == 0:
                open_tickets(engine, customer_id)
                callbacks_for(engine, operator)
                load_call_facts(engine, f"{tag}-{worker}-{i - 1}", None)
                result.reads += 1
                continue
            n = i // 2
            ticket = TicketChange(subject=f"{tag} ticket {n}") if n % 5 == 0 else None
            callback = CallbackRequest(utcnow(), f"op{worker}") if n % 7 == 0 else None
            wrapup = WrapUp(
                f"{tag}-{worker}-{i}",
                f"op{worker}",
                "100",
                customer_id,
                "billing",
                "resolved",
                f"{tag} note {n}",
                ticket=ticket,
                callback=callback,
            )
            started = time.perf_counter()
            status = commit_wrapup(engine, seat, wrapup).status
            result.save_ms.append((time.perf_counter() - started) * 1000)
            if status is SaveStatus.QUEUED:
                result.queued += 1
                continue
            result.saved += 1
            result.tickets += ticket is not None
            result.callbacks += callback is not None
        except Exception as error:  # noqa: BLE001 - every failure is reported, none may happen
            result.errors.append(f"{type(error).__name__}: {error}"[:300])
    result.ended = time.time()
    engine.dispose()
    return result


def run_concurrent(
    url: str, data_dir: Path, writers: int, ops: int, customer_ids: list[int]
) -> dict[str, Any]:
    """`writers` processes x `ops` operations against `url`, and the row counts checked afterwards."""
    tag = uuid.uuid4().hex[:10]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(writers) as pool:
        args = [(url, str(data_dir), tag, worker, ops, customer_ids) for worker in range(writers)]
        results: list[WorkerResult] = pool.starmap(mixed_worker, args)
    elapsed = time.perf_counter() - started
    busy = max(result.ended for result in results) - min(result.began for result in results)
    engine = make_engine(url)
    with engine.connect() as connection:

        def rows(table: Any, column: Any, pattern: str) -> int:
            query = sa.select(sa.func.count()).select_from(table).where(column.like(pattern))
            return int(connection.execute(query).scalar_one())

        counted = {
            "calls": rows(Call, Call.call_id, f"{tag}-%"),
            "interactions": rows(Interaction, Interaction.summary, f"%{tag} note%"),
            "tickets": rows(Ticket, Ticket.subject, f"{tag} ticket%"),
            "callbacks": rows(Callback, Callback.call_id, f"{tag}-%"),
        }
    engine.dispose()
    errors = [error for result in results for error in result.errors]
    saved = sum(result.saved for result in results)
    expected = {
        "calls": saved,
        "interactions": saved,
        "tickets": sum(result.tickets for result in results),
        "callbacks": sum(result.callbacks for result in results),
    }
    return {
        "writers": writers,
        "ops_per_writer": ops,
        "reads": sum(result.reads for result in results),
        "wrapups_saved": saved,
        "queued": sum(result.queued for result in results),
        "errors": len(errors),
        "database_is_locked": sum("database is locked" in error for error in errors),
        "first_errors": errors[:3],
        "rows": counted,
        "rows_expected": expected,
        "rows_match": counted == expected,
        "elapsed_s": round(elapsed, 2),
        "busy_s": round(busy, 2),
        "wrapups_per_s": round(saved / busy, 1),
        "operations_per_s": round(writers * ops / busy, 1),
        "save_latency_under_load": percentiles([ms for result in results for ms in result.save_ms]),
    }


def store_latency(url: str, data_dir: Path, saves: int, customer_ids: list[int]) -> list[float]:
    """Sequential saves through the path ctrl+s takes (journal, transaction, done), in ms."""
    engine = make_engine(url)
    tag = uuid.uuid4().hex[:10]
    samples = []
    for n in range(saves):
        wrapup = WrapUp(
            f"{tag}-s-{n}",
            "bench",
            "100",
            customer_ids[n % len(customer_ids)],
            "billing",
            "resolved",
            f"{tag} note {n}",
        )
        started = time.perf_counter()
        if commit_wrapup(engine, data_dir / "seat-latency", wrapup).status is not SaveStatus.SAVED:
            raise UserError("a latency save was queued: is the database reachable?")
        samples.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return samples


def ui_latency(url: str, data_dir: Path, saves: int, customer_id: int) -> list[float]:
    """The real screen, headless: ms from pressing ctrl+s until the status line reads "saved"."""
    from textual.app import App
    from textual.widgets import Static

    from screens.context import ConsoleContext
    from screens.wrapup import WrapUpScreen

    engine = make_engine(url)
    context = ConsoleContext(engine, "bench", "100", "IT", data_dir / "seat-ui")
    samples: list[float] = []

    class Bench(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.context = context

    async def drive() -> None:
        app = Bench()
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(saves):
                screen = WrapUpScreen(customer_id=customer_id)
                await app.push_screen(screen)
                await app.workers.wait_for_complete()
                await pilot.pause()
                await pilot.press("enter", "enter", *"bench")
                status = screen.query_one("#save-status", Static)
                await pilot.pause()
                started = time.perf_counter()
                app.simulate_key("ctrl+s")  # as a terminal delivers it: no test-driver waiting
                while str(status.render()) != "saved":
                    if time.perf_counter() - started > 30:
                        raise UserError(f"the screen never said saved: {status.render()}")
                    await asyncio.sleep(0.005)
                samples.append((time.perf_counter() - started) * 1000)
                app.pop_screen()

    asyncio.run(drive())
    engine.dispose()
    return samples


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.writers < 1 or args.ops < 2 or args.saves < 1 or args.ui_saves < 0:
        raise UserError("--writers, --ops (>= 2), --saves must be positive")
    data_dir = Path(tempfile.mkdtemp(prefix="run-", dir=scratch_dir(settings, "wrapup")))
    url = settings.database_url or f"sqlite:///{data_dir / 'bench-wrapup.db'}"
    customer_ids = seed_customers(url, 200)
    backend = make_engine(url).dialect.name
    result: dict[str, Any] = {
        "bench": "wrapup",
        "backend": backend,
        "target_p95_ms": TARGET_P95_MS.get(backend),
    }
    if args.ui_saves:
        result["ui_ctrl_s_to_saved"] = percentiles(ui_latency(url, data_dir, args.ui_saves, customer_ids[0]))
    result["store_save"] = percentiles(store_latency(url, data_dir, args.saves, customer_ids))
    result["concurrent"] = run_concurrent(url, data_dir, args.writers, args.ops, customer_ids)
    emit(result)
    return 0 if result["concurrent"]["rows_match"] and not result["concurrent"]["errors"] else 1
