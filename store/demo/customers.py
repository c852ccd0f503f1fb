"""One demo customer with phones, e-mails and addresses; households share a surname, home and landline."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from store.demo.batch import Batch
from store.demo.people import (
    UNDELIVERABLE_REASONS,
    Locale,
    Pools,
    PostalAddress,
    email_address,
    family_name,
    given_name,
    postal_address,
)
from store.demo.phones import random_phone
from store.models import AddressKind, Channel, CustomerStatus, PhoneKind

SEGMENTS = ("mass", "affluent", "private", "small_business", "student")
_SEGMENT_WEIGHTS = (62, 18, 4, 12, 4)
_TIERS = ((20_000, "platinum"), (8_000, "gold"), (2_000, "silver"), (500, "bronze"), (0, "none"))
_CHANNELS = (Channel.VOICE, Channel.EMAIL, Channel.CHAT, Channel.SMS, Channel.POST)
_CHANNEL_WEIGHTS = (40, 30, 15, 10, 5)


@dataclass
class Household:
    """People living together: one family name, one home address, one landline they all answer."""

    pools: Pools
    family: str
    home: PostalAddress
    landline: str


@dataclass
class PersonSpec:
    """Fixed facts for a memorable customer; anything left None is drawn at random."""

    given: str | None = None
    female: bool | None = None
    mobile: str | None = None
    status: CustomerStatus | None = None
    segment: str | None = None
    vip: bool = False
    undeliverable: bool = False
    consents: bool = False
    """Consents to every marketing channel, so the story's next best offer can be made."""


@dataclass
class CustomerFacts:
    """What the rest of the generator needs to know about a customer it just made."""

    id: int
    country: str
    status: CustomerStatus
    segment: str
    since: date
    left_on: date | None
    collections: bool
    phones: list[str] = field(default_factory=list)
    undeliverable: bool = False


def new_household(rng: random.Random, pools: Pools, *, landline: bool) -> Household:
    number = random_phone(rng, pools.locale.country, mobile=False) if landline else ""
    return Household(pools, family_name(rng, pools), postal_address(rng, pools), number)


def at(day: date, rng: random.Random) -> datetime:
    """An aware UTC instant during office hours of `day`."""
    return datetime.combine(day, time(8), UTC) + timedelta(seconds=rng.randint(0, 10 * 3600))


def add_customer(
    rng: random.Random,
    batch: Batch,
    household: Household,
    today: date,
    spec: PersonSpec | None = None,
) -> CustomerFacts:
    """Insert-ready rows for one customer of `household` (which may be a household of one)."""
    fixed = spec is not None
    spec = spec or PersonSpec()
    pools, locale = household.pools, household.pools.locale
    female = spec.female if spec.female is not None else rng.random() < 0.5
    given = spec.given or given_name(rng, pools, female=female)
    family = household.family
    status = spec.status or rng.choices(tuple(CustomerStatus), weights=(18, 70, 12))[0]
    segment = spec.segment or rng.choices(SEGMENTS, weights=_SEGMENT_WEIGHTS)[0]
    age = rng.randint(18, 26) if segment == "student" else rng.randint(24, 88)
    since = today - timedelta(days=rng.randint(30, 365 * min(age - 17, 20)))
    left_on = _left_on(rng, since, today) if status is CustomerStatus.FORMER else None
    points = int(rng.lognormvariate(7, 1.3)) if status is CustomerStatus.ACTIVE else 0
    expiring = rng.randint(1, points) if points and rng.random() < 0.3 else 0
    created = at(since, rng)
    facts = CustomerFacts(
        0,
        locale.country,
        status,
        segment,
        since,
        left_on,
        status is CustomerStatus.ACTIVE and rng.random() < 0.03,
    )
    facts.id = batch.add(
        "customer",
        external_id=f"C{batch.next_id('customer'):08d}",
        given_name=given,
        family_name=family,
        display_name=f"{given} {family}",
        birth_date=today - timedelta(days=age * 365 + rng.randint(0, 364)),
        status=status,
        segment=segment,
        loyalty_tier=next(tier for floor, tier in _TIERS if points >= floor),
        loyalty_points=points,
        points_expiring=expiring,
        points_expire_on=today + timedelta(days=rng.randint(3, 90)) if expiring else None,
        preferred_language=locale.language,
        preferred_channel=rng.choices(_CHANNELS, weights=_CHANNEL_WEIGHTS)[0],
        consent_voice=(rng.random() < 0.6) or spec.consents,
        consent_email=(rng.random() < 0.5) or spec.consents,
        consent_sms=(rng.random() < 0.4) or spec.consents,
        consent_post=(rng.random() < 0.7) or spec.consents,
        vip=spec.vip or (segment == "private" and rng.random() < 0.4),
        collections=facts.collections,
        version=1,
        created_at=created,
        updated_at=created + timedelta(days=rng.randint(0, (today - since).days)),
    )
    _add_phones(rng, batch, facts, household, spec)
    _add_emails(rng, batch, facts.id, locale, given, family)
    _add_addresses(rng, batch, facts, household, today, spec.undeliverable, fixed)
    return facts


