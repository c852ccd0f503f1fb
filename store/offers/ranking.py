"""Next best offer for one customer now: eligible, not suppressed, ranked by learned priority.

priority = sampled propensity (offer x segment) x worth, where worth is value x business weight,
and for a retention offer also the customer's churn risk (`worth`): what it keeps is worth more
the likelier the customer is to leave, so retention offers rank by the risk. Everything is read in
one short read transaction: a handful of indexed queries on this customer's rows (`facts.py`),
the segment's counters, and the catalogue from a per-engine cache (`active.py`), because it runs
during the screen pop.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.languages import Localised, pick_text
from store.models.base import table_of
from store.models.offers import OfferStat
from store.offers.active import ActiveOffer, active_catalogue
from store.offers.facts import load_facts
from store.offers.propensity import Counts, order_by_priority
from store.offers.rules import Verdict
from store.offers.suppression import contact_allowance, offer_suppression


@dataclass(frozen=True)
class OfferSuggestion:
    """An offer to make now, with the facts that made it eligible and how it has done so far."""

    offer_code: str
    title: str
    script: str
    value: float
    why: list[str]
    acceptance_rate: float | None
    presented_count: int
    score: float
    titles: dict[str, str] = field(default_factory=dict)
    """The title in other languages (the catalogue's translations); `title` is the default."""
    scripts: dict[str, str] = field(default_factory=dict)
    """The script in other languages; `script` is the default."""

    def title_in(self, *languages: str | None) -> Localised:
        """The title in the first of `languages` the catalogue has (the operator's), else the
        default one marked as a fallback."""
        return pick_text(self.title, self.titles, *languages)

    def script_in(self, *languages: str | None) -> Localised:
        """The script to read out: pass the customer's language first, then the operator's."""
        return pick_text(self.script, self.scripts, *languages)


@dataclass(frozen=True)
class OfferDecision:
    """What was decided about one active offer, for `callpop offers for --all`."""

    offer_code: str
    title: str
    eligible: bool
    reasons: tuple[str, ...]
    suppressed_by: str | None


@dataclass(frozen=True)
class _Evaluation:
    offers: dict[str, ActiveOffer]
    decisions: list[OfferDecision]
    counts: dict[str, Counts]
    allowance: int
    churn_risk: float | None


RETENTION = "retention"


def worth(value: float, weight: float, category: str, churn_risk: float | None) -> float:
    """What making an offer is worth before its propensity: value x weight, times the churn risk
    for a retention offer (not scored yet: nothing to keep)."""
    if category == RETENTION:
        return value * weight * (churn_risk or 0.0)
    return value * weight


_stat = table_of(OfferStat).c
_STATS = sa.select(_stat.offer_code, _stat.shown, _stat.accepted).where(
    _stat.segment == sa.bindparam("segment")
)


def _evaluate(
    engine: Engine, customer_id: int, *, channel: str, today: date, call_id: str | None
) -> _Evaluation | None:
    """Every active offer decided for this customer, in one read transaction."""
    with engine.connect() as connection:
        catalogue = active_catalogue(engine, connection)
        since = today - timedelta(days=catalogue.history_days)
        facts = load_facts(connection, customer_id, history_since=since)
        if facts is None:
            return None
        counts = {
            row.offer_code: Counts(row.shown, row.accepted)
            for row in connection.execute(_STATS, {"segment": facts.segment})
        }
    allowance, policy_reason = contact_allowance(
        facts,
        call_id=call_id,
        today=today,
        max_per_30_days=catalogue.max_per_30_days,
        max_per_call=catalogue.max_per_call,
    )
    decisions = []
    for offer in catalogue.offers:
        verdict = offer.rule(facts, today) if offer.rule else Verdict(True, ("open to every customer",))
        suppressed = offer_suppression(offer, facts, channel=channel, today=today) if verdict.ok else None
        decisions.append(
            OfferDecision(offer.code, offer.title, verdict.ok, verdict.reasons, suppressed or policy_reason)
        )
    return _Evaluation({o.code: o for o in catalogue.offers}, decisions, counts, allowance, facts.churn_risk)


def explain_offers(
    engine: Engine, customer_id: int, *, channel: str = "voice", today: date | None = None
) -> list[OfferDecision]:
    """Every active offer with its eligibility and the reason it is held back, if it is."""
    evaluation = _evaluate(engine, customer_id, channel=channel, today=today or date.today(), call_id=None)
    return evaluation.decisions if evaluation else []


def rank_offers(
    engine: Engine,
    customer_id: int,
    *,
    channel: str = "voice",
    today: date | None = None,
    limit: int = 3,
    call_id: str | None = None,
    rng: random.Random | None = None,
) -> list[OfferSuggestion]:
    """The best offers for this customer now, best first; [] for an unknown customer or none left."""
    evaluation = _evaluate(engine, customer_id, channel=channel, today=today or date.today(), call_id=call_id)
    if evaluation is None:
        return []
    by_code = evaluation.offers
    open_ = {d.offer_code: d for d in evaluation.decisions if d.eligible and d.suppressed_by is None}
    ranked = order_by_priority(
        (
            (
                code,
                worth(
                    by_code[code].value, by_code[code].weight, by_code[code].category, evaluation.churn_risk
                ),
            )
            for code in open_
        ),
        evaluation.counts,
        rng or random.Random(),
    )
    suggestions = []
    for scored in ranked[: max(0, min(limit, evaluation.allowance))]:
        offer, counts = by_code[scored.code], evaluation.counts.get(scored.code, Counts())
        suggestions.append(
            OfferSuggestion(
                offer_code=offer.code,
                title=offer.title,
                script=offer.script,
                value=offer.value,
                why=list(open_[scored.code].reasons),
                acceptance_rate=counts.rate,
                presented_count=counts.shown,
                score=scored.score,
                titles=offer.titles,
                scripts=offer.scripts,
            )
        )
    return suggestions
