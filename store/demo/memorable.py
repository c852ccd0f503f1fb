"""A handful of demo customers at fixed ids with fixed names and numbers, for the README and the tests.

They are the first customers of a fresh demo database (ids 1-8), whatever the seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from store.demo.batch import Batch
from store.demo.customers import Household, PersonSpec, add_customer
from store.demo.people import Pools, PostalAddress
from store.demo.story import DemoContext, StoryPlan, add_story
from store.models import CustomerStatus

ACTIVE, FORMER, PROSPECT = CustomerStatus.ACTIVE, CustomerStatus.FORMER, CustomerStatus.PROSPECT


@dataclass(frozen=True)
class MemorableHousehold:
    family: str
    home: PostalAddress
    landline: str
    members: tuple[tuple[PersonSpec, StoryPlan], ...]


MEMORABLE: tuple[MemorableHousehold, ...] = (
    MemorableHousehold(
        "García Núñez",
        PostalAddress("Calle de Serrano 41, 3º B", "Madrid", "28001", "Madrid", "ES"),
        "",
        (
            (
                PersonSpec("José", False, "+34612345678", ACTIVE, "affluent"),
                StoryPlan(("CA-PREMIUM", "CC-GOLD", "MTG-FIXED"), ticket_category="loan"),
            ),
        ),
    ),
    MemorableHousehold(
        "Rossi",
        PostalAddress("Via dei Coronari 12", "Roma", "00186", "RM", "IT"),
        "+390612345678",
        (
            (
                PersonSpec("Maria", True, "+393471234567", ACTIVE, "mass", consents=True),
                StoryPlan(
                    ("CA-CLASSIC", "CC-CLASSIC", "APP-WASHER"),
                    warranty_in_days=12,
                    ticket_category="warranty",
                ),
            ),
            (PersonSpec("Luca", False, None, ACTIVE, "student"), StoryPlan(("CA-STUDENT", "APP-LAPTOP"))),
        ),
    ),
    MemorableHousehold(
        "O'Neill",
        PostalAddress("27 Ormeau Road", "Belfast", "BT7 1EB", "County Antrim", "GB"),
        "",
        (
            (
                PersonSpec("Sean", False, "+447911123456", ACTIVE, "mass", undeliverable=True),
                StoryPlan(
                    ("CA-CLASSIC", "LOAN-CAR", "APP-TV55"), warranty_in_days=-40, ticket_category="complaint"
                ),
            ),
        ),
    ),
    MemorableHousehold(
        "Müller",
        PostalAddress("Schönhauser Allee 80", "Berlin", "10439", "Berlin", "DE"),
        "+493012345678",
        (
            (
                PersonSpec("Jürgen", False, "+4915112345678", ACTIVE, "private", vip=True),
                StoryPlan(("CA-PREMIUM", "CC-PLATINUM", "INS-LIFE", "APP-ESPRESSO"), warranty_in_days=300),
            ),
        ),
    ),
    MemorableHousehold(
        "da Silva",
        PostalAddress("Rua Augusta, 1500", "São Paulo", "01304-001", "SP", "BR"),
        "",
        (
            (
                PersonSpec("João", False, "+5511912345678", FORMER, "mass"),
                StoryPlan(("CA-CLASSIC", "CC-CLASSIC")),
            ),
        ),
    ),
    MemorableHousehold(
        "Van der Berg",
        PostalAddress("350 Fifth Avenue", "New York", "10118", "NY", "US"),
        "",
        ((PersonSpec("Emily", True, "+14155552671", PROSPECT, "affluent"), StoryPlan()),),
    ),
    MemorableHousehold(
        "D'Angelo",
        PostalAddress("Corso Buenos Aires 33", "Milano", "20124", "MI", "IT"),
        "",
        (
            (
                PersonSpec("Giulia", True, "+393331234567", ACTIVE, "small_business"),
                StoryPlan(
                    ("CA-BUSINESS", "CC-BUSINESS", "APP-FRIDGE"),
                    warranty_in_days=25,
                    ticket_category="complaint",
                ),
            ),
        ),
    ),
)

MEMORABLE_CUSTOMERS = sum(len(household.members) for household in MEMORABLE)


def add_memorable(rng: random.Random, batch: Batch, pools: dict[str, Pools], context: DemoContext) -> int:
    """Adds the memorable customers to `batch`; returns how many."""
    made = 0
    for entry in MEMORABLE:
        household = Household(pools[entry.home.country], entry.family, entry.home, entry.landline)
        for person, plan in entry.members:
            facts = add_customer(rng, batch, household, context.today, person)
            add_story(rng, batch, facts, context, plan)
            made += 1
    return made
