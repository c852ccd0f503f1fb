"""Name search: each query word expands to index tokens (exact, a prefix range, typos via the
deletion neighbourhood); the database keeps the customers that have a token for every word,
starting from the most selective word, in levels (exact, prefixes, typos) so the common case
stops early; rapidfuzz re-ranks the few survivors. Nothing is kept in memory between queries.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from store.models import Customer
from store.models.search import search_name
from store.search.expansion import (
    ALL_TYPOS,
    EXACT,
    PREFIX,
    TYPOS_OF_UNKNOWN,
    Expansion,
    exact_expansions,
    prepare,
)
from store.search.fold import query_words
from store.search.scoring import assign_words, name_reason, name_score
from store.search.sync import customer_tokens
from store.search.types import Hit

CANDIDATE_CAP = 150
"""Customers matching every word that one level hands to the re-ranker."""
DRIVER_SCAN = 3500
"""Postings of the most selective word examined per typo level (in the last pass, which misspells
every word and scans the closest spellings first, half that): bounds the worst case (two short,
common prefixes such as "ca la") at the price of missing rare pairs until one more letter is typed.
At 1M customers 3500 found the same targets in the top 10 as 5000 did, with a p95 ~20% lower."""
BEGUN_SCAN = 2500
"""The same for the exact and prefix levels, which run first for every query (cutting it to 1250 did
not lower the p95: prefix queries that find fewer then fall through to the typo levels)."""


def _survivors(
    connection: sa.Connection, expansions: list[Expansion], level: int, seen: set[int], budget: int
) -> list[int]:
    """Customers with a token for every word at `level`: the most selective word's postings (at most
    `budget` of them), the other words checked on those few customers' token strings."""
    prepare(connection, expansions, level)
    if not all(expansion.can_match(level) for expansion in expansions):
        return []
    driver, *others = sorted(expansions, key=lambda e: e.df(level))
    n = search_name.c
    regex = connection.dialect.name == "postgresql"
    scanned = driver.postings(level, seen).limit(budget).subquery()
    query = (
        sa.select(scanned.c.customer_id)
        .join(search_name, n.customer_id == scanned.c.customer_id)
        .where(*(other.name_filter(n.tokens, level, regex=regex) for other in others))
    )
    return list(connection.execute(query.distinct().limit(CANDIDATE_CAP)).scalars())


def _passes(expansions: list[Expansion]) -> Iterator[tuple[int, list[Expansion]]]:
    """The levels to try, each with the known words suspected of a typo at the last level: one at a
    time first, so the other words stay exact and one of them can drive the search selectively; then
    all of them at once, for the operator who misspelt every word ("mara rosi" for Maria Rossi, where
    each word is also the beginning of other names, so none of them counts as unknown)."""
    yield EXACT, []
    yield PREFIX, []
    if any(e.typing(TYPOS_OF_UNKNOWN) for e in expansions):
        yield TYPOS_OF_UNKNOWN, []
    known = [e for e in expansions if not e.typing(TYPOS_OF_UNKNOWN)]
    for expansion in sorted(known, key=lambda e: -len(e.word)):
        yield ALL_TYPOS, [expansion]
    if len(known) > 1:
        yield ALL_TYPOS, known


def search_names(connection: sa.Connection, text: str, *, want: int = 20) -> list[Hit]:
    """Customers whose name has every word of `text` (exact, begun, or misspelt), best first."""
    words = list(dict.fromkeys(query_words(text)))[:6]
    if not words:
        return []
    expansions = exact_expansions(connection, words)
    c = Customer.__table__.c
    hits: dict[int, Hit] = {}
    for level, suspects in _passes(expansions):
        for expansion in expansions:
            expansion.suspect = any(expansion is suspect for suspect in suspects)
        budget = BEGUN_SCAN if level < TYPOS_OF_UNKNOWN else DRIVER_SCAN // (2 if len(suspects) > 1 else 1)
        ids = _survivors(connection, expansions, level, set(hits), budget)
        if ids:
            rows = connection.execute(
                sa.select(c.id, c.given_name, c.family_name, c.display_name).where(c.id.in_(ids))
            )
            for row in rows:
                fits = assign_words(words, customer_tokens(row.given_name, row.family_name, row.display_name))
                if fits is not None:
                    score = name_score(words, fits, row.display_name)
                    hits[row.id] = Hit(row.id, "name", score, name_reason(row.display_name, fits))
        if len(hits) >= want or (hits and level == TYPOS_OF_UNKNOWN):
            break  # misspelling the words that were typed right as well only adds weaker fill-ins
    return sorted(hits.values(), key=lambda h: -h.score)
