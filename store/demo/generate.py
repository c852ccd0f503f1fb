"""`generate_demo`: the one entry point that fills a database with demo data, fast and reproducibly.

Customers are made in chunks; each chunk's rows (ids assigned up front, see `Batch`) go in with
SQLAlchemy Core bulk inserts inside one write transaction, parents before children.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from store.db import is_sqlite, write_session
from store.demo.batch import TABLES, Batch
from store.demo.catalogue import PRODUCTS
from store.demo.customers import Household, add_customer, new_household
from store.demo.history import add_calls
from store.demo.memorable import MEMORABLE_CUSTOMERS, add_memorable
from store.demo.people import LOCALE_WEIGHTS, LOCALES, Pools, build_pools
from store.demo.phones import random_phone
from store.demo.staff import CAMPAIGNS, OPERATORS
from store.demo.story import DemoContext, add_story
from store.models import every_table

CHUNK_CUSTOMERS = 2_000
INSERT_ROWS = 5_000
_HOUSEHOLD_SHARE = 0.08
_LANDLINE_SHARE = 0.3
_STRANGER_CALLS = 0.02


class DemoRefused(Exception):
    """The database already holds customers and the caller did not ask to append."""


@dataclass
class DemoStats:
    """Rows inserted per table, and how long it took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def customers(self) -> int:
        return self.rows.get("customer", 0)


def generate_demo(
    engine: Engine,
    *,
    customers: int,
    seed: int,
    today: date,
    progress: Callable[[int, int], None] | None = None,
    append: bool = False,
) -> DemoStats:
    """Insert `customers` demo customers (and their products, history and the reference rows).

    The same `customers`, `seed` and `today` on an empty database give the same rows. Refuses
    (DemoRefused) when customers exist already, unless `append`; appended customers get fresh ids.
    The memorable customers (ids 1-8) are made only in an empty database and when there is room.
    """
    started = time.perf_counter()
    stats = DemoStats(rows={table: 0 for table in TABLES})
    with engine.connect() as connection:
        existing = connection.scalar(sa.select(sa.func.count()).select_from(_table("customer"))) or 0
        next_ids = {table: _max_id(connection, table) + 1 for table in TABLES}
        taken = _taken_key(connection, next_ids)
    if existing and not append:
        raise DemoRefused(
            f"the database already has {existing} customers; pass --append to add demo data anyway"
        )
    if taken:
        raise DemoRefused(f"cannot append: the new rows' keys would repeat {taken}, already in the database")
    rng = random.Random(seed)
    pools = build_pools(seed)
    context = _load_reference_rows(engine, next_ids, today, stats)
    done = 0
    while done < customers:
        batch = Batch(next_ids)
        first = done == 0 and not existing and customers >= MEMORABLE_CUSTOMERS
        made = add_memorable(rng, batch, pools, context) if first else 0
        while made < CHUNK_CUSTOMERS and done + made < customers:
            made += _add_household(rng, batch, pools, context, customers - done - made)
        _add_stranger_calls(rng, batch, context, made)
        _insert(engine, batch, stats)
        done += made
        if progress:
            progress(done, customers)
    _sync_sequences(engine)
    stats.seconds = time.perf_counter() - started
    return stats


def _add_household(
    rng: random.Random, batch: Batch, pools: dict[str, Pools], context: DemoContext, room: int
) -> int:
    """One household (usually of one person); returns how many customers it added."""
    locale = rng.choices(LOCALES, weights=LOCALE_WEIGHTS)[0]
    size = min(room, rng.randint(2, 3)) if rng.random() < _HOUSEHOLD_SHARE else 1
    shared = size > 1 or rng.random() < _LANDLINE_SHARE
    household: Household = new_household(rng, pools[locale.country], landline=shared)
    for _ in range(size):
        add_story(rng, batch, add_customer(rng, batch, household, context.today), context)
    return size


def _add_stranger_calls(rng: random.Random, batch: Batch, context: DemoContext, customers: int) -> None:
    """Calls from numbers no customer has: lookups that find nobody."""
    for _ in range(int(customers * _STRANGER_CALLS)):
        country = rng.choices(LOCALES, weights=LOCALE_WEIGHTS)[0].country
        add_calls(rng, batch, None, [random_phone(rng, country, mobile=rng.random() < 0.7)], context.now, 1)


