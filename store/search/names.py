"""Name search: each query word expands to index tokens (exact, a prefix range, typos via the
deletion neighbourhood); the database keeps the customers that have a token for every word,
starting from the most selective word, in tiers (exact, then prefixes, then typos) so that the
common case stops early; rapidfuzz re-ranks the few survivors. Nothing is kept in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from store.models import Customer
from store.models.search import search_name, search_posting, search_token, search_token_key
from store.search.fold import delete_keys, max_edits, prefix_end, query_words
from store.search.scoring import assign_words, name_reason, name_score, score_word
from store.search.sync import customer_tokens
from store.search.types import Hit

CANDIDATE_CAP = 200
"""Customers matching every word that one tier hands to the re-ranker."""
TYPO_CAP = 16
"""Misspellings tried for a word that does not drive the search: its most common readings."""
LEVELS = (0, 1, 2)  # exact tokens only; + prefixes; + typos


@dataclass
class Expansion:
    """The tokens one query word may stand for, and how many customers each level reaches."""

    word: str
    exact: int | None = None
    exact_df: int = 0
    prefix_df: int = 0  # customers behind every token in the prefix range (includes the exact one)
    typos: dict[int, tuple[str, int]] = field(default_factory=dict)  # id -> (token, df), outside the range

    def df(self, level: int) -> int:
        return (self.prefix_df if level else self.exact_df) + (
            sum(df for _, df in self.typos.values()) if level > 1 else 0
        )

    def can_match(self, level: int) -> bool:
        return bool(self.exact or (level and self.prefix_df) or (level > 1 and self.typos))

    def name_filter(self, tokens: sa.Column, level: int) -> sa.ColumnElement[bool]:
        """A search_name.tokens string holds a token this word may stand for at `level`."""
        clauses = [tokens.like(f"% {self.word}{' ' if level == 0 else ''}%")]
        if level > 1:
            likely = sorted(self.typos.values(), key=lambda typo: -typo[1])[:TYPO_CAP]
            clauses += [tokens.like(f"% {token} %") for token, _ in likely]
        return sa.or_(*clauses)

    def token_filter(self, column: sa.Column, level: int) -> sa.ColumnElement[bool] | None:
        """`column` holds a token this word may stand for at `level` (None: nothing can match)."""
        t = search_token.c
        ids = [self.exact] if self.exact and not (level and self.prefix_df) else []
        ids += list(self.typos) if level > 1 else []
        clauses = [column.in_(ids)] if ids else []
        if level and self.prefix_df:
            in_range = sa.select(t.id).where(t.token >= self.word, t.token < prefix_end(self.word))
            clauses.append(column.in_(in_range))
        return sa.or_(*clauses) if clauses else None


def expand(connection: sa.Connection, word: str) -> Expansion:
    """Look `word` up as an exact token, a prefix (a range on the token index) and a typo."""
    t = search_token.c
    found = Expansion(word)
    exact = connection.execute(sa.select(t.id, t.df).where(t.token == word)).first()
    if exact is not None and exact.df > 0:
        found.exact, found.exact_df = exact.id, exact.df
    in_range = sa.select(sa.func.coalesce(sa.func.sum(t.df), 0)).where(
        t.token >= word, t.token < prefix_end(word)
    )
    found.prefix_df = int(connection.execute(in_range).scalar_one())
    if max_edits(word):
        keys = sa.select(search_token_key.c.token_id).where(search_token_key.c.key.in_(delete_keys(word)))
        for row in connection.execute(sa.select(t.id, t.token, t.df).where(t.id.in_(keys), t.df > 0)):
            fit = score_word(word, row.token)
            if fit is not None and fit.how == "typo":
                found.typos[row.id] = (row.token, row.df)
    return found


def _survivors(
    connection: sa.Connection, expansions: list[Expansion], level: int, seen: set[int]
) -> list[int]:
    """Customers with a token for every word at `level`: the most selective word's postings, the
    other words checked on those few customers' token strings."""
    if not all(expansion.can_match(level) for expansion in expansions):
        return []
    driver, *others = sorted(expansions, key=lambda e: e.df(level))
    p, n = search_posting.c, search_name.c
    query = (
        sa.select(p.customer_id)
        .join(search_name, n.customer_id == p.customer_id)
        .where(
            driver.token_filter(p.token_id, level), *(other.name_filter(n.tokens, level) for other in others)
        )
    )
    if seen:
        query = query.where(p.customer_id.not_in(seen))
    return list(connection.execute(query.distinct().limit(CANDIDATE_CAP)).scalars())


def search_names(connection: sa.Connection, text: str, *, want: int = 20) -> list[Hit]:
    """Customers whose name has every word of `text` (exact, begun, or misspelt), best first."""
    words = list(dict.fromkeys(query_words(text)))[:6]
    if not words:
        return []
    expansions = [expand(connection, word) for word in words]
    c = Customer.__table__.c
    hits: dict[int, Hit] = {}
    for level in LEVELS:
        ids = _survivors(connection, expansions, level, set(hits))
        if not ids:
            continue
        rows = connection.execute(
            sa.select(c.id, c.given_name, c.family_name, c.display_name).where(c.id.in_(ids))
        )
        for row in rows:
            fits = assign_words(words, customer_tokens(row.given_name, row.family_name, row.display_name))
            if fits is not None:
                score = name_score(words, fits, row.display_name)
                hits[row.id] = Hit(row.id, "name", score, name_reason(row.display_name, fits))
        if len(hits) >= want:
            break
    return sorted(hits.values(), key=lambda h: -h.score)
