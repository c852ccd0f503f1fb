"""Name search: each query word expands to index tokens (exact, prefix, typo via the deletion
neighbourhood), the most selective word's postings give a small candidate set, and rapidfuzz
checks the other words and ranks. Nothing is held in memory between queries.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from store.models import Customer
from store.models.search import search_posting, search_token, search_token_key
from store.search.fold import delete_keys, fold, max_edits, prefix_end, query_words
from store.search.sync import customer_tokens
from store.search.types import Hit

PREFIX_CAP = 300
"""Tokens one typed prefix may expand to (the rarer words of a long range are left out)."""
CANDIDATE_CAP = 1500
"""Customers fetched for re-ranking; beyond it the two most selective words are intersected in SQL."""


@dataclass(frozen=True)
class WordScore:
    score: float  # 0..1
    how: str  # "exact" | "prefix" | "typo"
    edits: int = 0


def score_word(word: str, token: str) -> WordScore | None:
    """How well a typed `word` fits an index `token`: exactly, as its beginning, or within its typos."""
    if token == word:
        return WordScore(1.0, "exact")
    if token.startswith(word):
        return WordScore(0.8 + 0.15 * len(word) / len(token), "prefix")
    allowed = min(max_edits(word), max_edits(token))
    if allowed and abs(len(word) - len(token)) <= allowed:
        edits = OSA.distance(word, token, score_cutoff=allowed)
        if edits <= allowed:
            return WordScore(0.9 - 0.15 * edits, "typo", edits)
    return None


@dataclass
class Expansion:
    """The tokens one query word may stand for."""

    word: str
    tokens: dict[int, tuple[float, int]]  # token id -> (fit, df)

    @property
    def df(self) -> int:
        return sum(df for _, df in self.tokens.values())

    def best_first(self) -> list[int]:
        return sorted(self.tokens, key=lambda token_id: -self.tokens[token_id][0])


def expand(connection: sa.Connection, word: str) -> Expansion:
    """Look `word` up as an exact token, a prefix (a range scan) and a typo (deletion keys)."""
    t = search_token.c
    prefix = (
        sa.select(t.id, t.token, t.df).where(t.token >= word, t.token < prefix_end(word)).limit(PREFIX_CAP)
    )
    queries = [prefix]
    if max_edits(word):
        keys = sa.select(search_token_key.c.token_id).where(search_token_key.c.key.in_(delete_keys(word)))
        queries.append(sa.select(t.id, t.token, t.df).where(t.id.in_(keys)))
    tokens: dict[int, tuple[float, int]] = {}
    for query in queries:
        for row in connection.execute(query):
            fit = score_word(word, row.token)
            if fit is not None and row.df > 0:
                tokens[row.id] = (fit.score, row.df)
    return Expansion(word, tokens)


def _candidate_rows(connection: sa.Connection, expansions: list[Expansion]) -> list[sa.Row]:
    c = Customer.__table__.c
    p = search_posting.c
    driver, *others = sorted(expansions, key=lambda e: e.df)
    if driver.df <= CANDIDATE_CAP or not others:
        ids = _best_within_cap(driver)
        wanted = sa.select(p.customer_id).where(p.token_id.in_(ids)).distinct().limit(CANDIDATE_CAP)
    else:  # two common words ("maria garcia"): let the database intersect their postings
        wanted = (
            sa.select(p.customer_id)
            .where(p.token_id.in_(list(driver.tokens)))
            .intersect(sa.select(p.customer_id).where(p.token_id.in_(list(others[0].tokens))))
            .limit(CANDIDATE_CAP)
        )
    query = sa.select(c.id, c.given_name, c.family_name, c.display_name).where(c.id.in_(wanted))
    return list(connection.execute(query))


def _best_within_cap(expansion: Expansion) -> list[int]:
    """The best-fitting tokens whose postings together stay near the candidate cap."""
    chosen, total = [], 0
    for token_id in expansion.best_first():
        if chosen and total + expansion.tokens[token_id][1] > CANDIDATE_CAP:
            break
        chosen.append(token_id)
        total += expansion.tokens[token_id][1]
    return chosen


def assign_words(words: list[str], tokens: frozenset[str]) -> list[WordScore] | None:
    """Each query word's fit to a different token of the name (best pairs first), or None if a word
    fits nothing: "maria garcia" must not match "Henri Garcia" by reading both words as garcia."""
    pairs = sorted(
        (
            (fit, i, token)
            for i, word in enumerate(words)
            for token in tokens
            if (fit := score_word(word, token))
        ),
        key=lambda pair: -pair[0].score,
    )
    fits: dict[int, WordScore] = {}
    used: set[str] = set()
    for fit, i, token in pairs:
        if i not in fits and token not in used:
            fits[i] = fit
            used.add(token)
    return [fits[i] for i in range(len(words))] if len(fits) == len(words) else None


def _reason(display_name: str, fits: list[WordScore]) -> str:
    typos = sum(f.edits for f in fits)
    if typos:
        return f"name \u2248 {display_name} ({typos} typo{'s' if typos > 1 else ''})"
    if any(f.how == "prefix" for f in fits):
        return f"name starts like {display_name}"
    return "name matches"


def search_names(connection: sa.Connection, text: str) -> list[Hit]:
    """Customers whose name has every word of `text` (exact, begun, or misspelt), best first."""
    words = list(dict.fromkeys(query_words(text)))[:6]
    if not words:
        return []
    expansions = [expand(connection, word) for word in words]
    if any(not e.tokens for e in expansions):
        return []
    typed = " ".join(words)
    hits = []
    for row in _candidate_rows(connection, expansions):
        fits = assign_words(words, customer_tokens(row.given_name, row.family_name, row.display_name))
        if fits is not None:
            closeness = fuzz.token_sort_ratio(typed, fold(row.display_name)) / 100
            score = 95 * (sum(f.score for f in fits) / len(fits)) * (0.85 + 0.15 * closeness)
            hits.append(Hit(row.id, "name", score, _reason(row.display_name, fits)))
    hits.sort(key=lambda h: -h.score)
    return hits
