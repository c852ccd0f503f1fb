"""What one typed word may stand for in the token index, looked up lazily level by level:
exact token first, then the prefix range, then misspellings (the deletion neighbourhood)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from store.models.search import search_posting, search_token, search_token_key
from store.search.fold import max_edits, prefix_end, probe_keys
from store.search.scoring import score_word

PREFIX_PROBE = 200
"""Tokens whose df is summed to estimate a prefix's reach; a longer range is extrapolated."""
TYPO_CAP = 40
"""Misspellings tried for a word that does not drive the search: the closest, then most common."""
SURE_WORD = 5
"""Letters from which a word that only begins some names is taken as complete (and maybe misspelt)."""
EXACT, PREFIX, TYPOS_OF_UNKNOWN, ALL_TYPOS = 0, 1, 2, 3
"""Levels: exact tokens; + prefixes; + typos of words with no exact token; + typos of every word."""


@dataclass
class Expansion:
    """The tokens one query word may stand for, and how many customers each level reaches."""

    word: str
    exact: int | None = None
    exact_df: int = 0
    prefix_df: int | None = None  # None until looked up
    typos: dict[int, tuple[str, int]] | None = None  # id -> (token, df), outside the prefix range
    suspect: bool = True  # at ALL_TYPOS: misspell this word too (one known word at a time, then all)

    def typing(self, level: int) -> bool:
        """Whether misspellings of this word are tried at `level`: from the typo level on for a word
        unknown as typed (a short word that begins some name is being typed, not misspelt); at the
        last level also for a known word suspected of being a misspelling of another name."""
        if level < TYPOS_OF_UNKNOWN:
            return False
        unknown = self.exact is None and (not self.prefix_df or len(self.word) >= SURE_WORD)
        return unknown or (level >= ALL_TYPOS and self.suspect)

    def df(self, level: int) -> int:
        typos = sum(df for _, df in (self.typos or {}).values()) if self.typing(level) else 0
        return (self.prefix_df or 0 if level >= PREFIX else self.exact_df) + typos

    def can_match(self, level: int) -> bool:
        return bool(self.exact or (level >= PREFIX and self.prefix_df) or (self.typing(level) and self.typos))

    def name_filter(self, tokens: sa.Column, level: int, *, regex: bool) -> sa.ColumnElement[bool]:
        """A search_name.tokens string (" tok1 tok2 ") holds a token this word may stand for: one
        regular expression where the database has fast ones (PostgreSQL), else a few LIKEs."""
        typos = []
        if self.typing(level) and self.typos:
            closest = sorted(self.typos.values(), key=lambda typo: (_edits(self.word, typo[0]), -typo[1]))
            typos = [token for token, _ in closest[:TYPO_CAP]]
        if regex:
            alternatives = [self.word if level == EXACT else self.word + "[^ ]*", *typos]
            return tokens.regexp_match(f" ({'|'.join(alternatives)}) ")
        patterns = [f"% {self.word}{' ' if level == EXACT else ''}%", *(f"% {token} %" for token in typos)]
        # A few fixed list lengths, so the statement compiles once per shape rather than per query.
        size = next(n for n in (1, 4, 16, TYPO_CAP + 1) if n >= len(patterns))
        patterns += patterns[-1:] * (size - len(patterns))
        return sa.or_(*(tokens.like(pattern) for pattern in patterns))

    def postings(self, level: int, seen: set[int]) -> sa.CompoundSelect | sa.Select:
        """Customer ids holding a token this word may stand for at `level` (but not `seen`): listed
        tokens and the prefix range as separate index scans, which both planners drive by index.
        The exact token and 1-edit typos come first, 2-edit typos next, the range last: when the
        scan is cut short (a common name misspelt), the closest spellings were read."""
        p, t = search_posting.c, search_token.c
        ranged = level >= PREFIX and bool(self.prefix_df)
        close = [self.exact] if self.exact and not ranged else []
        far: list[int] = []
        for token_id, (token, _) in (self.typos or {}).items() if self.typing(level) else ():
            (close if _edits(self.word, token) <= 1 else far).append(token_id)
        parts = [sa.select(p.customer_id).where(p.token_id.in_(ids)) for ids in (close, far) if ids]
        if ranged:
            in_range = (t.token >= self.word, t.token < prefix_end(self.word))
            parts.append(sa.select(p.customer_id).join(search_token, t.id == p.token_id).where(*in_range))
        if seen:
            parts = [part.where(p.customer_id.not_in(seen)) for part in parts]
        return parts[0] if len(parts) == 1 else sa.union_all(*parts)


def exact_expansions(connection: sa.Connection, words: list[str]) -> list[Expansion]:
    """One Expansion per word with its exact token looked up (all words in one query)."""
    t = search_token.c
    rows = connection.execute(sa.select(t.id, t.token, t.df).where(t.token.in_(words), t.df > 0))
    exact = {row.token: row for row in rows}
    return [Expansion(w, exact[w].id, exact[w].df) if w in exact else Expansion(w) for w in words]


def prepare(connection: sa.Connection, expansions: list[Expansion], level: int) -> None:
    """Run the lookups `level` needs that were not run yet, one statement per kind for all words."""
    t = search_token.c
    ranges = [e for e in expansions if level >= PREFIX and e.prefix_df is None]
    if ranges:
        probes = []
        for n, e in enumerate(ranges):
            probe = sa.select(t.df).where(t.token >= e.word, t.token < prefix_end(e.word)).limit(PREFIX_PROBE)
            sample = probe.subquery()
            probes.append(sa.select(sa.literal(n), sa.func.sum(sample.c.df), sa.func.count()))
        for n, sampled, probed in connection.execute(sa.union_all(*probes)):
            e = ranges[n]
            e.prefix_df = int(sampled or 0)
            if probed == PREFIX_PROBE:  # a long range: scale the sample by its length (index-only count)
                in_range = (t.token >= e.word, t.token < prefix_end(e.word))
                e.prefix_df = (
                    e.prefix_df
                    * connection.execute(sa.select(sa.func.count()).where(*in_range)).scalar_one()
                    // PREFIX_PROBE
                )
    typing = [e for e in expansions if e.typing(level) and e.typos is None]
    for e in typing:
        e.typos = {}
    by_key: dict[int, list[Expansion]] = {}
    for e in typing:
        for key in probe_keys(e.word) if max_edits(e.word) else ():
            by_key.setdefault(key, []).append(e)
    if not by_key:
        return
    k = search_token_key.c
    rows = connection.execute(
        sa.select(k.key, t.id, t.token, t.df)
        .join(search_token, t.id == k.token_id)
        .where(k.key.in_(list(by_key)), t.df > 0)
    )
    for row in rows:
        for e in by_key[row.key]:
            fit = score_word(e.word, row.token)
            if fit is not None and fit.how == "typo":
                e.typos = e.typos or {}
                e.typos[row.id] = (row.token, row.df)


def _edits(word: str, token: str) -> int:
    fit = score_word(word, token)
    return fit.edits if fit else 9
