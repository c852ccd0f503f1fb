"""The retention part of `callpop bench offers`: do retention offers ranked by churn risk keep
more of the customers at risk than the same offers ranked on their value, or none at all?

A simulation, not a measurement of real customers. Each call is a customer with a churn risk drawn
from a skewed distribution (most low, a tail high) and a few eligible sales offers; customers at
or above the retention rule's threshold (`churn_risk >= RULE_RISK`) are also eligible for the
retention offer. One offer is made per call, ranked by the real ranking core
(`store.offers.propensity.order_by_priority` on `store.offers.ranking.worth`) with well-known
acceptance rates, so only the worth differs between the policies:

- `risk_ranked`: the retention offer's worth is value x weight x churn risk (what callpop does);
- `value_only`: its worth is value x weight, the same for every customer it is eligible for;
- `no_retention`: it is never made (the control).

The outcome is simulated on the same draws for every policy (a paired comparison): an offer is
accepted with its acceptance rate; the customer leaves with a probability equal to their risk (a
calibrated model is assumed), halved when they accepted a retention offer.
"""

from __future__ import annotations

import random
from typing import Any

from store.offers.propensity import Counts, order_by_priority
from store.offers.ranking import RETENTION, worth

RULE_RISK = 0.10
RETENTION_VALUE = 400.0
RETENTION_ACCEPTANCE = 0.4
EFFECT = 0.5
"""An accepted retention offer multiplies the chance of leaving by this."""
SALES_OFFERS = 8
KNOWN = 100_000
"""Presentations behind each offer's counters: its acceptance is known, not explored."""
POLICIES = ("risk_ranked", "value_only", "no_retention")


def simulate_retention(calls: int, seed: int) -> dict[str, Any]:
    """Churn among the customers at risk under each policy, on the same simulated calls."""
    rng = random.Random(seed + 3)
    values = {f"S{i}": round(20 * 15 ** rng.random(), 2) for i in range(SALES_OFFERS)}  # 20 .. 300
    acceptance = {code: rng.uniform(0.05, 0.25) for code in values} | {"RETAIN": RETENTION_ACCEPTANCE}
    counts = {code: Counts(KNOWN, round(rate * KNOWN)) for code, rate in acceptance.items()}
    totals = {p: {"retention_offers": 0, "churned_at_risk": 0, "sales_value": 0.0} for p in POLICIES}
    at_risk = 0
    choose = {policy: random.Random(seed + 4) for policy in POLICIES}
    for _ in range(calls):
        risk = rng.betavariate(0.7, 6)
        eligible = [code for code in values if rng.random() < 0.4] or [rng.choice(list(values))]
        accept_roll, leave_roll = rng.random(), rng.random()
        if risk >= RULE_RISK:
            at_risk += 1
        for policy in POLICIES:
            pick = _pick(policy, eligible, values, risk, counts, choose[policy])
            accepted = accept_roll < acceptance[pick]
            kept = pick == "RETAIN" and accepted
            if pick == "RETAIN":
                totals[policy]["retention_offers"] += 1
            elif accepted:
                totals[policy]["sales_value"] += values[pick]
            if risk >= RULE_RISK and leave_roll < risk * (EFFECT if kept else 1.0):
                totals[policy]["churned_at_risk"] += 1
    control = totals["no_retention"]["churned_at_risk"]
    policies = {
        policy: {
            "retention_offers": t["retention_offers"],
            "churned_at_risk": t["churned_at_risk"],
            "churn_rate_at_risk": round(t["churned_at_risk"] / max(1, at_risk), 4),
            "kept_vs_control": control - t["churned_at_risk"],
            "kept_per_100_retention_offers": round(
                100 * (control - t["churned_at_risk"]) / max(1, t["retention_offers"]), 2
            ),
            "sales_value_accepted": round(t["sales_value"], 0),
        }
        for policy, t in totals.items()
    }
    ranked, flat = policies["risk_ranked"], policies["value_only"]
    return {
        "calls": calls,
        "at_risk_customers": at_risk,
        "rule": f"churn_risk >= {RULE_RISK}",
        "assumptions": {
            "risk": "beta(0.7, 6) per customer: mean about 10%, a long tail",
            "leaves_with_probability": "the customer's churn risk (a calibrated model)",
            "retention_offer": {
                "value": RETENTION_VALUE,
                "acceptance": RETENTION_ACCEPTANCE,
                "effect": f"an accepted one multiplies the chance of leaving by {EFFECT}",
            },
            "sales_offers": f"{SALES_OFFERS}, worth 20-300, acceptance 5-25%, each eligible at 40%",
            "offers_per_call": 1,
            "outcome": "simulated, paired (the same draws for every policy)",
        },
        "ranking_code": "store.offers.ranking.worth + store.offers.propensity.order_by_priority",
        "policies": policies,
        "retention_lift": {
            "churn_at_risk_reduction_vs_control": round(1 - ranked["churned_at_risk"] / max(1, control), 4),
            "kept_per_offer_vs_value_only": round(
                ranked["kept_per_100_retention_offers"] / max(0.01, flat["kept_per_100_retention_offers"]), 3
            ),
        },
    }


def _pick(
    policy: str,
    eligible: list[str],
    values: dict[str, float],
    risk: float,
    counts: dict[str, Counts],
    rng: random.Random,
) -> str:
    """The offer `policy` makes: the best of the eligible ones by sampled propensity x worth."""
    candidates = [(code, worth(values[code], 1.0, "sales", risk)) for code in eligible]
    if risk >= RULE_RISK and policy != "no_retention":
        by_risk = worth(RETENTION_VALUE, 1.0, RETENTION, risk)
        candidates.append(("RETAIN", by_risk if policy == "risk_ranked" else RETENTION_VALUE))
    return order_by_priority(candidates, counts, rng)[0].code
