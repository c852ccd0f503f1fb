"""The generic upsert of the reference kinds (holdings, warranties, tickets, campaign contacts):
rows matched on a natural key, inserted when new, updated only where a value differs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from store.bulk import IdAllocator, insert_rows
from store.imports.types import Tally

_CHUNK = 500


def upsert_rows(
    connection: sa.Connection,
    ids: IdAllocator,
    table: sa.Table,
    key: tuple[str, ...],
    rows: list[dict[str, Any]],
    tally: Tally,
    *,
    insert_only: dict[str, Any] | None = None,
) -> dict[tuple[Any, ...], int]:
    """Upsert `rows` (column -> value) into `table` by the `key` columns; returns each key's id.

    `insert_only` holds defaults for new rows that an update never touches (a created_at)."""
    existing: dict[tuple[Any, ...], Any] = {}
    keys = [tuple(row[c] for c in key) for row in rows]
    columns = [table.c[c] for c in key]
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        condition = sa.tuple_(*columns).in_(chunk) if len(key) > 1 else columns[0].in_([k[0] for k in chunk])
        for found in connection.execute(sa.select(table).where(condition)):
            existing[tuple(getattr(found, c) for c in key)] = found
    fresh: list[dict[str, Any]] = []
    result: dict[tuple[Any, ...], int] = {}
    for row_key, row in zip(keys, rows, strict=True):
        current = existing.get(row_key)
        if current is None:
            fresh.append({**(insert_only or {}), **row})
            continue
        result[row_key] = current.id
        changes = {name: value for name, value in row.items() if getattr(current, name) != value}
        if changes:
            connection.execute(sa.update(table).where(table.c.id == current.id).values(**changes))
            tally.updated += 1
        else:
            tally.unchanged += 1
    for new_id, row in zip(ids.take(table, len(fresh)), fresh, strict=True):
        row["id"] = new_id
        result[tuple(row[c] for c in key)] = new_id
    insert_rows(connection, table, fresh)
    tally.new += len(fresh)
    return result
