"""The name index's rows for a bulk build, folded in a helper process while the build inserts.

At 1,000,000 customers the name part of `rebuild_index` spent 5.4 s in Python (folding each
name, its postings, its search_name row) and 4.2 s inserting them, one after the other on one
core while the import's other core sat idle. Past HELPER_FROM customers one helper process folds
batch N+1 while the build inserts batch N. Tasks sent to a one-process pool run in order in that
process, so it keeps the token ids and document counts across batches exactly as the build's own
process would: the rows are the same either way (tests/test_search_build.py).
"""

from __future__ import annotations

import multiprocessing
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from typing import Any

from store.search.sync import customer_tokens, name_row

HELPER_FROM = 200_000
"""Customers from which a helper process pays for its start (about half a second)."""

NameRow = tuple[Any, str, float]
Folded = tuple[list[tuple[int, int]], list[NameRow]]
"""A batch's (token id, customer id) postings and (customer id, tokens, changed) search_name rows."""


class NameFolding:
    """Folds batches of (id, given, family, display) rows; `ids` and `df` grow with each batch."""

    def __init__(self, changed: float) -> None:
        self.changed = changed
        self.ids: dict[str, int] = {}
        self.df: Counter[str] = Counter()

    def fold(self, batch: list[tuple[Any, ...]]) -> Folded:
        ids, df = self.ids, self.df
        postings: list[tuple[int, int]] = []
        names: list[NameRow] = []
        for customer_id, given, family, display in batch:
            tokens = customer_tokens(given, family, display)
            names.append((customer_id, str(name_row(customer_id, tokens)["tokens"]), self.changed))
            df.update(tokens)
            postings.extend((ids.setdefault(token, len(ids) + 1), customer_id) for token in tokens)
        return postings, names

    def run(self, batches: Iterable[list[tuple[Any, ...]]], *, helper: bool) -> Iterator[Folded]:
        """Each batch folded, in order; with `helper`, in the helper process, one batch ahead.
        `ids` and `df` are complete once the iteration ends."""
        if not helper:
            yield from (self.fold(batch) for batch in batches)
            return
        spawn = multiprocessing.get_context("spawn")
        with spawn.Pool(1, initializer=_start, initargs=(self.changed,)) as pool:
            pending: deque = deque()
            for batch in batches:
                pending.append(pool.apply_async(_fold, (batch,)))
                if len(pending) >= 2:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
            self.ids, self.df = pool.apply(_totals)


_HELPERS: list[NameFolding] = []
"""The helper process's one NameFolding (module state lives as long as the process)."""


def _start(changed: float) -> None:
    _HELPERS[:] = [NameFolding(changed)]


def _fold(batch: list[tuple[Any, ...]]) -> Folded:
    return _HELPERS[0].fold(batch)


def _totals() -> tuple[dict[str, int], Counter[str]]:
    return _HELPERS[0].ids, _HELPERS[0].df
