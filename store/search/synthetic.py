"""A synthetic customer base for the lookup benchmark: real names from several Faker locales,
Zipf-weighted like a real population, plus a long tail of syllable-built surnames, double
surnames, particles and apostrophes; one valid mobile number per customer in its own country.

Rows go in with Core in batches (no ORM, no flush hook); call `rebuild_index` afterwards.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Iterator

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.db import write_session
from store.models import Customer, Phone
from store.models.base import table_of
from store.timeutil import utcnow

LOCALES = {
    "it_IT": "IT",
    "es_ES": "ES",
    "en_US": "US",
    "de_DE": "DE",
    "fr_FR": "FR",
    "nl_NL": "NL",
    "en_IE": "IE",
}
SYLLABLES = (
    "ka ri mo ten sa lu ber gon di vel ma no ras fi tor le zan co pi mar gu hel bra dor e "
    "sil van ro tu min ca lo fre da ni kor sto al vi ne pra gal ur bo tes ha wen li ko "
    "dru fan pel ost gri mun sel tak ve yor bel cas ju kem"
).split()
BATCH = 10_000


def _names(locale: str) -> tuple[list[str], list[str]]:
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    first: set[str] = set()
    for attr in ("first_names", "first_names_male", "first_names_female"):
        first |= set(getattr(provider, attr, ()) or ())
    first_names, last_names = sorted(first), sorted(set(provider.last_names))
    shuffler = random.Random(locale)  # which names are common must not follow the alphabet
    shuffler.shuffle(first_names)
    shuffler.shuffle(last_names)
    return first_names, last_names


def _zipf(rng: random.Random, items: list[str]) -> str:
    """A few names very common, most rare (rank-frequency ~ 1/rank)."""
    return items[min(len(items) - 1, int(len(items) ** rng.random()) - 1)]


def _syllable_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4, 4)))).capitalize()


def _mobile(rng: random.Random, region: str, taken: set[str]) -> str:
    """A new random valid mobile number of `region` in E.164, built on the region's example number."""
    sample = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert sample is not None, f"no example mobile number for {region}"
    example = phonenumbers.national_significant_number(sample)
    code = phonenumbers.country_code_for_region(region)
    while True:
        nsn = example[:2] + "".join(rng.choice("0123456789") for _ in range(len(example) - 2))
        e164 = f"+{code}{nsn}"
        if e164 not in taken and phonenumbers.is_valid_number(phonenumbers.parse(e164)):
            taken.add(e164)
            return e164


def _family(rng: random.Random, last: list[str], all_last: list[str]) -> str:
    roll = rng.random()
    if roll < 0.35:
        return _syllable_name(rng)
    if roll < 0.40:
        return f"{_zipf(rng, last)} {_zipf(rng, all_last)}"  # double surname
    if roll < 0.43:
        return f"{rng.choice(('da', 'de', 'van der', 'van', 'di', 'von'))} {_zipf(rng, last)}"
    if roll < 0.45:
        return f"{rng.choice(('O', 'D', 'Dell'))}'{_zipf(rng, last)}"
    return _zipf(rng, last)


def people(count: int, seed: int) -> Iterator[tuple[str, str, str]]:
    """`count` (given name, family name, E.164 mobile) triples, the same for the same seed."""
    rng = random.Random(seed)
    pools = {locale: _names(locale) for locale in LOCALES}
    all_last = sorted({name for _, last in pools.values() for name in last})
    locales = list(LOCALES)
    taken: set[str] = set()
    for _ in range(count):
        locale = rng.choice(locales)
        first, last = pools[locale]
        yield _zipf(rng, first), _family(rng, last, all_last), _mobile(rng, LOCALES[locale], taken)


_ROW = {
    "status": "active", "segment": "mass", "loyalty_tier": "none", "loyalty_points": 0,
    "points_expiring": 0, "preferred_language": "en", "preferred_channel": "voice",
    "consent_voice": False, "consent_email": False, "consent_sms": False, "consent_post": False,
    "vip": False, "collections": False, "version": 1,
}  # fmt: skip
"""The columns every generated customer shares."""


def _customer(customer_id: int, external_id: str, given: str, family: str, now: object) -> dict[str, object]:
    display = f"{given} {family}".strip()
    return _ROW | {
        "id": customer_id, "external_id": external_id, "given_name": given, "family_name": family,
        "display_name": display, "created_at": now, "updated_at": now,
    }  # fmt: skip


def _next_id(connection: sa.Connection) -> int:
    return (connection.execute(sa.select(sa.func.max(Customer.id))).scalar() or 0) + 1


def _advance_customer_ids(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT setval('customer_id_seq', (SELECT max(id) FROM customer))"))


def generate(engine: Engine, count: int, seed: int, *, progress: Callable[[int], None] | None = None) -> None:
    """Insert `count` customers (external ids S{seed}-0000001...) with one phone each."""
    now = utcnow()
    with write_session(engine) as session:
        connection = session.connection()
        next_id = _next_id(connection)
        batch: list[tuple[str, str, str]] = []
        for n, person in enumerate(people(count, seed), start=1):
            batch.append(person)
            if len(batch) == BATCH or n == count:
                ids = range(next_id, next_id + len(batch))
                customers = [
                    _customer(i, f"S{seed}-{n - len(batch) + k + 1:07d}", g, f, now)
                    for k, (i, (g, f, _)) in enumerate(zip(ids, batch, strict=True))
                ]
                connection.execute(sa.insert(table_of(Customer)), customers)
                phones = [
                    {"customer_id": i, "e164": p, "kind": "mobile", "is_primary": True}
                    for i, (_, _, p) in zip(ids, batch, strict=True)
                ]
                connection.execute(sa.insert(table_of(Phone)), phones)
                next_id += len(batch)
                batch = []
                if progress:
                    progress(n)
        _advance_customer_ids(connection)


def add_named(engine: Engine, named: list[tuple[str, str, str]]) -> None:
    """Insert customers given as (external id, given name, family name), without phones (the
    record-linkage cases of the benchmark). Like `generate`, call `rebuild_index` afterwards."""
    now = utcnow()
    with write_session(engine) as session:
        connection = session.connection()
        first = _next_id(connection)
        for start in range(0, len(named), BATCH):
            rows = [
                _customer(first + start + k, external_id, given, family, now)
                for k, (external_id, given, family) in enumerate(named[start : start + BATCH])
            ]
            connection.execute(sa.insert(table_of(Customer)), rows)
        _advance_customer_ids(connection)
