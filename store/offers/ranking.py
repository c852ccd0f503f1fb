"""Next best offer for one customer now: eligible, not suppressed, ranked by learned priority.

priority = sampled propensity (offer x segment) x value x business weight. Everything is read in
one short read session with a handful of indexed queries on this customer's rows, the active
catalogue and the segment's counters (see `facts.py`), because it runs during the screen pop.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store.db import read_session
from store.models.offers import Offer, OfferPolicy, OfferStat
from store.offers.facts import CustomerFacts, load_facts
from store.offers.propensity import Counts, order_by_priority
from store.offers.rules import Rule, parse_rule
from store.offers.suppression import POLICY_WINDOW_DAYS, contact_allowance, offer_suppression


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
    facts: CustomerFacts
    offers: list[Offer]
    decisions: list[OfferDecision]
    counts: dict[str, Counts]
    allowance: int
    policy_reason: str | None


@lru_cache(maxsize=512)
def _rule(eligibility_json: str) -> Rule | None:
    raw = json.loads(eligibility_json)
    return parse_rule(raw) if raw else None


def _evaluate(
    session: Session, customer_id: int, *, channel: str, today: date, call_id: str | None
) -> _Evaluation | None:
    offers = list(session.exec(select(Offer).where(Offer.active == True)).all())  # noqa: E712
    window = max([POLICY_WINDOW_DAYS] + [o.cooldown_days for o in offers] + [o.later_days for o in offers])
    facts = load_facts(session, customer_id, history_since=today - timedelta(days=window))
    if facts is None:
        return None
    policy = session.get(OfferPolicy, 1) or OfferPolicy()
    stats = session.exec(select(OfferStat).where(OfferStat.segment == facts.segment)).all()
    allowance, policy_reason = contact_allowance(
        facts,
        call_id=call_id,
        today=today,
        max_per_30_days=policy.max_per_30_days,
        max_per_call=policy.max_per_call,
    )
    decisions = []
    for offer in offers:
        rule = _rule(offer.eligibility)
        verdict_ok, reasons = (
            (True, ("open to every customer",)) if rule is None else _verdict(rule, facts, today)
        )
        suppressed = offer_suppression(offer, facts, channel=channel, today=today) if verdict_ok else None
        decisions.append(
            OfferDecision(offer.code, offer.title, verdict_ok, reasons, suppressed or policy_reason)
        )
    counts = {s.offer_code: Counts(s.shown, s.accepted) for s in stats}
    return _Evaluation(facts, offers, decisions, counts, allowance, policy_reason)


def _verdict(rule: Rule, facts: CustomerFacts, today: date) -> tuple[bool, tuple[str, ...]]:
    verdict = rule(facts, today)
    return verdict.ok, verdict.reasons


def explain_offers(
    engine: Engine, customer_id: int, *, channel: str = "voice", today: date | None = None
) -> list[OfferDecision]:
    """Every active offer with its eligibility and the reason it is held back, if it is."""
    with read_session(engine) as session:
        evaluation = _evaluate(
            session, customer_id, channel=channel, today=today or date.today(), call_id=None
        )
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
    with read_session(engine) as session:
        evaluation = _evaluate(
            session, customer_id, channel=channel, today=today or date.today(), call_id=call_id
        )
    if evaluation is None:
        return []
    by_code = {offer.code: offer for offer in evaluation.offers}
    open_ = {d.offer_code: d for d in evaluation.decisions if d.eligible and d.suppressed_by is None}
    ranked = order_by_priority(
        ((code, float(by_code[code].value) * by_code[code].weight) for code in open_),
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
                value=float(offer.value),
                why=list(open_[scored.code].reasons),
                acceptance_rate=counts.rate,
                presented_count=counts.shown,
                score=scored.score,
            )
        )
    return suggestions
