"""Full rebuild of the search index, for bulk loads that bypassed the ORM (imports, benchmarks).

One write transaction: readers keep seeing the old index until it commits, and are never made to
wait for it. On SQLite the big indexes are dropped before the bulk insert and created after it,
which sorts once instead of inserting into a B-tree row by row (`REBUILT_INDEXES`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.bulk import insert_rows, insert_tuples
from store.db import write_session
from store.models import Customer
from store.models.search import (
    REBUILT_INDEXES,
    search_name,
    search_phone,
    search_posting,
    search_token,
    search_token_key,
)
from store.search.build_rows import HELPER_FROM, BuildRows, build_rows
from store.search.engine import database_time, index_for
from store.search.fold import delete_keys
from store.search.sync import PHONE_COLUMNS

BATCH = 20_000
Progress = Callable[[int, int], None]


def _batches(rows: Iterator, size: int = BATCH) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _index_names(
    connection: sa.Connection, total: int, rows: BuildRows, progress: Progress | None
) -> Counter[str]:
    """Post every customer's tokens; return each token's document frequency. Every search_name row
    is stamped with this rebuild's database time: to a name engine stamped before, the whole base
    is written since, so it rebuilds (store/search/engine.py)."""
    done = 0
    batches = _read(connection, "SELECT id, given_name, family_name, display_name FROM customer")
    for postings, names in rows.names(batches):
        insert_tuples(connection, search_posting, ("token_id", "customer_id"), postings)
        insert_tuples(connection, search_name, ("customer_id", "tokens", "changed"), names)
        done += len(names)
        if progress:
            progress(done, total)
    ids, df = rows.folding.ids, rows.folding.df
    _insert(connection, search_token, ({"id": i, "token": t, "df": df[t]} for t, i in ids.items()))
    pairs = ({"key": key, "token_id": i} for t, i in ids.items() for key in delete_keys(t))
    _insert(connection, search_token_key, pairs)
    return df


def _read(connection: sa.Connection, query: str) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `query`, BATCH at a time, off the driver's own cursor (a server-side one on
    PostgreSQL): at 1,000,000 customers SQLAlchemy's Row objects cost more than folding the names."""
    driver = connection.connection.driver_connection
    assert driver is not None  # a checked-out connection
    postgresql = connection.dialect.name == "postgresql"
    cursor = driver.cursor(name="callpop_index_read") if postgresql else driver.cursor()
    try:
        cursor.execute(query)
        while batch := cursor.fetchmany(BATCH):
            yield batch
    finally:
        cursor.close()


def _insert(connection: sa.Connection, table: sa.Table, rows: Iterator[dict]) -> None:
    """Bulk insert: COPY on PostgreSQL (an order of magnitude faster), the driver's executemany on SQLite."""
    if connection.dialect.name != "postgresql":
        for batch in _batches(rows, 50_000):
            insert_rows(connection, table, batch)
        return
    columns = [column.name for column in table.columns]
    driver = connection.connection.driver_connection
    assert driver is not None  # a checked-out connection
    cursor = driver.cursor()  # same transaction as `connection`
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


def rebuild_index(engine: Engine, *, progress: Progress | None = None) -> int:
    """Rebuild the whole index from the customer and phone tables, and this process's name engine
    when it keeps one (others rebuild theirs, finding every customer changed); returns the
    customers indexed."""
    with write_session(engine) as session:
        connection = session.connection()
        for table in (search_posting, search_name, search_token_key, search_token, search_phone):
            connection.execute(sa.delete(table))
        rebuilt = REBUILT_INDEXES if connection.dialect.name == "sqlite" else ()
        for name in rebuilt:
            connection.execute(sa.text(f"DROP INDEX {name}"))
        total = connection.execute(sa.select(sa.func.count()).select_from(Customer)).scalar_one()
        with build_rows(database_time(connection), helper=total >= HELPER_FROM) as rows:
            _index_names(connection, total, rows, progress)
            for phones in rows.phones(_read(connection, "SELECT id, customer_id, e164 FROM phone")):
                insert_tuples(connection, search_phone, PHONE_COLUMNS, phones)
        for index in search_token_key.indexes | search_posting.indexes | search_phone.indexes:
            if index.name in rebuilt:
                index.create(connection)
        if connection.dialect.name == "postgresql":
            _advance_sequence(connection, search_token)
        else:
            connection.execute(sa.text("ANALYZE"))
    if engine.dialect.name == "postgresql":
        _vacuum(engine)
    name_index = index_for(engine)
    if name_index is not None:
        name_index.build(engine)
    return total


def _advance_sequence(connection: sa.Connection, table: sa.Table) -> None:
    """Set `table`'s id sequence past the ids this rebuild wrote itself: COPY with explicit ids
    leaves it where it was, and the next token the flush hook writes would collide on the key."""
    connection.execute(
        sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
        )
    )


def _vacuum(engine: Engine) -> None:
    """VACUUM ANALYZE the fresh index (outside a transaction, as PostgreSQL requires): besides the
    statistics, it sets the visibility map, without which every index-only scan of the postings
    visits the heap too (name search p95 1.5x slower at 1M customers until autovacuum gets there)."""
    tables = "search_token, search_token_key, search_posting, search_name, search_phone"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text(f"VACUUM (ANALYZE) {tables}"))
