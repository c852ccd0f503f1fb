"""What a search hands back: plain frozen dataclasses, safe to pass to a screen or print as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TIERS = (
    "phone_exact", "phone_national", "phone_suffix", "ticket", "account", "email", "card", "name", "filter",
    "dedupe",
)  # fmt: skip
"""matched_on values, strongest first: results sort by this tier, then by score ("dedupe": a
record offered as the same person, store.dedupe.likely_duplicates)."""


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
    """One hit per customer (its strongest), ordered by tier then score: the first `limit` and any
    tied with the last of them (`ranked` orders ties by the customer's details, not by id)."""
    best: dict[int, Hit] = {}
    for hit in hits:
        seen = best.get(hit.customer_id)
        if seen is None or hit.rank < seen.rank:
            best[hit.customer_id] = hit
    ordered = sorted(best.values(), key=lambda h: h.rank)
    if len(ordered) <= limit:
        return ordered
    last = _tie(ordered[limit - 1])
    return ordered[:limit] + [h for h in ordered[limit:] if _tie(h) == last]


def _tie(hit: Hit) -> tuple[int, float]:
    return (TIERS.index(hit.matched_on), -round(hit.score, 1))


STATUS_ORDER = ("active", "prospect", "former")


def rank_key(
    matched_on: str, score: float, last_contact: datetime | None, status: str, name: str, external_id: str
) -> tuple:
    """The order of `ranked`: tier and score; among equals the customer in touch most recently
    first, then active before prospect before former, then by name: never by internal id."""
    recent = -last_contact.timestamp() if last_contact else float("inf")
    order = STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)
    return (TIERS.index(matched_on), -score, recent, order, name.casefold(), external_id)


def ranked(matches: list[Match], limit: int) -> list[Match]:
    """The best `limit` of `matches` in `rank_key` order."""

    def key(m: Match) -> tuple:
        return rank_key(m.matched_on, m.score, m.last_contact, m.status, m.display_name, m.external_id)

    return sorted(matches, key=key)[:limit]
