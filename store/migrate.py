"""Schema migrations through Alembic, run from code (the console and `callpop db upgrade`)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs against `engine` (its connection is passed to env.py)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def pending_revisions(engine: Engine) -> list[str]:
    """Revisions not yet applied to the database behind `engine`."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(script.get_heads())
    if heads <= current:
        return []
    newest_first = script.iterate_revisions(list(heads), list(current) or "base")
    return [rev.revision for rev in reversed(list(newest_first)) if rev.revision not in current]


def upgrade(engine: Engine) -> list[str]:
    """Bring the schema to the newest revision of every branch; return what was applied."""
    todo = pending_revisions(engine)
    if todo:
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
    return todo


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())
