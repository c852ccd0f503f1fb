"""The index rows of a bulk build, computed in a helper process one batch ahead of the inserts.

At 1,000,000 customers the Python of `rebuild_index` (folding names into postings and
search_name rows, turning 1,300,000 phones into search_phone rows) ran between its inserts on one
core while the import's other core sat idle. Past HELPER_FROM customers one helper process
computes batch N+1 while the build inserts batch N. Tasks sent to a one-process pool run in order
in that process, so it keeps the token ids and document counts across batches exactly as the
build's own process would: the rows are the same either way (tests/test_search_names.py).
"""

from __future__ import annotations

import multiprocessing
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool
from typing import Any

from store.search.sync import customer_tokens, phone_values, tokens_text

HELPER_FROM = 200_000
"""Customers from which a helper process pays for its start (0.37 s here, started and stopped)."""

NameRow = tuple[Any, str, float]
Folded = tuple[list[tuple[int, int]], list[NameRow]]
"""A batch's (token id, customer id) postings and (customer id, tokens, changed) search_name rows."""
Batch = list[tuple[Any, ...]]


class NameFolding:
    """Folds batches of (id, given, family, display) rows; `ids` and `df` grow with each batch."""

    def __init__(self, changed: float) -> None:
        self.changed = changed
        self.ids: dict[str, int] = {}
        self.df: Counter[str] = Counter()

    def fold(self, batch: Batch) -> Folded:
        ids, df = self.ids, self.df
        postings: list[tuple[int, int]] = []
        names: list[NameRow] = []
        for customer_id, given, family, display in batch:
            tokens = customer_tokens(given, family, display)
            names.append((customer_id, tokens_text(tokens), self.changed))
            df.update(tokens)
            postings.extend((ids.setdefault(token, len(ids) + 1), customer_id) for token in tokens)
        return postings, names


def phone_rows(batch: Batch) -> list[tuple[int, int, str, str]]:
    """search_phone rows of (id, customer id, e164) phone rows."""
    return [phone_values(*phone) for phone in batch]


class BuildRows:
    """Computes a build's rows, in a helper process when `helper` (use as `with build_rows(...)`)."""

    def __init__(self, changed: float, pool: Pool | None) -> None:
        self.folding = NameFolding(changed)
        self._pool = pool

    def names(self, batches: Iterable[Batch]) -> Iterator[Folded]:
        """Each batch folded, in order; `folding.ids` and `.df` are complete once it ends."""
        if self._pool is None:
            yield from (self.folding.fold(batch) for batch in batches)
            return
        yield from self._ahead(_fold, batches)
        self.folding.ids, self.folding.df = self._pool.apply(_totals)

    def phones(self, batches: Iterable[Batch]) -> Iterator[list[tuple[int, int, str, str]]]:
        if self._pool is None:
            yield from (phone_rows(batch) for batch in batches)
            return
        yield from self._ahead(phone_rows, batches)

    def _ahead(self, task: Callable[[Batch], Any], batches: Iterable[Batch]) -> Iterator[Any]:
        assert self._pool is not None
        pending: deque = deque()
        for batch in batches:
            pending.append(self._pool.apply_async(task, (batch,)))
            if len(pending) >= 2:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


@contextmanager
def build_rows(changed: float, *, helper: bool) -> Iterator[BuildRows]:
    """Rows for one build stamped `changed`; with `helper`, computed in a helper process."""
    if not helper:
        yield BuildRows(changed, None)
        return
    with multiprocessing.get_context("spawn").Pool(1, initializer=_start, initargs=(changed,)) as pool:
        yield BuildRows(changed, pool)


_HELPERS: list[NameFolding] = []
"""The helper process's one NameFolding (module state lives as long as the process)."""


def _start(changed: float) -> None:
    _HELPERS[:] = [NameFolding(changed)]


def _fold(batch: Batch) -> Folded:
    return _HELPERS[0].fold(batch)


def _totals() -> tuple[dict[str, int], Counter[str]]:
    return _HELPERS[0].ids, _HELPERS[0].df
