"""How well typed words fit a customer's name tokens: the re-ranking half of name search."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from store.messages import N_, ngettext
from store.search.fold import fold, max_edits


@dataclass(frozen=True)
class WordScore:
    score: float  # 0..1
    how: str  # "exact" | "prefix" | "typo"
    edits: int = 0


@lru_cache(maxsize=16384)  # the same given names and surnames come back query after query
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
            return WordScore(0.75 - 0.1 * edits, "typo", edits)
    return None


def fit_words(words: list[str], tokens: frozenset[str]) -> list[WordScore | None]:
    """Each query word's fit to a different token of the name (best pairs first), None for a word
    that fits no token: "maria garcia" must not match "Henri Garcia" by reading both words as garcia."""
    pairs = [(fit, i, t) for i, word in enumerate(words) for t in tokens if (fit := score_word(word, t))]
    pairs.sort(key=lambda pair: -pair[0].score)
    fits: dict[int, WordScore] = {}
    used: set[str] = set()
    for fit, i, token in pairs:
        if i not in fits and token not in used:
            fits[i] = fit
            used.add(token)
    return [fits.get(i) for i in range(len(words))]


def assign_words(words: list[str], tokens: frozenset[str]) -> list[WordScore] | None:
    """The fits of `fit_words` when every word fits a token of the name, else None."""
    fits = fit_words(words, tokens)
    return None if None in fits else [fit for fit in fits if fit is not None]


def name_score(words: list[str], fits: list[WordScore | None], display_name: str) -> float:
    """0..95: the mean word fit (a word that fits nothing counts 0), nudged by how close the whole
    name reads (word order, extra words)."""
    typed, name = " ".join(words), fold(display_name)
    closeness = (fuzz.token_sort_ratio(typed, name) + fuzz.ratio(typed, name)) / 200  # order counts a bit
    return 95 * (sum(f.score for f in fits if f) / len(fits)) * (0.85 + 0.15 * closeness)


def name_reason(display_name: str, fits: list[WordScore | None]) -> str:
    """What the operator reads next to the hit: "name ≈ José García (1 typo)"."""
    found = [f for f in fits if f]
    if len(found) < len(fits):
        return N_(
            "name \u2248 {name} ({found} of {count} words)",
            name=display_name,
            found=len(found),
            count=len(fits),
        )
    typos = sum(f.edits for f in found)
    if typos:
        return ngettext("name \u2248 {name} ({count} typo)", "name \u2248 {name} ({count} typos)", typos,
                        name=display_name, count=typos)  # fmt: skip
    if any(f.how == "prefix" for f in found):
        return N_("name starts like {name}", name=display_name)
    return N_("name matches")
