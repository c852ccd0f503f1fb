"""Schema migrations through Alembic, run from code (the console and `callpop db upgrade`).

Two consoles starting together on a new database must not both migrate it: `upgrade` takes a
lock that lasts as long as the migration transaction (PostgreSQL: a transaction-level advisory
lock; SQLite: BEGIN IMMEDIATE, the database's single writer lock), then looks again at what is
pending, so the one that waited finds nothing left to do.

Read-only verbs, and `upgrade` on a schema already current, only ask `applied_state`, which reads
the revision ids from the migration files' text without importing Alembic or parsing the files as
Python (a tenth of a second each of start-up that `callpop find` would pay).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from store.db import immediate_writes, is_sqlite

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_LOCK_KEY = 0x63616C6C706F70  # "callpop" in ASCII: the advisory lock every migrator takes
_REVISION_LINE = re.compile(
    r"""^(revision|down_revision)\b[^=\n]*=\s*(None|"[^"\n]*"|'[^'\n]*'|\([^)]*\))""", re.MULTILINE
)
"""`revision = "..."` and `down_revision = ...`: annotated or not, None, a string or a tuple."""

if TYPE_CHECKING:
    from alembic.config import Config


class SchemaState(StrEnum):
    CURRENT = "current"
    BEHIND = "behind"  # not migrated, or not to this callpop's newest revision
    NEWER = "newer"  # migrated by a newer callpop: revisions this one does not know


def _revision_graph() -> dict[str, tuple[str, ...]]:
    """Each revision id in the migration files and the ids it follows (from the files' text)."""
    graph: dict[str, tuple[str, ...]] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        values = {name: ast.literal_eval(value.strip()) for name, value in _REVISION_LINE.findall(text)}
        revision, down = values.get("revision"), values.get("down_revision")
        if isinstance(revision, str):
            graph[revision] = (down,) if isinstance(down, str) else tuple(down or ())
    return graph


def applied_state(engine: Engine) -> SchemaState:
    """Whether the database's schema is this callpop's newest, without writing or importing Alembic."""
    graph = _revision_graph()
    heads = set(graph) - {parent for parents in graph.values() for parent in parents}
    version = sa.table("alembic_version", sa.column("version_num"))
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return SchemaState.BEHIND
        applied = set(connection.execute(sa.select(version.c.version_num)).scalars())
    if applied - set(graph):
        return SchemaState.NEWER
    return SchemaState.CURRENT if applied == heads else SchemaState.BEHIND


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs against `engine` (its connection is passed to env.py)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def pending_revisions(engine: Engine) -> list[str]:
    """Revisions not yet applied to the database behind `engine`, oldest first."""
    with engine.connect() as connection:
        return _pending(engine, connection)


def _pending(engine: Engine, connection: Connection) -> list[str]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(script.get_heads())
    if heads <= current:
        return []
    newest_first = script.iterate_revisions(tuple(heads), tuple(current) or "base")
    return [rev.revision for rev in reversed(list(newest_first)) if rev.revision not in current]


def upgrade(engine: Engine) -> list[str]:
    """Bring the schema to the newest revision under the migration lock; return what was applied.
    A schema already current is told from the files' text: Alembic, with the Mako templates and
    Pygments lexers it loads, would stay in every console's memory for nothing (12.7 MB)."""
    if applied_state(engine) is SchemaState.CURRENT or not pending_revisions(engine):
        return []
    with _migration_transaction(engine) as connection:
        todo = _pending(engine, connection)  # again: another process may have migrated meanwhile
        if todo:
            from alembic import command

            config = alembic_config(engine)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return todo


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the migration lock from its start to its commit."""
    if is_sqlite(engine):
        with immediate_writes(engine).begin() as connection:
            yield connection
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        yield connection


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())
