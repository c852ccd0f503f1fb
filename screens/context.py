"""What every screen needs from the console it runs in, without importing the console."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from textual.app import App

from store.models import Role


@dataclass(frozen=True)
class ConsoleContext:
    """The store and the seat: which database, which operator at which extension."""

    engine: Engine
    operator: str
    extension: str
    default_region: str
    data_dir: Path
    """Local folder for this seat's durable files (wrap-up drafts and the offline journal)."""
    outcomes_file: Path | None = None
    """Wrap-up reasons/outcomes TOML; None means the built-in list."""
    role: Role = Role.OPERATOR
    """What the operator may see (store.permissions): an operator sees ages, not birth dates."""


def context_of(app: App[object]) -> ConsoleContext:
    """The console context of the running app (the console sets `app.context`)."""
    context: ConsoleContext = app.context  # type: ignore[attr-defined]
    return context
