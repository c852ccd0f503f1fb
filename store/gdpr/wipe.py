"""No copy left on disk after an erasure: free pages, the WAL, the seat's local file.

On SQLite, `secure_delete` makes every delete and update overwrite the old bytes with zeros;
free pages left by earlier work (an index rebuild drops whole indexes) may still hold the person,
so a database with free pages is vacuumed; then the WAL is checkpointed and truncated. On
PostgreSQL callpop's tables are vacuumed so the dead row versions are reclaimed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.models import every_table
from store.wrapup.local_file import LOCAL_FILE


def secure_writes(connection: sa.Connection) -> None:
    """Make this connection's deletes and updates zero the bytes they free (SQLite)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete=ON")


def _scrub_sqlite(db: sqlite3.Connection) -> bool:
    """Vacuum away free pages, then checkpoint and truncate the WAL; False if a reader blocked it."""
    db.execute("PRAGMA secure_delete=ON")
    if db.execute("PRAGMA freelist_count").fetchone()[0]:
        db.execute("VACUUM")
    busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


def wipe_free_space(engine: Engine) -> bool:
    """Leave no old copy in the database's files; False when another process kept the WAL alive."""
    if engine.dialect.name == "postgresql":
        tables = ", ".join(f'"{table.name}"' for table in every_table().sorted_tables)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM {tables}")  # plain VACUUM: readers and writers go on
        return True
    raw = engine.raw_connection()
    try:
        return _scrub_sqlite(raw.driver_connection)  # type: ignore[arg-type]
    finally:
        raw.close()


def forget_locally(data_dir: Path, customer_id: int) -> int:
    """Delete the person's wrap-up drafts and queued wrap-ups from this seat's local file."""
    path = data_dir / LOCAL_FILE
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        db.execute("PRAGMA secure_delete=ON")
        db.execute("BEGIN IMMEDIATE")
        gone = db.execute("DELETE FROM draft WHERE customer_id = ?", (customer_id,)).rowcount
        gone += db.execute(
            "DELETE FROM journal WHERE json_extract(payload, '$.customer_id') = ?", (customer_id,)
        ).rowcount
        db.execute("COMMIT")
        _scrub_sqlite(db)
        return gone
    finally:
        db.close()
