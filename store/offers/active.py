"""The active catalogue as plain, parsed objects, cached per engine until the next load.

Ranking runs on every screen pop; re-reading and re-parsing 50 offers each time cost more than
the customer's own queries. A load (`loader.py`) stamps every active offer's `loaded_at`, so the
pair (count, newest loaded_at) changes with each load and one tiny query tells whether the cache
is still right.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.models.base import table_of
from store.models.offers import Offer, OfferPolicy
from store.offers.rules import Rule, parse_rule


@dataclass(frozen=True)
class ActiveOffer:
    """One active offer, detached from the session, with its rule parsed."""

    code: str
    title: str
    script: str
    category: str
    product_code: str
    value: float
    weight: float
    valid_from: date | None
    valid_to: date | None
    channels: frozenset[str]
    cooldown_days: int
    later_days: int
    rule: Rule | None
    titles: dict[str, str] = field(default_factory=dict)
    """The title per language (the catalogue's translations); `title` is the default."""
    scripts: dict[str, str] = field(default_factory=dict)
    """The script per language; `script` is the default."""


@dataclass(frozen=True)
class ActiveCatalogue:
    offers: tuple[ActiveOffer, ...]
    max_per_30_days: int
    max_per_call: int

    @property
    def history_days(self) -> int:
        """How far back a customer's answers matter: the longest cool-down, delay or policy window."""
        return max([30] + [o.cooldown_days for o in self.offers] + [o.later_days for o in self.offers])


_offer = table_of(Offer).c
_STATE = sa.select(sa.func.count(), sa.func.max(_offer.loaded_at)).where(_offer.active == sa.true())
_OFFERS = sa.select(table_of(Offer)).where(_offer.active == sa.true())
_POLICY = sa.select(table_of(OfferPolicy)).where(table_of(OfferPolicy).c.id == 1)
_cache: weakref.WeakKeyDictionary[Engine, tuple[Any, ActiveCatalogue]] = weakref.WeakKeyDictionary()


def active_catalogue(engine: Engine, connection: sa.Connection) -> ActiveCatalogue:
    """The active offers and contact policy, re-read only when a load has changed them."""
    state = tuple(connection.execute(_STATE).one())
    cached = _cache.get(engine)
    if cached is not None and cached[0] == state:
        return cached[1]
    policy = connection.execute(_POLICY).first()
    catalogue = ActiveCatalogue(
        offers=tuple(_active(row) for row in connection.execute(_OFFERS)),
        max_per_30_days=policy.max_per_30_days if policy else OfferPolicy().max_per_30_days,
        max_per_call=policy.max_per_call if policy else OfferPolicy().max_per_call,
    )
    _cache[engine] = (state, catalogue)
    return catalogue


def _active(row: sa.Row[Any]) -> ActiveOffer:
    raw = json.loads(row.eligibility or "{}")
    translations = json.loads(row.translations or "{}")
    return ActiveOffer(
        code=row.code,
        title=row.title,
        script=row.script,
        category=row.category,
        product_code=row.product_code,
        value=float(row.value),
        weight=row.weight,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        channels=frozenset(row.channels.split(",")),
        cooldown_days=row.cooldown_days,
        later_days=row.later_days,
        rule=parse_rule(raw) if raw else None,
        titles=_per_language(translations, "title"),
        scripts=_per_language(translations, "script"),
    )


def _per_language(translations: dict[str, dict[str, str]], name: str) -> dict[str, str]:
    return {language: texts[name] for language, texts in translations.items() if name in texts}
