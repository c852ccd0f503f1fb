"""Engines and sessions, built from a URL by a function (never at import time).

SQLite is the embedded store: WAL so readers never wait for the writer, synchronous=FULL so a
committed call survives a power cut, foreign keys on, and a busy timeout. SQLite never checks that
text is UTF-8, so a bad import can store bytes that are not: they are read back with U+FFFD in
their place instead of failing every query that touches the row. pysqlite's own
transaction handling issues a deferred BEGIN, which fails at once with "database is locked"
when two writers race to upgrade their locks; we take over BEGIN (SQLAlchemy's documented
recipe) and start write transactions with BEGIN IMMEDIATE so the second writer waits instead.
PostgreSQL (psycopg 3) is the multi-operator store. Errors never carry SQL parameters (customer
data) into a log or a crash report: `hide_parameters`. A SQLite file is created 0600 in a 0700
folder (store.private).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.private import private_sqlite_file

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

SQLITE_BUSY_TIMEOUT_MS = 10_000
POOL_WAIT_S = 10.0
"""How long a checkout from a capped pool (`make_engine(connections=...)`) waits for a connection
before it fails with `sqlalchemy.exc.TimeoutError` (a toast on the console, not a hung worker)."""
_BEGIN_OPTION = "callpop_sqlite_begin"
_read_text = functools.partial(str, encoding="utf-8", errors="replace")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def upsert(dialect: sa.Dialect, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` that takes ON CONFLICT clauses, in `dialect`'s own form. Only that
    dialect's module is loaded: PostgreSQL's costs a verb on a SQLite file a tenth of a second."""
    if dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def one_of(dialect: sa.Dialect, column: sa.ColumnElement[Any], values: list[Any]) -> sa.ColumnElement[bool]:
    """`column IN values` with the values as ONE parameter (an array on PostgreSQL, a JSON list
    read by json_each on SQLite): an import's chunk of 5,000 keys as 5,000 placeholders cost more
    to compile and for psycopg to parse than the query itself."""
    if dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(column.type)))
    listed: sa.Select[Any] = sa.select(sa.literal_column("value")).select_from(
        sa.func.json_each(json.dumps(values))
    )
    return column.in_(listed.scalar_subquery())


def make_engine(url: str, *, connections: int | None = None, **kwargs: Any) -> Engine:
    """Build an engine for `url` with callpop's connection settings. Statement parameters are
    left out of error messages: they are customer notes and phone numbers, and an error's text
    reaches toasts, the journal and crash reports. `connections` caps the pool (a console on a
    floor of fifty keeps one per server): a checkout waits for it up to POOL_WAIT_S. On SQLite
    too: each of its connections keeps a page cache and the parsed schema in the process."""
    kwargs.setdefault("hide_parameters", True)
    if connections is not None:
        kwargs = {"pool_size": connections, "max_overflow": 0, "pool_timeout": POOL_WAIT_S, **kwargs}
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _make_sqlite_engine(parsed, **kwargs)
    return sa.create_engine(parsed, pool_pre_ping=True, **kwargs)


def _make_sqlite_engine(url: sa.URL, **kwargs: Any) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        private_sqlite_file(Path(url.database).expanduser())
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **kwargs,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        dbapi_connection.text_factory = _read_text
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reads. Objects stay usable after it closes (expire_on_commit=False)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


def immediate_writes(engine: Engine) -> Engine:
    """`engine`, but on SQLite its transactions start with BEGIN IMMEDIATE (take the write lock
    first, so a second writer waits for it instead of failing when it tries to upgrade its lock)."""
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) if is_sqlite(engine) else engine


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A short write transaction: BEGIN IMMEDIATE on SQLite, committed on success, rolled back on error."""
    with Session(immediate_writes(engine), expire_on_commit=False) as session:
        with session.begin():
            yield session


BULK_CACHE_MB = 256
"""SQLite's page cache for a bulk load. Its default (2 MB) holds a sliver of a 1 GB base, so
the indexes a 1,000,000-customer import inserts into, and the index it builds, went back to the
file page by page (where an import's time goes: docs/ARCHITECTURE.md, "An import")."""


@contextmanager
def bulk_page_cache(engine: Engine, megabytes: int = BULK_CACHE_MB) -> Iterator[None]:
    """While open, every SQLite connection checked out of `engine` keeps a `megabytes` page
    cache, and gives it back (the default size) when checked in: a bulk load's memory is not
    kept by the pool afterwards. Nothing on PostgreSQL, whose cache is the server's."""
    if not is_sqlite(engine):
        yield
        return

    def enlarge(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.execute(f"PRAGMA cache_size=-{megabytes * 1024}")

    def restore(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA cache_size=-2000")

    sa.event.listen(engine, "checkout", enlarge)
    sa.event.listen(engine, "checkin", restore)
    try:
        yield
    finally:
        sa.event.remove(engine, "checkout", enlarge)
        sa.event.remove(engine, "checkin", restore)
