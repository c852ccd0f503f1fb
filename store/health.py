"""What `callpop doctor` asks the database: can this account do its work, and what time it is there.

Read-only queries: nothing here writes, creates or migrates.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.models import every_table

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
"""What the console does to its tables (wrap-ups, contact edits, the change feed, the index)."""


def ping(engine: Engine) -> float:
    """Seconds one `SELECT 1` round trip takes (a new connection if the pool has none)."""
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    return time.perf_counter() - started


def missing_grants(engine: Engine) -> list[str]:
    """`"INSERT on customer"`-style names of what the connected role may not do to callpop's tables
    and their sequences (PostgreSQL). SQLite has no grants: see `sqlite_file_problems`."""
    if engine.dialect.name != "postgresql":
        return []
    missing: list[str] = []
    with engine.connect() as connection:
        existing = set(sa.inspect(connection).get_table_names())
        for table in sorted(every_table().tables):
            if table not in existing:
                missing.append(f"table {table} (not created)")
                continue
            for privilege in TABLE_PRIVILEGES:
                allowed = connection.execute(
                    sa.text("SELECT has_table_privilege(current_user, :table, :privilege)"),
                    {"table": f'"{table}"', "privilege": privilege},
                ).scalar_one()
                if not allowed:
                    missing.append(f"{privilege} on {table}")
        sequences = connection.execute(
            sa.text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
                " AND NOT has_sequence_privilege(current_user, c.oid, 'USAGE')"
            )
        ).scalars()
        missing.extend(f"USAGE on sequence {name}" for name in sorted(sequences))
    return missing


def clock_skew(engine: Engine, local_clock: Callable[[], float] = time.time) -> tuple[float, float]:
    """(database clock minus this host's clock, round trip) in seconds, the host's reading taken
    half-way through the round trip. SQLite reads this host's own clock: (0, 0)."""
    if engine.dialect.name != "postgresql":
        return 0.0, 0.0
    now = local_clock
    with engine.connect() as connection:
        before = now()
        database = connection.execute(sa.text("SELECT extract(epoch FROM clock_timestamp())")).scalar_one()
        after = now()
    return float(database) - (before + after) / 2, after - before


def standby_lag_bytes(reader: Engine, primary: Engine) -> int | None:
    """How many bytes of the primary's WAL the hot standby `reader` has yet to replay; None when
    `reader` is not a standby at all (not in recovery: its data is not the primary's). PostgreSQL."""
    with reader.connect() as connection:
        if not connection.execute(sa.text("SELECT pg_is_in_recovery()")).scalar_one():
            return None
        replayed = connection.execute(sa.text("SELECT pg_last_wal_replay_lsn()::text")).scalar_one()
    with primary.connect() as connection:
        behind = connection.execute(
            sa.text("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), CAST(:replayed AS pg_lsn))"),
            {"replayed": replayed},
        ).scalar_one()
    return max(0, int(behind))
