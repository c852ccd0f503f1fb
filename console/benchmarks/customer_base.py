"""A base of minimal customers for the offer and segment benchmarks: holdings, warranties, tickets
and past offer answers in fixed proportions, bulk-inserted (COPY on PostgreSQL) and reused when a
scratch database already holds that many customers."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from console.commands import UserError
from store.bulk import copy_rows
from store.db import is_sqlite
from store.models import Customer, ProductCategory, every_table

SEGMENTS = ("mass", "affluent", "private", "small_business", "student")
SEGMENT_WEIGHTS = (62, 18, 4, 12, 4)
PRODUCTS = [(f"BENCH-{c.value}", c.value) for c in ProductCategory]


def populate_customers(engine: sa.Engine, customers: int, seed: int) -> dict[str, Any]:
    """Bulk-insert minimal rows unless the database already holds `customers` customers."""
    with engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(Customer)).scalar_one()
    if count == customers:
        return {"reused": True}
    if count:
        raise UserError(f"{engine.url}: holds {count} other customers; give an empty database")
    started, rng, today = time.perf_counter(), random.Random(seed), date.today()
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO product (code, name, category, standard_warranty_months) "
                                   "VALUES (:code, :code, :category, 24)"),
                           [{"code": code, "category": category} for code, category in PRODUCTS])  # fmt: skip
    _bulk(engine, "customer", ("external_id", "given_name", "family_name", "display_name", "birth_date",
          "status", "segment", "loyalty_tier", "loyalty_points", "points_expiring", "preferred_language",
          "preferred_channel", "consent_voice", "consent_email", "consent_sms", "consent_post", "vip",
          "collections", "version", "created_at", "updated_at"),
          ((f"B{i:08d}", "Anna", "Bench", "Anna Bench", date(1950 + i % 50, 1 + i % 12, 1), "active",
            rng.choices(SEGMENTS, SEGMENT_WEIGHTS)[0], "silver", i % 25_000, 0, "en", "voice", i % 5 != 0,
            i % 2 == 0, False, False, False, i % 97 == 0, 1, now - timedelta(days=i % 4000), now)
           for i in range(1, customers + 1)))  # fmt: skip
    _bulk(engine, "holding", ("customer_id", "product_id", "reference", "opened_on", "status", "balance",
          "price_paid"),
          ((1 + i // 2, 1 + rng.randrange(len(PRODUCTS)), f"R{i}", today - timedelta(days=i % 3000), "active",
            rng.randint(0, 20_000), 20_000) for i in range(customers * 2)))  # fmt: skip
    _bulk(engine, "warranty", ("holding_id", "kind", "starts_on", "ends_on", "covers", "claims"),
          ((i, "standard", today - timedelta(days=700), today + timedelta(days=i % 400 - 30), "", 0)
           for i in range(1, customers * 2, 3)))  # fmt: skip
    _bulk(engine, "ticket", ("number", "customer_id", "subject", "category", "priority", "status", "assignee",
          "created_at", "updated_at"),
          ((f"B-{i}", 1 + i * 10 % customers, "Bench", "complaint" if i % 3 == 0 else "question", "normal",
            "open", "", now, now) for i in range(customers // 10)))  # fmt: skip
    _bulk(engine, "offerpresentation", ("call_id", "customer_id", "offer_code", "segment", "operator",
          "response", "reason", "presented_at"),
          ((f"old-{i}", 1 + i * 7 % customers, "INS-TRAVEL", "mass", "bench", "declined", "",
            now - timedelta(days=i % 90)) for i in range(customers // 5)))  # fmt: skip
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")  # planner statistics, as a live database has them
    return {"reused": False, "populate_s": round(time.perf_counter() - started, 1)}


def _bulk(engine: sa.Engine, table: str, columns: tuple[str, ...], rows: Any, chunk: int = 50_000) -> None:
    """Fast inserts: COPY on PostgreSQL, executemany in big transactions on SQLite."""
    if not is_sqlite(engine):
        with engine.begin() as connection:
            copy_rows(connection, every_table().tables[table], list(columns), rows)
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(tuple(_naive_utc(v) if isinstance(v, datetime) else v for v in row))
        if len(batch) >= chunk:
            _flush(engine, sql, batch)
    _flush(engine, sql, batch)


def _naive_utc(value: datetime) -> str:
    """How UTCDateTime stores an instant on SQLite (naive UTC text)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def _flush(engine: sa.Engine, sql: str, batch: list[tuple[Any, ...]]) -> None:
    if batch:
        with engine.begin() as connection:
            connection.exec_driver_sql(sql, batch)
        batch.clear()
