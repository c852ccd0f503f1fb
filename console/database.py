"""Opening the store for a console or a CLI verb: engine from settings, migrated or checked.

Writers (the console, `db upgrade`, `demo`, loads) migrate the schema first and say so. Read-only
verbs never write: they check that the schema is current and, if not, say what to run.
"""

from __future__ import annotations

import sys
from contextlib import suppress
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console.commands import UserError
from console.config import Settings
from store.db import make_engine
from store.migrate import SchemaState, applied_state, pending_revisions, upgrade
from store.private import private_dir
from store.replica import Engines, make_reader_engine
from store.search import install_index_hook, use_name_engines

CONSOLE_CONNECTIONS = 1
"""A console's pooled connections to each database (issue #14: fifty consoles on one PostgreSQL,
and RSS per console: on SQLite each connection keeps its page cache and schema in the process).
With the change feed's own connection (LISTEN, or SQLite's data_version poller) that is two to
the primary, and one to a standby.
Its workers take turns on it: none holds a connection while taking another (the audit row of
a read is written before the read starts, store.access), so taking turns never waits on itself."""


def shown_url(settings: Settings) -> str:
    """The database URL as it may be printed (password hidden)."""
    try:
        return sa.make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(unreadable URL)"


def open_engine(
    settings: Settings,
    *,
    migrate: bool = True,
    quiet: bool = False,
    connections: int | None = None,
    name_engine: bool = False,
) -> Engine:
    """The engine for `settings`; with `migrate`, the schema is brought up to date first (and said so).
    Customer writes through it keep the search index current (the flush hook is installed).
    `connections` caps its pool (a console passes CONSOLE_CONNECTIONS). `name_engine`: name
    searches start from the name engine under the cache dir (the console, which lives long enough
    to build it once and reuse it; a one-shot verb uses the database index alone)."""
    with suppress(OSError):  # a data dir that cannot be made is reported where it is used
        private_dir(settings.data_dir)
    engine = _engine(settings, connections)
    if name_engine:
        use_name_engines(settings.cache_dir)
    if migrate:
        applied = upgrade(engine)
        if applied and not quiet:
            print(f"callpop: database migrated ({', '.join(applied)})", file=sys.stderr)
    return engine


def open_console_engine(settings: Settings, *, migrate: bool = True, quiet: bool = False) -> Engine:
    """A console's engine, however it is started (`callpop run`, `make_app`, the floor and pop
    benchmarks): its capped pool, and name searches from the name engine under the cache dir."""
    return open_engine(
        settings, migrate=migrate, quiet=quiet, connections=CONSOLE_CONNECTIONS, name_engine=True
    )


def open_existing(settings: Settings) -> Engine:
    """The engine, not migrated; a SQLite file that does not exist is a UserError, not created."""
    url = _url(settings)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).expanduser().exists():
            raise UserError(
                f"there is no database at {url.database}: create it with `callpop db upgrade` "
                "(or `callpop demo` for demo data)"
            )
    return _engine(settings)


def open_engines(settings: Settings, primary: Engine, *, connections: int | None = None) -> Engines:
    """`primary` with the reader of `settings.read_database_url` (the primary itself when unset):
    the read replica is never migrated, it replays the primary's schema. `connections` caps the
    reader's pool."""
    if not settings.read_database_url:
        return Engines.single(primary)
    try:
        return Engines(primary, make_reader_engine(settings.read_database_url, connections=connections))
    except sa.exc.ArgumentError:
        raise UserError("the read database URL (CALLPOP_READ_DATABASE_URL) is not a SQLAlchemy URL") from None
    except (sa.exc.NoSuchModuleError, ImportError) as error:
        raise UserError(f"the read database URL cannot be used ({error})") from None


def open_for_reading(settings: Settings) -> Engine:
    """The engine of a read-only verb: no file is created and nothing migrated; a database that is
    missing or behind this callpop's schema is a UserError that names the verb to run."""
    engine = open_existing(settings)
    state = applied_state(engine)
    if state is SchemaState.NEWER:
        raise UserError(
            f"the database at {shown_url(settings)} was migrated by a newer callpop: upgrade callpop"
        )
    if state is SchemaState.BEHIND:
        pending = pending_revisions(engine)
        raise UserError(
            f"the database at {shown_url(settings)} is not migrated to this version of callpop "
            f"({len(pending)} migration(s) pending): run `callpop db upgrade`"
        )
    return engine


def _url(settings: Settings) -> sa.URL:
    try:
        return sa.make_url(settings.resolved_database_url)
    except sa.exc.ArgumentError:
        raise UserError(
            "the database URL (--database or CALLPOP_DATABASE_URL) is not a SQLAlchemy URL; write "
            "e.g. sqlite:////path/callpop.db or postgresql+psycopg://user@host/dbname"
        ) from None


def _engine(settings: Settings, connections: int | None = None) -> Engine:
    """`make_engine`, with a URL that cannot work turned into a one-line UserError."""
    url = _url(settings)
    install_index_hook()
    try:
        return make_engine(url.render_as_string(hide_password=False), connections=connections)
    except sa.exc.NoSuchModuleError as error:
        raise UserError(f"{shown_url(settings)} names an unknown kind of database ({error})") from None
    except ImportError as error:
        raise UserError(f"no driver installed for {shown_url(settings)} ({error})") from None
