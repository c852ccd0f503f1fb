"""What every screen needs from the console it runs in, without importing the console."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from textual.app import App

from store.models import Role
from store.policy import Actor
from store.replica import Engines


@dataclass(frozen=True)
class ConsoleContext:
    """The store and the seat: which database, which operator at which extension."""

    engine: Engine
    """The primary: writes, the change feed, and reads right after a write."""
    operator: str
    extension: str
    default_region: str
    data_dir: Path
    """Local folder for this seat's durable files (wrap-up drafts and the offline journal)."""
    outcomes_file: Path | None = None
    """Wrap-up reasons/outcomes TOML; None means the built-in list."""
    role: Role = Role.OPERATOR
    """What the operator may see (store.policy): an operator sees ages, not birth dates."""
    actor: Actor | None = None
    """The signed-in operator row and session (store.identity); None until sign-in."""
    search_settle_s: float = 0.06
    """A lookup keystroke waits this long before searching, so fast typing searches once, not per
    key (longer in low-bandwidth mode: each search repaints the results over the link)."""
    reader: Engine | None = None
    """A hot standby for reads that may lag (store.replica); None: the primary serves them."""

    @cached_property
    def engines(self) -> Engines:
        """The primary and the reader, with the one record of the standby's health."""
        return Engines(self.engine, self.reader) if self.reader is not None else Engines.single(self.engine)


def context_of(app: App[Any]) -> ConsoleContext:
    """The console context of the running app (the console sets `app.context`)."""
    context: ConsoleContext = app.context  # type: ignore[attr-defined]
    return context


def actor_of(app: App[Any]) -> Actor:
    """The signed-in operator; screens that read customer data only exist after sign-in."""
    actor = context_of(app).actor
    if actor is None:
        raise PermissionError("no operator is signed in at this console")
    return actor