def _add_phones(
    rng: random.Random, batch: Batch, facts: CustomerFacts, household: Household, spec: PersonSpec
) -> None:
    numbers: list[tuple[str, PhoneKind]] = []
    if spec.mobile or rng.random() < 0.9:
        numbers.append((spec.mobile or random_phone(rng, facts.country, mobile=True), PhoneKind.MOBILE))
    if household.landline:
        numbers.append((household.landline, PhoneKind.HOME))
    if rng.random() < 0.1 or not numbers:
        numbers.append((random_phone(rng, facts.country, mobile=False), PhoneKind.WORK))
    for index, (e164, kind) in enumerate(numbers):
        batch.add("phone", customer_id=facts.id, e164=e164, kind=kind, is_primary=index == 0)
        facts.phones.append(e164)


def _add_emails(
    rng: random.Random, batch: Batch, customer_id: int, locale: Locale, given: str, family: str
) -> None:
    count = rng.choices((0, 1, 2), weights=(25, 65, 10))[0]
    for index in range(count):
        batch.add(
            "email",
            customer_id=customer_id,
            address=email_address(rng, locale, given, family),
            is_primary=index == 0,
        )


def _add_addresses(
    rng: random.Random,
    batch: Batch,
    facts: CustomerFacts,
    household: Household,
    today: date,
    undeliverable: bool,
    fixed: bool,
) -> None:
    """Home (sometimes after a move, sometimes returning mail), office and billing addresses.

    `fixed` (a memorable customer) means only the given home, undeliverable exactly when asked.
    """
    pools = household.pools
    if not fixed and rng.random() < 0.06:
        moved = facts.since + timedelta(days=rng.randint(0, (today - facts.since).days))
        _address(rng, batch, facts, postal_address(rng, pools), AddressKind.HOME, facts.since, moved)
        home_since = moved
    else:
        home_since = facts.since
    if undeliverable or (not fixed and rng.random() < 0.04):
        returned_on = today - timedelta(days=rng.randint(1, 365))
        facts.undeliverable = True
    else:
        returned_on = None
    _address(rng, batch, facts, household.home, AddressKind.HOME, home_since, None, returned_on)
    for kind, share in ((AddressKind.OFFICE, 0.12), (AddressKind.BILLING, 0.08)):
        if not fixed and rng.random() < share:
            _address(rng, batch, facts, postal_address(rng, pools), kind, facts.since, None)


def _address(
    rng: random.Random,
    batch: Batch,
    facts: CustomerFacts,
    place: PostalAddress,
    kind: AddressKind,
    valid_from: date,
    valid_to: date | None,
    returned_on: date | None = None,
) -> None:
    """One address row; `returned_on` marks it undeliverable (mail came back that day)."""
    undeliverable = returned_on is not None
    batch.add(
        "address",
        customer_id=facts.id,
        kind=kind,
        line1=place.line1,
        line2="",
        city=place.city,
        postcode=place.postcode,
        region=place.region,
        country=place.country,
        undeliverable=undeliverable,
        undeliverable_on=returned_on,
        undeliverable_reason=rng.choice(UNDELIVERABLE_REASONS) if undeliverable else "",
        valid_from=valid_from,
        valid_to=valid_to,
        created_at=at(valid_from, rng),
        updated_at=None,
    )


RECENT_LEAVERS = 0.4
"""Share of former customers who left in the last 180 days: the churn the model learns from."""


def _left_on(rng: random.Random, since: date, today: date) -> date:
    """When a former customer left: often recently (churn goes on), else any time in their tenure."""
    days = (today - since).days
    if rng.random() < RECENT_LEAVERS:
        return today - timedelta(days=rng.randint(1, min(180, days)))
    return since + timedelta(days=rng.randint(1, days))
