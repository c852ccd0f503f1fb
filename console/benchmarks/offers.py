"""`callpop bench offers`: does the learned ranking beat a value-only one, and is it fast enough?

1. Learning: a simulation with hidden true acceptance rates per offer x segment. Each call has a
   random set of eligible offers; the operator makes the top one. The learned ranking is the real
   ranking core (`store.offers.propensity.order_by_priority` with in-memory offer x segment
   counters, exactly what `rank_offers` feeds it from the `offerstat` table; the DB round-trip is
   left out so 50,000+ calls take seconds). The baseline ranks by value x weight alone.
2. Retention: retention offers ranked by churn risk vs by value alone vs none, with a simulated
   churn outcome (console/benchmarks/retention_sim.py says what is assumed).
3. Latency: `rank_offers` for one customer, on a database of `--customers` customers (bulk-inserted
   minimal rows with holdings, warranties, tickets and past answers) and a catalogue of 50 offers.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from typing import Any

from console.benchmarks import scratch_dir
from console.benchmarks.customer_base import SEGMENT_WEIGHTS, SEGMENTS, populate_customers
from console.benchmarks.retention_sim import simulate_retention
from console.benchmarks.stats import emit, percentiles
from console.config import Settings
from store.db import make_engine, write_session
from store.migrate import upgrade
from store.offers import DEFAULT_CATALOGUE, Catalogue, load_catalogue, rank_offers, read_catalogue
from store.offers.propensity import Counts, order_by_priority


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser(
        "offers", help="next best offer: learning lift/regret and rank latency", parents=parents
    )
    parser.add_argument("--calls", type=int, default=50_000, help="simulated calls (learning part)")
    parser.add_argument("--sim-offers", type=int, default=20, help="offers in the simulation")
    parser.add_argument(
        "--retention-calls", type=int, default=50_000, help="simulated calls (retention part)"
    )
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
        "retention": simulate_retention(args.retention_calls, args.seed),
    }
    if not args.skip_latency:
        scratch = scratch_dir(settings, "offers")
        url = settings.database_url or f"sqlite:///{scratch / f'bench-offers-{args.customers}.db'}"
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


# --- 3. latency ------------------------------------------------------------------------------


def measure_latency(url: str, customers: int, samples: int, seed: int) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    info = populate_customers(engine, customers, seed)
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
