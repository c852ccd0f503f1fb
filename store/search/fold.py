"""Names reduced to comparable words: accents folded, apostrophes joined, particles joined too.

"José García-López" and "jose garcia lopez" must meet, as must "O'Neill" and "oneill", "van der
Berg" and "Vanderberg". The deletion neighbourhood (`delete_keys`) is SymSpell's trick: two words
within k edits share a string obtained by deleting at most k letters from each, so typo lookup is
an exact index probe instead of a scan.
"""

from __future__ import annotations

import re
import unicodedata
from hashlib import blake2b

from anyascii import anyascii

MAX_TOKEN = 64
_SPECIAL = str.maketrans(
    {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"}
)
_APOSTROPHES = re.compile(r"['\u2019\u2018\u02bc`\u00b4]")
_SEPARATORS = re.compile(r"[^\w']+|_")
PARTICLES = frozenset(
    "da de di do dos das del della dello der den van von vom zu la le lo du des ten ter al el bin ibn".split()
)


def fold(text: str) -> str:
    """Lower case without accents, other scripts transliterated to Latin letters, so that a name
    written either way meets the other: "José Ñúñez" -> "jose nunez", "Иванов" -> "ivanov",
    "Παπαδόπουλος" -> "papadopoylos" (a typo from "papadopoulos"), "王小明" -> "wangxiaoming"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    latin = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return latin if latin.isascii() else anyascii(latin).lower()


def _raw_words(text: str) -> list[str]:
    return [w for w in _SEPARATORS.split(_APOSTROPHES.sub("'", fold(text))) if w.strip("'")]


def query_words(text: str) -> list[str]:
    """The words of a typed query, each folded, apostrophes dropped ("O'Neill" -> "oneill")."""
    return [w.replace("'", "")[:MAX_TOKEN] for w in _raw_words(text) if w.replace("'", "")]


def name_tokens(*names: str) -> set[str]:
    """Every token a name is found by: its words, the parts of "d'angelo", particles glued on."""
    tokens: set[str] = set()
    for name in names:
        words = _raw_words(name)
        for word in words:
            tokens.add(word.replace("'", ""))
            tokens.update(part for part in word.split("'") if len(part) > 1)
        plain = [w.replace("'", "") for w in words]
        for start, word in enumerate(plain):
            if word in PARTICLES:  # "van der berg" is also "vanderberg", "der berg" also "derberg"
                end = start
                while end < len(plain) and plain[end] in PARTICLES:
                    end += 1
                if end < len(plain):
                    tokens.add("".join(plain[start : end + 1]))
    return {t[:MAX_TOKEN] for t in tokens if t}


def max_edits(word: str) -> int:
    """Typos tolerated in a word: none in 1-2 letters, 1 in 3, 2 from 4 letters on, 3 from 9 (real
    data entry puts two slips in "jhno" for "john" and three in a long surname)."""
    return 0 if len(word) <= 2 else 1 if len(word) == 3 else 2 if len(word) <= 8 else 3


def deletes(word: str, edits: int) -> set[str]:
    """`word` and every string made from it by deleting up to `edits` letters."""
    found = {word}
    frontier = {word}
    for _ in range(edits):
        frontier = {w[:i] + w[i + 1 :] for w in frontier if len(w) > 1 for i in range(len(w))} - found
        found |= frontier
    return found


def key_of(text: str) -> int:
    """A signed 64-bit hash of a deletion string (collisions only add candidates we verify anyway)."""
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


INDEXED_EDITS = 2
"""Deletions stored per token. A third one for long tokens would more than double the key table
(4.0M keys instead of 1.7M at 100k customers); instead a long query word probes with three
deletions against the stored two, which finds three typos whenever one of them is a letter too many."""


def delete_keys(word: str) -> set[int]:
    """The hashed deletion neighbourhood of a token, as stored in search_token_key."""
    return {key_of(d) for d in deletes(word, min(INDEXED_EDITS, max_edits(word)))}


def probe_keys(word: str) -> set[int]:
    """The hashed deletion neighbourhood of a typed word, probed against search_token_key."""
    return {key_of(d) for d in deletes(word, max_edits(word))}


def prefix_end(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (code point order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
