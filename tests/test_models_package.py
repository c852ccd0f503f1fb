"""`store.models` loads a table module when one of its names is first asked for; `every_table()`
gives the whole schema to those that need it."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import store.models
from store.migrate import table_names
from store.models import MODULES, every_table

RESOLVE_FOREIGN_KEYS = """
import sys
from importlib import import_module
from sqlmodel import SQLModel
import_module("store.models." + sys.argv[1])
for table in SQLModel.metadata.tables.values():
    for key in table.foreign_keys:
        key.column  # NoReferencedTableError if the table it points at is not loaded
"""


def test_each_name_is_its_modules() -> None:
    for module, names in MODULES.items():
        for name in names:
            assert getattr(store.models, name) is getattr(import_module(f"store.models.{module}"), name)
    with pytest.raises(AttributeError):
        store.models.NoSuchTable  # noqa: B018


def test_the_names_mypy_sees_are_the_names_given() -> None:
    """The TYPE_CHECKING imports (what mypy checks callers against) and MODULES (what is loaded
    at run time) are two lists of the same names: you should see them agree."""
    tree = ast.parse(Path(store.models.__file__).read_text(encoding="utf-8"))
    guarded = next(node for node in tree.body if isinstance(node, ast.If))
    imported = {
        node.module.removeprefix("store.models."): tuple(alias.name for alias in node.names)
        for node in guarded.body
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("store.models.")
    }
    assert imported == MODULES


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_table_module_alone_brings_the_tables_it_points_at(module: str) -> None:
    """Regression: loading only the tables a verb uses left `ticket.holding_id` pointing at a
    table nobody had loaded, and the first flush of a ticket failed (NoReferencedTableError). You
    should see every foreign key of every table resolve after importing one table module alone."""
    done = subprocess.run(
        [sys.executable, "-c", RESOLVE_FOREIGN_KEYS, module],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_every_table_is_the_migrated_schema(engine: Engine) -> None:
    """What Alembic, the GDPR erasure and export and `doctor` walk is every table the migrations
    made, on both databases, not only the ones this process happened to load."""
    assert set(every_table().tables) == table_names(engine) - {"alembic_version"}
