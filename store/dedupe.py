"""Probable duplicate customers, found by blocking so a million records take minutes, not days.

Only customers sharing a block key are ever compared: the same phone, the same e-mail, the same
postal code and street, the same birth date with the same family or given initial, the same
family name with the same given initial. A block
bigger than `MAX_BLOCK` (a switchboard number, a shared mailbox) says nothing about identity and
is skipped. Each candidate pair is then scored once from everything the two records share:

    score = names alike (token set, 0-100) / 2
            + 30 same e-mail + 25 same phone + 20 same birth date + 15 same address

capped at 100; two different given names (a household sharing a landline and a home) cap at 60.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from rapidfuzz import fuzz
from sqlalchemy.engine import Engine
from sqlmodel import col

from store import audit
from store.db import write_session
from store.messages import N_
from store.models import Address, AddressKind, Customer, Email, Phone
from store.models.base import table_of
from store.models.data import CustomerErasure
from store.policy import Action, Actor, require
from store.search.details import matches_for
from store.search.fold import fold
from store.search.types import Hit, Match

MAX_BLOCK = 8
HOUSEHOLD_CAP = 60.0
_CHUNK = 2_000


@dataclass(frozen=True)
class Record:
    """What a pair is scored on, for one customer."""

    id: int
    external_id: str
    display_name: str
    given: str
    birth_date: str
    phones: frozenset[str]
    emails: frozenset[str]
    addresses: frozenset[str]


@dataclass
class DuplicatePair:
    """Two customers that are probably one person, with why."""

    score: float
    a: Record
    b: Record
    reasons: list[str] = field(default_factory=list)


def _blocks(only: set[int] | None) -> list[sa.Select]:
    """(key, customer_id) selects, one per blocking rule; `only` keeps keys those customers have."""
    c = table_of(Customer).c
    a = table_of(Address).c
    born = sa.cast(c.birth_date, sa.String)
    given_initial = sa.func.substr(sa.func.lower(c.given_name), 1, 1)
    family = sa.func.lower(c.family_name)
    people = [  # birth date + family initial; a typo'd family name; a typo'd birth date
        (born + sa.func.substr(family, 1, 1), c.birth_date.is_not(None)),
        (born + given_initial, c.birth_date.is_not(None)),
        (family + "|" + given_initial, c.family_name != ""),
    ]
    rules = [
        (
            sa.select(col(Phone.e164).label("key"), col(Phone.customer_id).label("cid")),
            col(Phone.customer_id),
        ),
        (
            sa.select(col(Email.address).label("key"), col(Email.customer_id).label("cid")),
            col(Email.customer_id),
        ),
        (
            sa.select(
                (a.postcode + "|" + sa.func.lower(a.line1)).label("key"), a.customer_id.label("cid")
            ).where(a.postcode != "", a.line1 != "", a.kind == AddressKind.HOME, a.valid_to.is_(None)),
            a.customer_id,
        ),
    ]
    rules += [(sa.select(key.label("key"), c.id.label("cid")).where(where), c.id) for key, where in people]
    selects = []
    for query, owner in rules:
        key = query.selected_columns[0]
        if only is not None:
            query = query.where(key.in_(query.where(owner.in_(sorted(only))).with_only_columns(key)))
        selects.append(query.order_by(key))
    return selects


def _candidates(connection: sa.Connection, only: set[int] | None) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for query in _blocks(only):
        rows = connection.execute(query.execution_options(yield_per=50_000))
        for _, group in itertools.groupby(rows, key=lambda row: row.key):
            ids = sorted({row.cid for row in group})
            if 1 < len(ids) <= MAX_BLOCK:
                pairs.update(itertools.combinations(ids, 2))
    if only is not None:
        pairs = {p for p in pairs if p[0] in only or p[1] in only}
    return pairs


def _records(connection: sa.Connection, ids: Iterable[int]) -> dict[int, Record]:
    found: dict[int, Record] = {}
    ordered = sorted(ids)
    c = table_of(Customer).c
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        extra: dict[str, dict[int, set[str]]] = {
            "p": defaultdict(set),
            "e": defaultdict(set),
            "a": defaultdict(set),
        }
        for cid, e164 in connection.execute(
            sa.select(col(Phone.customer_id), col(Phone.e164)).where(col(Phone.customer_id).in_(chunk))
        ):
            extra["p"][cid].add(e164)
        for cid, address in connection.execute(
            sa.select(col(Email.customer_id), col(Email.address)).where(col(Email.customer_id).in_(chunk))
        ):
            extra["e"][cid].add(address)
        for cid, postcode, line1 in connection.execute(
            sa.select(col(Address.customer_id), col(Address.postcode), col(Address.line1)).where(
                col(Address.customer_id).in_(chunk), col(Address.valid_to).is_(None), col(Address.line1) != ""
            )
        ):
            extra["a"][cid].add(f"{postcode}|{fold(line1)}")
        for row in connection.execute(
            sa.select(c.id, c.external_id, c.display_name, c.given_name, c.birth_date).where(c.id.in_(chunk))
        ):
            found[row.id] = Record(
                row.id,
                row.external_id,
                row.display_name,
                fold(row.given_name),
                row.birth_date.isoformat() if row.birth_date else "",
                frozenset(extra["p"][row.id]),
                frozenset(extra["e"][row.id]),
                frozenset(extra["a"][row.id]),
            )
    return found


def score_pair(a: Record, b: Record) -> DuplicatePair:
    """The pair's score and its reasons (see the module docstring for the weights)."""
    similarity = fuzz.token_set_ratio(fold(a.display_name), fold(b.display_name))
    reasons: list[str] = [N_("names {percent}% alike", percent=f"{similarity:.0f}")]
    score = similarity / 2
    for shared, weight, reason in (
        (a.emails & b.emails, 30, N_("same e-mail")),
        (a.phones & b.phones, 25, N_("same phone")),
        (a.birth_date and a.birth_date == b.birth_date, 20, N_("same birth date")),
        (a.addresses & b.addresses, 15, N_("same address")),
    ):
        if shared:
            score += weight
            reasons.append(reason)
    if a.given and b.given and fuzz.token_set_ratio(a.given, b.given) < 60:
        score = min(score, HOUSEHOLD_CAP)
        reasons.append(N_("different given names (a household?)"))
    return DuplicatePair(round(min(score, 100.0), 1), a, b, reasons)


