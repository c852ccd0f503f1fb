"""What an import kind provides, and what an import counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Protocol, runtime_checkable

import sqlalchemy as sa

from store.bulk import IdAllocator
from store.imports.source import Columns
from store.policy import Actor

Payload = dict[str, Any]


@dataclass
class Tally:
    """Rows new, updated, unchanged and rejected so far; `touched` customers need re-indexing."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Staged:
    """A validated row: its line, its natural key, its cleaned values."""

    line: int
    key: str
    payload: Payload


@dataclass
class ApplyContext:
    """What the apply step of one transaction works with."""

    connection: sa.Connection
    ids: IdAllocator
    tally: Tally
    actor: Actor
    today: date


class ImportKind(Protocol):
    """One kind of import (customers, holdings, ...): its columns, its checks, its upsert."""

    name: str
    columns: Columns
    refuse_reads_payload: bool
    """Whether `refuse` needs the cleaned values (references) or only the key."""

    def validate(self, values: dict[str, str], today: date) -> tuple[str, Payload]:
        """The row's key and cleaned values; raises RowError. Pure: runs in worker processes."""
        ...

    def refuse(self, connection: sa.Connection, rows: list[Staged]) -> dict[int, str]:
        """Rows the database says cannot be imported (unknown references, erased people)."""
        ...

    def apply(self, context: ApplyContext, rows: list[Staged]) -> set[int]:
        """Upsert `rows` (within the context's transaction), counting into its tally; returns the
        customers whose search index must change."""
        ...


@runtime_checkable
class InsertsNewInBulk(Protocol):
    """A kind that writes its new rows straight from the staging table by set operations, before
    `apply` is handed the rest (a first load of a million customers never passes through Python)."""

    def insert_new(self, context: ApplyContext, run_id: int) -> set[int]:
        """Insert the run's staged rows whose key is new, count them, unstage them; returns the
        customers whose search index must change."""
        ...


Progress = Callable[[str, int, int], None]
"""Called with (phase, done, total): "read" in bytes, "apply" in rows, "index" in customers."""
