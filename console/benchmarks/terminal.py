"""`callpop bench terminal`: bytes the console sends to the terminal, normal and low-bandwidth.

The real `callpop run` on a pseudo-terminal with `pyte` as the terminal (an SSH link carries
exactly these bytes, before compression). Typing in the lookup at 5 keys a second, then one second
for the results to settle: bytes per keystroke. A ring committed for the console's extension until
the caller's name is on screen plus one second: bytes for a full pop. And bytes a second while
idle (a blinking cursor is two repaints a second). Targets in low-bandwidth mode: <= 400 B per
keystroke, <= 8 KB per pop.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from console.acting import os_account
from console.benchmarks import scratch_dir
from console.benchmarks.callers import single_owner_numbers
from console.benchmarks.pty_terminal import PtySession
from console.benchmarks.stats import emit
from console.commands import UserError
from console.config import Settings
from console.database import open_engine
from console.demo_load import database_is_empty, load_demo
from store.call_events import Ring, ring
from store.models import Customer, Phone

EXTENSION = "100"
"""The demo seats its admin, the OS account that the console signs in as, at extension 100."""
KEYS_PER_SECOND = 5
SETTLE_S = 1.0
TARGETS = {"keystroke_bytes_p50": 400, "pop_bytes_p50": 8192}
"""Low-bandwidth targets (issue 14)."""


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser(
        "terminal", help="bytes to the terminal per keystroke and per pop", parents=parents
    )
    parser.add_argument("--pops", type=int, default=5, help="rings to measure per mode")
    parser.add_argument("--words", type=int, default=4, help="names typed into the lookup per mode")
    parser.add_argument("--term", default="xterm-256color", help="TERM of the emulated terminal")
    parser.add_argument("--size", default="80x24", help="terminal size, COLUMNSxLINES")
    parser.add_argument("--customers", type=int, default=500, help="demo customers loaded into an empty DB")
    parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    columns, _, lines = args.size.partition("x")
    if not (columns.isdigit() and lines.isdigit()) or args.pops < 1 or args.words < 1:
        raise UserError("--size is COLUMNSxLINES (e.g. 80x24); --pops and --words at least 1")
    with tempfile.TemporaryDirectory(prefix="run-", dir=scratch_dir(settings, "terminal")) as scratch:
        if not settings.database_url:
            settings = settings.model_copy(update={"database_url": f"sqlite:///{Path(scratch) / 'term.db'}"})
        engine = open_engine(settings, quiet=True)
        if database_is_empty(engine):
            load_demo(engine, customers=args.customers, seed=7, admin=os_account())  # the seat signs in as it
        callers = _callers(engine, args.pops + args.words)
        result: dict[str, Any] = {"term": args.term, "size": args.size, "targets_low_bandwidth": TARGETS}
        for mode, low in (("normal", False), ("low_bandwidth", True)):
            seat = Path(scratch) / mode
            seat.mkdir(mode=0o700)
            env = _environment(settings, seat, args.term, low)
            with PtySession(
                [sys.executable, "-m", "console.cli", "run"],
                env,
                columns=int(columns),
                lines=int(lines),
                emulate=True,
            ) as session:
                result[mode] = _measure(session, engine, callers, args.pops, args.words)
    result["load"] = os.getloadavg()
    emit(result)
    return 0


def _environment(settings: Settings, seat: Path, term: str, low_bandwidth: bool) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("CALLPOP_", "TEXTUAL"))}
    env.update(
        CALLPOP_DATABASE_URL=settings.resolved_database_url,
        CALLPOP_DATA_DIR=str(seat),
        CALLPOP_EXTENSION=EXTENSION,
        CALLPOP_CONFIG=str(seat / "none.toml"),
        CALLPOP_SYSTEM_CONFIG=str(seat / "none-system.toml"),
        CALLPOP_LOW_BANDWIDTH="1" if low_bandwidth else "0",
        TERM=term,
        LC_ALL="C.UTF-8",
    )
    env.pop("COLORTERM", None)
    return env


def _callers(engine: Engine, count: int) -> list[tuple[str, str]]:
    """(phone, family name) of customers who alone own their number (a ring pops their profile)."""
    query = (
        sa.select(col(Phone.e164), col(Customer.family_name))
        .join(Customer, col(Customer.id) == col(Phone.customer_id))
        .where(col(Phone.e164).in_(single_owner_numbers()), sa.func.length(Customer.family_name) >= 4)
        .limit(count)
    )
    with engine.connect() as connection:
        rows = [(str(phone), str(name)) for phone, name in connection.execute(query)]
    if len(rows) < count:
        raise UserError(f"the database has too few customers with their own phone number ({len(rows)})")
    return rows


def _quiet(session: PtySession, seconds: float) -> int:
    """Wait `seconds` and return how many bytes the console sent meanwhile."""
    before = len(session.output)
    time.sleep(seconds)
    return len(session.output) - before


def _measure(
    session: PtySession, engine: Engine, callers: Sequence[tuple[str, str]], pops: int, words: int
) -> dict[str, Any]:
    session.wait_shown("Name, phone", timeout=60)
    startup = len(session.output)
    _quiet(session, 2 * SETTLE_S)
    idle_per_s = _quiet(session, 3.0) / 3.0
    per_key: list[float] = []
    for _phone, name in callers[:words]:
        before = len(session.output)
        for key in name.lower()[:6]:
            session.send(key.encode())
            time.sleep(1 / KEYS_PER_SECOND)
        time.sleep(SETTLE_S)
        session.wait_shown(name, timeout=10)  # the results are painted
        per_key.append((len(session.output) - before) / len(name.lower()[:6]))
        session.send(b"\x1b")  # Escape clears the lookup (not counted)
        _quiet(session, SETTLE_S)
    per_pop: list[int] = []
    for phone, name in callers[words : words + pops]:
        before = len(session.output)
        ring(engine, Ring(call_id=f"term-{uuid.uuid4().hex[:12]}", caller=phone, extension=EXTENSION))
        session.wait_shown(name, timeout=30)
        time.sleep(SETTLE_S)
        per_pop.append(len(session.output) - before)
        session.send(b"\x1bOP")  # F1: back to the lookup for the next call (not counted)
        session.wait_shown("Name, phone", timeout=30)
        _quiet(session, SETTLE_S)
    session.send(b"\x11")  # ctrl+q
    session.process.wait(timeout=30)
    return {
        "startup_bytes": startup,
        "idle_bytes_per_s": round(idle_per_s),
        "keystroke_bytes_p50": round(statistics.median(per_key)),
        "keystroke_bytes_max": round(max(per_key)),
        "pop_bytes_p50": round(statistics.median(per_pop)),
        "pop_bytes_max": max(per_pop),
        "keystrokes": 6 * words,
        "pops": pops,
    }
