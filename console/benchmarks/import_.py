"""`callpop bench import`: customers (phones, e-mails, addresses) from a CSV, index included.

The file is generated first (not timed): multi-country names, one or two phones each written in
the habits real feeds have (E.164, national, international with spaces), an e-mail, a home
address. Then `import_file` runs end to end into an empty database (check, stage, apply, index)
and once more on the same file (the nightly feed where nothing changed). Targets from issue 12:
1,000,000 customers in <= 60 s on SQLite, <= 30 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import os
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import phonenumbers
import sqlalchemy as sa
from sqlmodel import col

from console.benchmarks.stats import emit
from console.commands import UserError
from console.config import Settings
from store.db import make_engine
from store.demo.phones import random_phone
from store.imports import ImportOptions, import_file
from store.imports.customers import HEADER
from store.migrate import upgrade
from store.models import Customer, Role
from store.policy import Actor

TARGET_S = {"sqlite": 60.0, "postgresql": 30.0}
_COUNTRIES = {"IT": "it_IT", "ES": "es_ES", "GB": "en_GB", "DE": "de_DE", "US": "en_US", "PT": "pt_PT"}
_CITIES = {"IT": "Roma", "ES": "Madrid", "GB": "Leeds", "DE": "Berlin", "US": "Boston", "PT": "Porto"}


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser("import", help="customer import from CSV, index included", parents=parents)
    parser.add_argument("--customers", type=int, default=100_000, help="rows in the generated file (100000)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated file")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="checking processes (CPUs)")
    parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    parser.set_defaults(handler=run)


def _names(locale: str) -> tuple[list[str], list[str]]:
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    first = list(getattr(provider, "first_names", None) or provider.first_names_male)
    return [str(n) for n in first], [str(n) for n in provider.last_names]


def _written(e164: str, rng: random.Random) -> str:
    """A number as feeds write them: E.164, national, or international with spaces."""
    style = rng.random()
    if style < 0.4:
        return e164
    number = phonenumbers.parse(e164, None)
    kind = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if style < 0.7
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, kind)


def generate_file(path: Path, customers: int, seed: int) -> None:
    """The benchmark's CSV in the default header."""
    rng = random.Random(seed)
    names = {country: _names(locale) for country, locale in _COUNTRIES.items()}
    countries = list(_COUNTRIES)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(1, customers + 1):
            country = rng.choice(countries)
            first, last = names[country]
            given, family = rng.choice(first), rng.choice(last)
            phones = [_written(random_phone(rng, country, mobile=True), rng)]
            if rng.random() < 0.3:
                phones.append(_written(random_phone(rng, country, mobile=False), rng))
            born = f"{rng.randint(1935, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            email = f"{given}.{family}.{n}@example.com".lower().replace(" ", "")
            street = f"{rng.choice(last)} {rng.randint(1, 200)}"
            writer.writerow(
                [
                    f"B{n:08d}",
                    given,
                    family,
                    born,
                    email,
                    ";".join(phones),
                    street,
                    _CITIES[country],
                    f"{rng.randint(10000, 99999)}",
                    country,
                ]
            )


def _timed_import(engine: sa.Engine, path: Path, workers: int) -> dict[str, Any]:
    phases: dict[str, float] = {}
    started = time.perf_counter()

    def progress(phase: str, done: int, total: int) -> None:
        phases[phase] = time.perf_counter() - started

    rejected: list[int] = []
    report = import_file(
        engine,
        ImportOptions(kind="customers", path=path, workers=workers),
        actor=Actor("bench", Role.ADMIN),
        on_reject=lambda line, reason: rejected.append(line),
        progress=progress,
    )
    total = time.perf_counter() - started
    ends = [phases.get(p) for p in ("read", "apply", "index")]
    return {
        "seconds": round(total, 2),
        "read_check_stage_s": round(ends[0] or 0, 2),
        "apply_s": round((ends[1] or ends[0] or 0) - (ends[0] or 0), 2),
        "index_and_commit_s": round(total - (ends[1] or ends[0] or 0), 2),
        "without_index_s": round(ends[1] or ends[0] or 0, 2),
        "index_rebuilt": report.index_rebuilt,
        **report.tally.as_dict(),
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.customers < 1:
        raise UserError("--customers must be at least 1")
    with tempfile.TemporaryDirectory(prefix="callpop-bench-import-") as scratch:
        url = args.database or f"sqlite:///{Path(scratch) / 'import.db'}"
        engine = make_engine(url)
        upgrade(engine)
        with engine.connect() as connection:
            if connection.scalar(sa.select(col(Customer.id)).limit(1)) is not None:
                raise UserError(f"{engine.url.render_as_string()} holds customers: give an empty database")
        path = Path(scratch) / "customers.csv"
        started = time.perf_counter()
        generate_file(path, args.customers, args.seed)
        generated = time.perf_counter() - started
        file_mb = round(path.stat().st_size / 1e6, 1)
        first = _timed_import(engine, path, args.workers)
        again = _timed_import(engine, path, args.workers)
        engine.dispose()
    backend = sa.make_url(url).get_backend_name()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    emit(
        {
            "benchmark": "import",
            "backend": backend,
            "customers": args.customers,
            "file_mb": file_mb,
            "generate_s": round(generated, 1),
            "workers": args.workers,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "first_import": first,
            "customers_per_s": round(args.customers / first["seconds"]),
            "same_file_again": again,
            "target_s_at_1m": TARGET_S.get(backend),
            "projected_1m_s": round(first["seconds"] * 1_000_000 / args.customers, 1),
            "worker_peak_rss_mb": round(children, 1),
        }
    )
    return 0