def _load_reference_rows(
    engine: Engine, next_ids: dict[str, int], today: date, stats: DemoStats
) -> DemoContext:
    """Operators, products and campaigns, adding only those missing (by username or code)."""
    with write_session(engine) as session:
        connection = session.connection()
        known = _existing_keys(connection)
        batch = Batch(next_ids)
        for operator in OPERATORS:
            if operator.username not in known["operator"]:
                batch.add(
                    "operator",
                    username=operator.username,
                    display_name=operator.display_name,
                    role=operator.role,
                    extension=operator.extension,
                )
        for spec in PRODUCTS:
            if spec.code not in known["product"]:
                known["product"][spec.code] = batch.add(
                    "product",
                    code=spec.code,
                    name=spec.name,
                    category=spec.category,
                    standard_warranty_months=spec.standard_warranty_months,
                    list_price=spec.list_price,
                )
        for campaign in CAMPAIGNS:
            if campaign.code not in known["campaign"]:
                known["campaign"][campaign.code] = batch.add(
                    "campaign",
                    code=campaign.code,
                    name=campaign.name,
                    channel=campaign.channel,
                    starts_on=campaign.starts_on(today),
                    ends_on=campaign.ends_on(today),
                )
        _insert_rows(connection, batch, stats)
    now = datetime.combine(today, datetime.min.time(), UTC).replace(hour=17)
    return DemoContext(today, now, known["product"], known["campaign"])


def _existing_keys(connection: Connection) -> dict[str, dict[str, int]]:
    keys = {"operator": "username", "product": "code", "campaign": "code"}
    return {
        table: {
            key: row_id
            for key, row_id in connection.execute(sa.select(_table(table).c[column], _table(table).c.id))
        }
        for table, column in keys.items()
    }


def _insert(engine: Engine, batch: Batch, stats: DemoStats) -> None:
    with write_session(engine) as session:
        _insert_rows(session.connection(), batch, stats)


def _insert_rows(connection: Connection, batch: Batch, stats: DemoStats) -> None:
    """Core bulk inserts; on PostgreSQL a COPY, since psycopg's executemany pays a round of
    protocol work per row and runs about twice as slow."""
    for table in TABLES:
        rows = batch.rows.get(table, [])
        if rows and connection.dialect.name == "postgresql":
            _copy_rows(connection, table, rows)
        else:
            for start in range(0, len(rows), INSERT_ROWS):
                connection.execute(sa.insert(_table(table)), rows[start : start + INSERT_ROWS])
        stats.rows[table] += len(rows)


def _copy_rows(connection: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """COPY `rows` into `table` inside the connection's transaction (values are plain Python types:
    str enums, dates, aware UTC datetimes, Decimals)."""
    columns = list(rows[0])
    names = ", ".join(f'"{column}"' for column in columns)
    driver = connection.connection.driver_connection
    assert driver is not None  # a checked-out connection
    with driver.cursor() as cursor:
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])


def _sync_sequences(engine: Engine) -> None:
    """PostgreSQL's id sequences never saw our pre-assigned ids: move them past the largest one."""
    if is_sqlite(engine):
        return
    with engine.begin() as connection:
        for table in TABLES:
            connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
                )
            )


_KEYS_FROM_IDS = (("customer", "external_id", "C"), ("ticket", "number", "TK"), ("call", "call_id", "demo-"))
"""Unique keys the demo makes from a row's id (prefix + 8 digits; see customers.py and history.py)."""


def _taken_key(connection: Connection, next_ids: dict[str, int]) -> str | None:
    """A key the next demo rows would get that a row (imported, or made by hand) already has."""
    for table, column, prefix in _KEYS_FROM_IDS:
        key = _table(table).c[column]
        first = f"{prefix}{next_ids[table]:08d}"
        query = sa.select(key).where(
            key.startswith(prefix, autoescape=True), sa.func.length(key) == len(first), key >= first
        )
        if (found := connection.scalar(query.limit(1))) is not None:
            return f"{table}.{column} {found!r}"
    return None


def _max_id(connection: Connection, table: str) -> int:
    return connection.scalar(sa.select(sa.func.max(_table(table).c.id))) or 0


def _table(name: str) -> sa.Table:
    return every_table().tables[name]
