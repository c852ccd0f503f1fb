"""Learned propensity: a Beta-Bernoulli model per offer and segment, sampled (Thompson sampling).

Each offer starts from a prior of Beta(1, 3) (about one in four, and very unsure), so a new offer
gets a fair chance to be shown; as answers come in, the posterior narrows and offers customers
actually take rise. Sampling instead of using the mean keeps exploring offers that might be
better, which a fixed value-only order never does.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PRIOR_ACCEPTED = 1.0
PRIOR_NOT_ACCEPTED = 3.0


@dataclass(frozen=True)
class Counts:
    """Answers so far for one offer in one segment ("shown" excludes offers never read out)."""

    shown: int = 0
    accepted: int = 0

    @property
    def rate(self) -> float | None:
        return self.accepted / self.shown if self.shown else None


def sample_propensity(counts: Counts, rng: random.Random) -> float:
    """One draw from the posterior acceptance probability."""
    return rng.betavariate(
        PRIOR_ACCEPTED + counts.accepted, PRIOR_NOT_ACCEPTED + counts.shown - counts.accepted
    )


@dataclass(frozen=True)
class Scored:
    code: str
    score: float


def order_by_priority(
    candidates: Iterable[tuple[str, float]],
    counts: Mapping[str, Counts],
    rng: random.Random,
) -> list[Scored]:
    """Candidates (code, value x business weight), best first by sampled propensity x worth."""
    scored = [
        Scored(code, sample_propensity(counts.get(code, Counts()), rng) * worth) for code, worth in candidates
    ]
    return sorted(scored, key=lambda s: s.score, reverse=True)
