"""`callpop bench offers`: does the learned ranking beat a value-only one, and is it fast enough?

1. Learning: a simulation with hidden true acceptance rates per offer x segment. Each call has a
   random set of eligible offers; the operator makes the top one. The learned ranking is the real
   ranking core (`store.offers.propensity.order_by_priority` with in-memory offer x segment
   counters, exactly what `rank_offers` feeds it from the `offerstat` table; the DB round-trip is
   left out so 50,000+ calls take seconds). The baseline ranks by value x weight alone.
2. Latency: `rank_offers` for one customer, on a database of `--customers` customers (bulk-inserted
   minimal rows with holdings, warranties, tickets and past answers) and a catalogue of 50 offers.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from console.benchmarks.stats import emit, percentiles
from console.commands import UserError
from console.config import Settings
from store.db import is_sqlite, make_engine, write_session
from store.migrate import upgrade
from store.models import Customer, ProductCategory
from store.offers import DEFAULT_CATALOGUE, Catalogue, load_catalogue, rank_offers, read_catalogue
from store.offers.propensity import Counts, order_by_priority

SEGMENTS = ("mass", "affluent", "private", "small_business", "student")
SEGMENT_WEIGHTS = (62, 18, 4, 12, 4)
PRODUCTS = [(f"BENCH-{c.value}", c.value) for c in ProductCategory]


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser(
        "offers", help="next best offer: learning lift/regret and rank latency", parents=parents
    )
    parser.add_argument("--calls", type=int, default=50_000, help="simulated calls (learning part)")
    parser.add_argument("--sim-offers", type=int, default=20, help="offers in the simulation")
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers in the latency database")
    parser.add_argument("--samples", type=int, default=500, help="rank_offers calls timed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-latency", action="store_true", help="run only the simulation")
    parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    result: dict[str, Any] = {
        "benchmark": "offers",
        "learning": simulate(args.calls, args.sim_offers, args.seed),
    }
    if not args.skip_latency:
        url = args.database or f"sqlite:///{settings.data_dir / f'bench-offers-{args.customers}.db'}"
        result["latency"] = measure_latency(url, args.customers, args.samples, args.seed)
    emit(result)
    return 0


# --- 1. learning -----------------------------------------------------------------------------


def simulate(calls: int, n_offers: int, seed: int) -> dict[str, Any]:
    """Learned vs value-only ranking on the same calls; the oracle knows the hidden rates."""
    rng = random.Random(seed)
    offers = [f"O{i:02d}" for i in range(n_offers)]
    value = {o: round(10 * 40 ** rng.random(), 2) for o in offers}  # 10 .. 400, log-uniform
    # Hidden truth: pricier offers are taken less often, with a strong per-segment taste on top.
    truth = {
        (o, s): min(0.6, rng.betavariate(1.5, 10) * (60 / value[o]) ** 0.4 * rng.choice((0.4, 1, 2)))
        for o in offers
        for s in SEGMENTS
    }
    counts: dict[str, dict[str, Counts]] = {s: {} for s in SEGMENTS}
    totals = {name: {"accepted": 0, "value": 0.0, "regret": 0.0} for name in ("learned", "static")}
    last_tenth = {"learned": 0.0, "static": 0.0}
    choose_rng, world = random.Random(seed + 1), random.Random(seed + 2)
    for call in range(calls):
        segment = world.choices(SEGMENTS, weights=SEGMENT_WEIGHTS)[0]
        eligible = [o for o in offers if world.random() < 0.3] or [world.choice(offers)]
        best = max(truth[o, segment] * value[o] for o in eligible)
        picks = {
            "learned": order_by_priority(((o, value[o]) for o in eligible), counts[segment], choose_rng)[
                0
            ].code,
            "static": max(eligible, key=lambda o: value[o]),
        }
        roll = world.random()  # the same customer mood for both rankings: a paired comparison
        for name, pick in picks.items():
            accepted = roll < truth[pick, segment]
            regret = best - truth[pick, segment] * value[pick]
            totals[name]["accepted"] += accepted
            totals[name]["value"] += value[pick] * accepted
            totals[name]["regret"] += regret
            if call >= calls * 0.9:
                last_tenth[name] += regret
            if name == "learned":
                seen = counts[segment].get(pick, Counts())
                counts[segment][pick] = Counts(seen.shown + 1, seen.accepted + accepted)
    learned, static = totals["learned"], totals["static"]
    return {
        "calls": calls,
        "offers": n_offers,
        "segments": len(SEGMENTS),
        "presented_per_call": 1,
        "ranking_code": "store.offers.propensity.order_by_priority, in-memory counters (no DB round-trip)",
        "acceptance_rate": {n: round(t["accepted"] / calls, 4) for n, t in totals.items()},
        "acceptance_lift": round(learned["accepted"] / max(1, static["accepted"]), 3),
        "accepted_value": {n: round(t["value"], 0) for n, t in totals.items()},
        "value_lift": round(learned["value"] / max(1.0, static["value"]), 3),
        "regret_expected_value": {n: round(t["regret"], 0) for n, t in totals.items()},
        "regret_per_call_last_10pct": {n: round(r / max(1, calls // 10), 3) for n, r in last_tenth.items()},
        "learned_beats_static": learned["value"] > static["value"] and learned["regret"] < static["regret"],
    }


# --- 2. latency ------------------------------------------------------------------------------


def measure_latency(url: str, customers: int, samples: int, seed: int) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    info = _populate(engine, customers, seed)
    with write_session(engine) as session:
        load_catalogue(session, _fifty_offers())
    rng = random.Random(seed)
    ids = [rng.randint(1, customers) for _ in range(samples + 50)]
    timings = []
    for index, customer_id in enumerate(ids):
        started = time.perf_counter()
        rank_offers(engine, customer_id, call_id=f"bench-{index}", rng=rng)
        if index >= 50:  # the first calls warm the connection pool and the rule cache
            timings.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return {
        "database": engine.dialect.name,
        "customers": customers,
        "offers": 50,
        **info,
        **percentiles(timings),
    }


def _fifty_offers() -> Catalogue:
    """The default catalogue's offers, cloned under new codes up to 50 (same rule variety)."""
    base = read_catalogue(DEFAULT_CATALOGUE)
    offers = list(base.offers)
    for index in range(50 - len(offers)):
        source = base.offers[index % len(base.offers)]
        offers.append(replace(source, code=f"{source.code[:32]}-V{index}", weight=1 + index / 100))
    return replace(base, offers=tuple(offers[:50]))


def _populate(engine: sa.Engine, customers: int, seed: int) -> dict[str, Any]:
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
    return {"reused": False, "populate_s": round(time.perf_counter() - started, 1)}


def _bulk(engine: sa.Engine, table: str, columns: tuple[str, ...], rows: Any, chunk: int = 50_000) -> None:
    """Fast inserts: COPY on PostgreSQL, executemany in big transactions on SQLite."""
    if not is_sqlite(engine):
        raw = engine.raw_connection()
        try:
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
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
