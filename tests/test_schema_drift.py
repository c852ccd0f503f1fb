"""The models and the migrations describe one schema: what `db upgrade` builds is what the code
declares (a column or index added to a model without a migration fails here, on both databases)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import store.models  # noqa: F401  (every table on the metadata)

SQLITE_ONLY_LENGTHS = {("auditlog", "target"), ("auditlog", "detail")}
"""0017 widens these on PostgreSQL only: SQLite does not enforce a VARCHAR's length."""


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        found = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    flat = [change for entry in found for change in (entry if isinstance(entry, list) else [entry])]
    if engine.dialect.name == "sqlite":
        flat = [c for c in flat if not (c[0] == "modify_type" and (c[2], c[3]) in SQLITE_ONLY_LENGTHS)]
    return flat


def test_the_migrated_schema_is_the_models_schema(engine: Engine) -> None:
    assert _differences(engine) == []
