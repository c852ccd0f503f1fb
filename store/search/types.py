"""What a search hands back: plain frozen dataclasses, safe to pass to a screen or print as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TIERS = ("phone_exact", "phone_national", "phone_suffix", "ticket", "account", "email", "card", "name")
"""matched_on values, strongest first: results sort by this tier, then by score."""


@dataclass(frozen=True)
class Match:
    """One customer found, with why and how sure (score 0..100), and what the operator needs to tell
    look-alikes apart."""

    customer_id: int
    external_id: str
    display_name: str
    score: float
    matched_on: str
    reason: str
    masked_phone: str
    city: str
    age: int | None
    status: str
    last_contact: datetime | None


@dataclass(frozen=True)
class SearchResult:
    """Ranked matches; `hint` is non-empty when the input could not be searched as typed."""

    matches: list[Match]
    hint: str = ""


@dataclass(frozen=True)
class Hit:
    """A customer found by one key, before the details for display are fetched."""

    customer_id: int
    matched_on: str
    score: float
    reason: str
    phone: str | None = None  # the number that matched, shown masked instead of the primary one

    @property
    def rank(self) -> tuple[int, float]:
        return (TIERS.index(self.matched_on), -self.score)


def best_hits(hits: list[Hit], limit: int) -> list[Hit]:
    """One hit per customer (its strongest), ordered by tier then score, at most `limit`."""
    best: dict[int, Hit] = {}
    for hit in hits:
        seen = best.get(hit.customer_id)
        if seen is None or hit.rank < seen.rank:
            best[hit.customer_id] = hit
    return sorted(best.values(), key=lambda h: (h.rank, h.customer_id))[:limit]
