"""Loading demo data the way every entry point needs it: generate, index for search, offers.

Bulk inserts bypass the ORM hooks that keep the search index current, so a bulk load always ends
with a full index rebuild; the built-in offer catalogue is loaded too, so the demo profile has
next best offers. `callpop demo` and `callpop run --demo-if-empty` share this.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date
from typing import TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from store.db import write_session
from store.demo import DemoStats, generate_demo
from store.identity import seat_demo_admin
from store.models import Customer
from store.models.offers import Offer
from store.offers import DEFAULT_CATALOGUE, load_catalogue, read_catalogue
from store.search import rebuild_index

Progress = Callable[[int, int], None]


def database_is_empty(engine: Engine) -> bool:
    """True when no customer is stored yet (a first run)."""
    with engine.connect() as connection:
        return connection.execute(sa.select(col(Customer.id)).limit(1)).first() is None


def load_demo(
    engine: Engine,
    *,
    customers: int,
    seed: int,
    today: date | None = None,
    append: bool = False,
    stream: TextIO | None = None,
    admin: str = "",
) -> tuple[DemoStats, float]:
    """Generate demo customers and rebuild the search index; returns the stats and index seconds.
    `admin` (the OS account loading it) becomes an admin of the demo data at extension 100."""
    stream = stream or sys.stderr  # looked up now: sys.stderr may have been replaced since import
    stats = generate_demo(
        engine,
        customers=customers,
        seed=seed,
        today=today or date.today(),
        progress=progress_line(stream, "customers"),
        append=append,
    )
    started = time.perf_counter()
    rebuild_index(engine, progress=progress_line(stream, "indexed"))
    index_seconds = time.perf_counter() - started
    with write_session(engine) as session:
        if session.execute(sa.select(col(Offer.id)).limit(1)).first() is None:
            load_catalogue(session, read_catalogue(DEFAULT_CATALOGUE))
    if admin:
        seat_demo_admin(engine, admin)
    return stats, index_seconds


def progress_line(stream: TextIO, unit: str) -> Progress | None:
    """A progress bar redrawn in place on a terminal; nothing when `stream` is a file or a pipe."""
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        filled = 30 * done // max(total, 1)
        stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} {unit}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show
