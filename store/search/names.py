"""Name search: the name engine's candidates first (store/search/engine.py), when it is kept and
ready; then, when they hold nothing good, the database index. There each query word expands to
index tokens (exact, a prefix range, typos via the deletion neighbourhood); the database keeps the
customers that have a token for every word, starting from the most selective word, in levels
(exact, prefixes, typos) so the common case stops early; rapidfuzz re-ranks the few survivors.
Nothing is kept in memory between queries.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from store.models import Customer
from store.models.base import table_of
from store.models.search import search_name, search_token
from store.search.engine import TOP, index_for
from store.search.expansion import (
    ALL_TYPOS,
    EXACT,
    PREFIX,
    TYPOS_OF_UNKNOWN,
    Expansion,
    exact_expansions,
    prepare,
)
from store.search.fold import max_edits, query_words
from store.search.scoring import assign_words, fit_words, name_reason, name_score
from store.search.sync import customer_tokens
from store.search.types import Hit

CANDIDATE_CAP = 150
"""Customers matching every word that one level hands to the re-ranker."""
DRIVER_SCAN = 3500
"""Postings of the most selective word examined per typo level (in the last pass, which misspells
every word and scans the closest spellings first, half that): bounds the worst case (two short,
common prefixes such as "ca la") at the price of missing rare pairs until one more letter is typed.
At 1M customers 3500 found the same targets in the top 10 as 5000 did, with a p95 ~20% lower."""
MAX_WORDS = 6
SHORT_WORD = 3
"""Letters below which a word only begins names (no typo allowed): a query holding one is half-typed,
the engine would read thousands of tokens for it to end up in BEGUN_ONLY; it goes straight to the
database index (measured at 1M: "ros ma" cost the engine as much as the database's prefix level)."""
BEGUN_ONLY = "name starts like {name}"
"""The reason of a hit whose every word only begins a token (`scoring.name_reason`). When the
engine's best hit is one and it handed over its `TOP` customers, the query is half-typed ("ros ma"
begins thousands of names): those 200 are any of them, where the database's prefix range reads the
tokens in order and the re-rank prefers the shortest completions, so the database index answers
alone (measured at 1M: recall@10 0.420 from the engine's 200, 0.435 from the database's, 0.420 from
both). Fewer than `TOP` are every name that begins so: the engine's answer stands ("Hug Sapraluur"
for Hugo Sapraluur went on through the database's levels: 8-25 ms at 1M customers, 3 from the
engine alone, the same hits)."""
LONG_WORD = 9
"""Letters from which a word may hold three typos (`fold.max_edits`): the engine reads two at most,
so the database's levels still run for such a query when the engine settled nothing."""
GOOD = 55.0
"""A hit this good reads every word, with a typo or two at most: re-spacing the query or falling
back to some of its words would only add weaker fill-ins (and cost a dozen statements)."""
VARIANTS = 4
"""Re-spaced readings of the query tried at most (joined neighbours first, then splits)."""
FALLBACK_SCAN = 1500
"""Postings the any-word fallback reads, rarest word first."""
FALLBACK_CANDIDATES = 100
"""Customers the fallback re-ranks: those holding the most words first."""
BEGUN_SCAN = 2500
"""The same for the exact and prefix levels, which run first for every query (cutting it to 1250 did
not lower the p95: prefix queries that find fewer then fall through to the typo levels)."""


def _survivors(
    connection: sa.Connection, expansions: list[Expansion], level: int, seen: set[int], budget: int
) -> tuple[list[int], bool]:
    """Customers with a token for every word at `level`: the most selective word's postings (at most
    `budget` of them), the other words checked on those few customers' token strings; and whether
    that word's postings were all read (by its df, estimated for a long prefix range)."""
    prepare(connection, expansions, level)
    if not all(expansion.can_match(level) for expansion in expansions):
        return [], True
    driver, *others = sorted(expansions, key=lambda e: e.df(level))
    n = search_name.c
    regex = connection.dialect.name == "postgresql"
    scanned = driver.postings(level, seen).limit(budget).subquery()
    query = (
        sa.select(scanned.c.customer_id)
        .join(search_name, n.customer_id == scanned.c.customer_id)
        .where(*(other.name_filter(n.tokens, level, regex=regex) for other in others))
    )
    found = list(connection.execute(query.distinct().limit(CANDIDATE_CAP)).scalars())
    return found, driver.df(level) <= budget


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


def _names_select() -> sa.Select:
    c = table_of(Customer).c
    return sa.select(c.id, c.given_name, c.family_name, c.display_name).where(
        c.id.in_(sa.bindparam("ids", expanding=True))
    )


_NAMES = _names_select()
"""Built once: building it took ~0.1 ms a re-rank, two or three of them a search."""


def _score(
    connection: sa.Connection,
    words: list[str],
    ids: list[int],
    hits: dict[int, Hit],
    *,
    partial: bool = False,
) -> None:
    """Re-rank `ids` against `words` into `hits` (keeping a customer's better hit): every word must
    fit a token of the name, or with `partial` at least one."""
    if not ids:
        return
    same: dict[tuple[str, str, str], tuple[float, str] | None] = {}  # "Maria Rossi" is scored once
    for row in connection.execute(_NAMES, {"ids": ids}):
        name = (row.given_name, row.family_name, row.display_name)
        if name not in same:
            same[name] = _fit(words, name, partial)
        fit = same[name]
        if fit is not None and (row.id not in hits or hits[row.id].score < fit[0]):
            hits[row.id] = Hit(row.id, "name", *fit)


def _fit(words: list[str], name: tuple[str, str, str], partial: bool) -> tuple[float, str] | None:
    """The score and reason of a name (given, family, display), None if it does not fit `words`."""
    fits = fit_words(words, customer_tokens(*name))
    if None in fits and not (partial and any(fits)):
        return None
    return name_score(words, fits, name[2]), name_reason(name[2], fits)


def _every_word(
    connection: sa.Connection, words: list[str], want: int, hits: dict[int, Hit], *, deepest: int = ALL_TYPOS
) -> list[Expansion]:
    """Customers with a token for every word, level by level (to `deepest`) until `want` are found."""
    expansions = exact_expansions(connection, words)
    before = len(hits)
    for level, suspects in _passes(expansions):
        if level > deepest:
            break
        for expansion in expansions:
            expansion.suspect = any(expansion is suspect for suspect in suspects)
        budget = BEGUN_SCAN if level < TYPOS_OF_UNKNOWN else DRIVER_SCAN // (2 if len(suspects) > 1 else 1)
        found, whole = _survivors(connection, expansions, level, set(hits), budget)
        _score(connection, words, found, hits)
        enough = level == TYPOS_OF_UNKNOWN or (whole and level == _half_typed(words))
        if len(hits) >= want or (len(hits) > before and enough):
            break  # misspelling the words that were typed right as well only adds weaker fill-ins
    return expansions


def _half_typed(words: list[str]) -> int | None:
    """PREFIX for a query holding a word shorter than `SHORT_WORD` ("cas lo"): once it has read every
    name that begins so and found some, the letters still to come tell them apart; misspelling the
    other words would only add weaker fill-ins, at the price of the typo levels (measured at 1M:
    "inf lu" 30 ms, 21 of them there). A scan cut short goes on: the typo levels read the postings
    from another word, and found the person it missed (2 of 200 prefix queries at 1M)."""
    return PREFIX if min(map(len, words)) < SHORT_WORD else None


def _variants(connection: sa.Connection, words: list[str]) -> list[list[str]]:
    """The query re-spaced: adjacent words joined ("jo hn" -> "john", "de la vega" -> "delavega"),
    and a word split where both halves are names in the index ("johnsmith" -> "john smith")."""
    joined = [words[:i] + [words[i] + words[i + 1]] + words[i + 2 :] for i in range(len(words) - 1)]
    cuts = [(n, k) for n, word in enumerate(words) for k in range(2, len(word) - 1)]
    halves = {half for n, k in cuts for half in (words[n][:k], words[n][k:])}
    t = search_token.c
    known = (
        set(connection.execute(sa.select(t.token).where(t.token.in_(halves), t.df > 0)).scalars())
        if halves
        else set()
    )
    split = [
        words[:n] + [words[n][:k], words[n][k:]] + words[n + 1 :]
        for n, k in cuts
        if words[n][:k] in known and words[n][k:] in known
    ]
    split.sort(key=lambda variant: -min(map(len, variant)))  # "john smith" before "j ohnsmith"
    return (joined + split)[:VARIANTS]


def _any_word(
    connection: sa.Connection, words: list[str], expansions: list[Expansion], hits: dict[int, Hit]
) -> None:
    """Customers holding some of the words (exact, begun or misspelt), rarest word first and bounded:
    a right surname after a wrong given name still finds the person. Ranked by the words that fit."""
    for expansion in expansions:
        expansion.suspect = True
    prepare(connection, expansions, ALL_TYPOS)
    held: dict[int, int] = {}  # customer -> words held, in the order first read (rarest word first)
    budget = FALLBACK_SCAN
    for expansion in sorted((e for e in expansions if e.can_match(ALL_TYPOS)), key=lambda e: e.df(ALL_TYPOS)):
        if budget <= 0:
            break
        ids = connection.execute(expansion.postings(ALL_TYPOS, set(hits)).limit(budget)).scalars().all()
        budget -= len(ids)
        for customer_id in ids:
            held[customer_id] = held.get(customer_id, 0) + 1
    best = sorted(held, key=lambda customer_id: -held[customer_id])[:FALLBACK_CANDIDATES]
    _score(connection, words, best, hits, partial=True)


def search_names(connection: sa.Connection, text: str, *, want: int = 20) -> list[Hit]:
    """Customers whose name has every word of `text` (exact, begun, or misspelt), best first; when
    fewer than `want` fit that well, the query re-spaced, then customers holding some of its words."""
    words = list(dict.fromkeys(query_words(text)))[:MAX_WORDS]
    if not words:
        return []
    hits: dict[int, Hit] = {}
    served = _from_engine(connection, words, want, hits)
    if _settled(hits, want):
        return _ranked(hits)
    if served and max(map(len, words)) < LONG_WORD:  # the engine read every word as these levels do
        expansions = exact_expansions(connection, words)
    else:
        expansions = _every_word(connection, words, want, hits)
    if _settled(hits, want):
        return _ranked(hits)
    for variant in _variants(connection, words):
        _every_word(connection, variant[:MAX_WORDS], want, hits, deepest=TYPOS_OF_UNKNOWN)
        if _settled(hits, want):
            return _ranked(hits)
    _any_word(connection, words, expansions, hits)
    return _ranked(hits)


def _from_engine(connection: sa.Connection, words: list[str], want: int, hits: dict[int, Hit]) -> bool:
    """The name engine's customers with every word (exact, begun or one typo; then two typos
    unless that settled it), and those written since its stamp whose tokens hold every word, all
    scored from the database's current names (so a customer renamed or erased since the engine
    saw it is dropped). False when the engine is off or not ready, or a word is too short for it."""
    if min(map(len, words)) < SHORT_WORD:
        return False
    index = index_for(connection.engine)
    serving = index.serving(connection) if index else None
    if serving is None:
        return False
    written = [cid for cid, tokens in serving.delta if assign_words(words, frozenset(tokens.split()))]
    first = serving.candidates(words, 1)
    _score(connection, words, first + written, hits)
    if len(first) >= TOP and hits and getattr(_ranked(hits)[0].reason, "msgid", "") == BEGUN_ONLY:
        hits.clear()  # see BEGUN_ONLY
        return False
    if not _settled(hits, want) and any(max_edits(word) >= 2 for word in words):
        _score(connection, words, serving.candidates(words, 2), hits)
    return True


def _settled(hits: dict[int, Hit], want: int) -> bool:
    """Enough hits, or a good one: no need to read the query otherwise."""
    return len(hits) >= want or any(hit.score >= GOOD for hit in hits.values())


def _ranked(hits: dict[int, Hit]) -> list[Hit]:
    return sorted(hits.values(), key=lambda h: -h.score)
