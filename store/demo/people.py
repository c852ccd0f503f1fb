"""Names, e-mails and postal addresses per locale, as people in each country really write them.

Faker, seeded per locale, fills pools of names and addresses once; every customer is then drawn
from those pools with the run's own `random.Random`, which is fast and keeps a seed reproducible.
Hand-picked names top the pools up so accents and particles always show up (José García Núñez,
Müller, D'Angelo, O'Neill, da Silva, van der Berg).
"""

from __future__ import annotations

import functools
import random
import unicodedata
from dataclasses import dataclass, field

from faker import Faker

from store.sanitize import clean_line

_POOL_SIZE = 400
_CURATED_SHARE = 0.2


@dataclass(frozen=True)
class Locale:
    """One country the demo customers come from."""

    faker: str
    country: str
    language: str
    weight: int
    domains: tuple[str, ...]
    given_male: tuple[str, ...] = ()
    given_female: tuple[str, ...] = ()
    family: tuple[str, ...] = ()
    double_surname: float = 0.0
    """Share of people with two family names (always in Spain, often in Portugal and Brazil)."""


LOCALES: tuple[Locale, ...] = (
    Locale(
        "it_IT",
        "IT",
        "it",
        30,
        ("libero.it", "gmail.com", "tiscali.it", "virgilio.it"),
        ("Nicolò", "Niccolò", "Mattia", "Gioele"),
        ("Noemi", "Asia", "Ludovica"),
        ("D'Angelo", "De Luca", "Dell'Acqua", "Di Stefano", "Lo Bianco", "D'Amico", "Dall'Olio"),
    ),
    Locale(
        "es_ES",
        "ES",
        "es",
        15,
        ("gmail.com", "hotmail.es", "telefonica.net", "yahoo.es"),
        ("José", "Jesús", "Álvaro", "Ramón", "José María"),
        ("Inés", "Sofía", "María José", "Begoña"),
        ("García", "Núñez", "Martínez", "Gómez", "Sánchez", "Peña", "Ibáñez", "de la Fuente"),
        1.0,
    ),
    Locale(
        "pt_BR",
        "BR",
        "pt",
        10,
        ("gmail.com", "uol.com.br", "bol.com.br", "hotmail.com"),
        ("João", "Antônio", "Sebastião", "Luís"),
        ("Conceição", "Lúcia", "Fabíola"),
        ("da Silva", "dos Santos", "de Souza", "Conceição", "Araújo", "Gonçalves"),
        0.5,
    ),
    Locale(
        "pt_PT",
        "PT",
        "pt",
        5,
        ("sapo.pt", "gmail.com", "net.pt"),
        ("João", "António", "Gonçalo", "Sebastião"),
        ("Inês", "Conceição", "Leonor"),
        ("da Silva", "dos Santos", "Gonçalves", "Magalhães", "Simões"),
        0.6,
    ),
    Locale(
        "en_US",
        "US",
        "en",
        15,
        ("gmail.com", "yahoo.com", "outlook.com", "aol.com"),
        ("Seán", "José", "Zoë"),
        ("Chloé", "Renée", "Zoë"),
        ("O'Connor", "Van der Berg", "García", "DeLuca", "McAllister", "Nguyen", "St. John"),
    ),
    Locale(
        "en_GB",
        "GB",
        "en",
        15,
        ("btinternet.com", "gmail.com", "hotmail.co.uk", "sky.com"),
        ("Seán", "Eoin", "Rhys"),
        ("Siobhán", "Niamh", "Ffion"),
        ("O'Neill", "O'Brien", "McDonald", "Smith-Jones", "Fitzgerald", "ap Rhys", "MacLeod"),
    ),
    Locale(
        "de_DE",
        "DE",
        "de",
        10,
        ("web.de", "gmx.de", "t-online.de", "gmail.com"),
        ("Jürgen", "Jörg", "Björn", "Sören", "Günther"),
        ("Käthe", "Bärbel", "Jördis", "Ursula"),
        ("Müller", "Schäfer", "Groß", "Weiß", "Bäcker", "von Bülow", "van der Berg", "Köhler"),
    ),
)
LOCALE_WEIGHTS = tuple(locale.weight for locale in LOCALES)

UNDELIVERABLE_REASONS = (
    "addressee unknown",
    "moved, no forwarding address",
    "refused by recipient",
    "incomplete address",
    "no such street",
)


@dataclass(frozen=True)
class PostalAddress:
    line1: str
    city: str
    postcode: str
    region: str
    country: str


@dataclass
class Pools:
    """What Faker gave us for one locale, cleaned once by the sanitiser."""

    locale: Locale
    given_male: list[str] = field(default_factory=list)
    given_female: list[str] = field(default_factory=list)
    family: list[str] = field(default_factory=list)
    addresses: list[PostalAddress] = field(default_factory=list)


@functools.lru_cache(maxsize=4)
def build_pools(seed: int) -> dict[str, Pools]:
    """Pools per country code, each from a Faker seeded with `seed` for its locale.

    Cached (a second of Faker per build): callers only read the pools, never change them."""
    return {locale.country: _pools_for(locale, seed) for locale in LOCALES}


def _pools_for(locale: Locale, seed: int) -> Pools:
    fake = Faker(locale.faker)
    fake.seed_instance(seed)
    region = getattr(fake, "state_abbr", None) or fake.administrative_unit
    pools = Pools(locale)
    for _ in range(_POOL_SIZE):
        pools.given_male.append(clean_line(fake.first_name_male()))
        pools.given_female.append(clean_line(fake.first_name_female()))
        pools.family.append(clean_line(fake.last_name()))
        pools.addresses.append(
            PostalAddress(
                line1=clean_line(fake.street_address()),
                city=clean_line(fake.city()),
                postcode=clean_line(fake.postcode()),
                region=clean_line(region()),
                country=locale.country,
            )
        )
    return pools


def _pick(rng: random.Random, pool: list[str], curated: tuple[str, ...]) -> str:
    return rng.choice(curated) if curated and rng.random() < _CURATED_SHARE else rng.choice(pool)


def given_name(rng: random.Random, pools: Pools, *, female: bool) -> str:
    locale = pools.locale
    if female:
        return _pick(rng, pools.given_female, locale.given_female)
    return _pick(rng, pools.given_male, locale.given_male)


def family_name(rng: random.Random, pools: Pools) -> str:
    """One family name, or two where the country's custom gives people both parents' names."""
    first = _pick(rng, pools.family, pools.locale.family)
    if rng.random() < pools.locale.double_surname:
        second = _pick(rng, pools.family, pools.locale.family)
        if second != first:
            return f"{first} {second}"
    return first


def email_address(rng: random.Random, locale: Locale, given: str, family: str) -> str:
    """A plausible mailbox for the person: accents folded, particles and apostrophes dropped."""
    first, last = _ascii(given), _ascii(family)
    local = rng.choice((f"{first}.{last}", f"{first[:1]}{last}", f"{first}{last}{rng.randint(1, 99)}"))
    return f"{local}@{rng.choice(locale.domains)}"


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "".join(ch for ch in folded if ch.isalnum()) or "cliente"


def postal_address(rng: random.Random, pools: Pools) -> PostalAddress:
    return rng.choice(pools.addresses)
