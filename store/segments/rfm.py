"""RFM: recency, frequency and monetary value scored 1-5 against quintile cut points of the base.

Recency is days since the customer's latest purchase or opening (any holding, closed or not),
frequency the number of holdings ever opened, monetary what they paid or borrowed (`price_paid`)
or, for accounts, the balance held. Customers with no holding at all get no score.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

QUINTILES = (0.2, 0.4, 0.6, 0.8)
NO_PURCHASES = ""


@dataclass(frozen=True)
class Breakpoints:
    """The four cut points of each measure, computed on the whole base by a full refresh."""

    recency_days: tuple[float, ...]
    frequency: tuple[float, ...]
    monetary: tuple[float, ...]

    @classmethod
    def of(
        cls, recency: Sequence[float], frequency: Sequence[float], monetary: Sequence[float]
    ) -> Breakpoints:
        def cuts(values: Sequence[float]) -> tuple[float, ...]:
            if len(values) == 0:
                return (0.0,) * len(QUINTILES)
            return tuple(float(v) for v in np.quantile(np.asarray(values, dtype=float), QUINTILES))

        return cls(cuts(recency), cuts(frequency), cuts(monetary))

    def as_json(self) -> dict[str, list[float]]:
        return {
            "recency_days": list(self.recency_days),
            "frequency": list(self.frequency),
            "monetary": list(self.monetary),
        }

    @classmethod
    def from_json(cls, raw: dict[str, list[float]]) -> Breakpoints:
        return cls(tuple(raw["recency_days"]), tuple(raw["frequency"]), tuple(raw["monetary"]))


def score_higher(value: float, cuts: tuple[float, ...]) -> int:
    """1-5: one more for every cut point the value is above (more is better). The cut points are
    quantiles, so ascending: the count of those below the value is a bisection, not a loop."""
    return 1 + bisect_left(cuts, value)


def score_lower(value: float, cuts: tuple[float, ...]) -> int:
    """1-5: one less for every cut point the value is above (fewer days is better)."""
    return 5 - bisect_left(cuts, value)


def rfm_segment(r: int, f: int) -> str:
    """The usual RFM grid on recency and frequency, named for what a marketer does with it."""
    if r >= 4 and f >= 4:
        return "champions"
    if r >= 3 and f >= 4:
        return "loyal"
    if r >= 4 and f == 1:
        return "new"
    if r >= 4:
        return "promising"
    if r <= 2 and f >= 3:
        return "at_risk"
    if r <= 2:
        return "hibernating"
    return "need_attention"


RFM_SEGMENTS = ("champions", "loyal", "new", "promising", "need_attention", "at_risk", "hibernating")