def find_duplicates(
    engine: Engine, *, actor: Actor, min_score: float = 80, only: set[int] | None = None
) -> list[DuplicatePair]:
    """Probable duplicates, best first; `only` limits them to pairs involving those customers
    (the rows an import just wrote). Erased people are never proposed. The listing is audited
    (how many pairs, not who) before it is handed over."""
    require(actor, Action.DEDUPE)
    with engine.connect() as connection:
        pairs = _candidates(connection, only)
        erased = set(connection.scalars(sa.select(col(CustomerErasure.customer_id))))
        pairs = {p for p in pairs if p[0] not in erased and p[1] not in erased}
        records = _records(connection, {i for pair in pairs for i in pair})
    scored = [score_pair(records[a], records[b]) for a, b in pairs if a in records and b in records]
    found = sorted((p for p in scored if p.score >= min_score), key=lambda p: (-p.score, p.a.id, p.b.id))
    with write_session(engine) as session:
        detail = {"min_score": min_score, "pairs": len(found), "of_import": only is not None}
        audit.record(session, actor.username, Action.DEDUPE, detail=detail)
    return found


def likely_duplicates(
    engine: Engine, *, actor: Actor, customer_id: int, min_score: float
) -> list[tuple[Match, list[str]]]:
    """The records `find_duplicates` pairs with `customer_id`, best first, each as the lookup
    shows a customer (phone, city, age, status, last contact) with the pair's reasons."""
    pairs = {}
    for pair in find_duplicates(engine, actor=actor, min_score=min_score, only={customer_id}):
        if customer_id in (pair.a.id, pair.b.id):
            pairs[pair.b.id if pair.a.id == customer_id else pair.a.id] = pair
    hits = [Hit(other, "dedupe", pair.score, "") for other, pair in pairs.items()]
    with engine.connect() as connection:
        matches = matches_for(connection, hits, len(hits))
    return [(match, pairs[match.customer_id].reasons) for match in matches]
