"""How well typed words fit a customer's name tokens: the re-ranking half of name search."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

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


def assign_words(words: list[str], tokens: frozenset[str]) -> list[WordScore] | None:
    """Each query word's fit to a different token of the name (best pairs first), or None if a word
    fits nothing: "maria garcia" must not match "Henri Garcia" by reading both words as garcia."""
    pairs = [(fit, i, t) for i, word in enumerate(words) for t in tokens if (fit := score_word(word, t))]
    pairs.sort(key=lambda pair: -pair[0].score)
    fits: dict[int, WordScore] = {}
    used: set[str] = set()
    for fit, i, token in pairs:
        if i not in fits and token not in used:
            fits[i] = fit
            used.add(token)
    return [fits[i] for i in range(len(words))] if len(fits) == len(words) else None


def name_score(words: list[str], fits: list[WordScore], display_name: str) -> float:
    """0..95: the mean word fit, nudged by how close the whole name reads (word order, extra words)."""
    typed, name = " ".join(words), fold(display_name)
    closeness = (fuzz.token_sort_ratio(typed, name) + fuzz.ratio(typed, name)) / 200  # order counts a bit
    return 95 * (sum(f.score for f in fits) / len(fits)) * (0.85 + 0.15 * closeness)


def name_reason(display_name: str, fits: list[WordScore]) -> str:
    """What the operator reads next to the hit: "name ≈ José García (1 typo)"."""
    typos = sum(f.edits for f in fits)
    if typos:
        return f"name \u2248 {display_name} ({typos} typo{'s' if typos > 1 else ''})"
    if any(f.how == "prefix" for f in fits):
        return f"name starts like {display_name}"
    return "name matches"
