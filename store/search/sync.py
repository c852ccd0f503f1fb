"""Keeping the search index current inside the writer's own transaction.

`install` registers `sync_flush` to run after every ORM flush (the console and every CLI verb do
it where they open the engine: `console.database.open_engine`): new or renamed customers get their
tokens re-posted, new or changed phones their digit rows. Deletes need nothing here: the index rows
reference customer/phone with ON DELETE CASCADE, so even a Core delete leaves no stale posting.
Only `search_token.df` (a selectivity estimate) may drift on deletes; `rebuild_index` recounts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.db import upsert
from store.models.customers import Customer, Phone
from store.models.search import search_name, search_phone, search_posting, search_token, search_token_key
from store.phones import national_number
from store.search.fold import PARTICLES, delete_keys, name_tokens, query_words

_NAME_FIELDS = ("given_name", "family_name", "display_name")


@lru_cache(maxsize=4096)
def customer_tokens(given_name: str, family_name: str, display_name: str) -> frozenset[str]:
    """What a customer is found by: the tokens of all three name fields.

    `name_tokens` reads each name on its own, so this is the union of each field's tokens, and
    given and family names repeat far more than the three together: the per-field cache is the
    one an index build hits (it reads each customer once). This one serves the console's lookup,
    which re-ranks the same candidates keystroke after keystroke; at 65,536 entries it kept ~0.5 KB
    for every customer a console had ever ranked (issue #14: RSS per console). Any other display
    name is read uncached: it is nearly every customer's own, so the per-field cache would miss on
    it and keep one entry for each customer a console ranked, up to 262,144 of them."""
    given_name, family_name, display_name = given_name or "", family_name or "", display_name or ""
    tokens = _field_tokens(given_name) | _field_tokens(family_name)
    usual = display_name == f"{given_name} {family_name}".strip()
    if usual and not _ends_in_particle(given_name):
        return tokens  # the usual display name: no cache miss for every customer of a build
    return tokens | frozenset(name_tokens(display_name))


@lru_cache(maxsize=262144)
def _field_tokens(name: str) -> frozenset[str]:
    return frozenset(name_tokens(name))


@lru_cache(maxsize=65536)
def _ends_in_particle(given_name: str) -> bool:
    """Whether "given family" has a token neither name has alone: "Anna De" + "Luca" -> "deluca".

    Otherwise the display name "given family" folds to the given name's words then the family
    name's (folding works letter by letter and the space separates), so its tokens are theirs."""
    words = query_words(given_name)
    return bool(words) and words[-1] in PARTICLES


def tokens_text(tokens: frozenset[str]) -> str:
    """search_name's tokens: space-delimited on both sides, so " w" is a word start and " w " a word."""
    return f" {' '.join(sorted(tokens))} "


def name_row(customer_id: int, tokens: frozenset[str]) -> dict[str, object]:
    """The search_name row of one customer."""
    return {"customer_id": customer_id, "tokens": tokens_text(tokens)}


PHONE_COLUMNS = ("phone_id", "customer_id", "nsn", "rdigits")


def phone_values(phone_id: int, customer_id: int, e164: str) -> tuple[int, int, str, str]:
    """The search_phone row of one stored number, in PHONE_COLUMNS order (a bulk build writes
    1,300,000 of them as tuples)."""
    return phone_id, customer_id, national_number(e164), e164.lstrip("+")[::-1]


def phone_row(phone_id: int, customer_id: int, e164: str) -> dict[str, object]:
    """The search_phone row of one stored number, by column."""
    return dict(zip(PHONE_COLUMNS, phone_values(phone_id, customer_id, e164), strict=True))


def _changed(obj: object, fields: Iterable[str]) -> bool:
    attrs = sa.inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in fields)


def install() -> None:
    """Keep the index current on every ORM flush of every session, from now on (idempotent)."""
    if not sa.event.contains(Session, "after_flush", _after_flush):
        sa.event.listen(Session, "after_flush", _after_flush)


def _after_flush(session: Session, _context: Any) -> None:
    sync_flush(session)


def sync_flush(session: Session) -> None:
    """Re-index what this flush inserted or changed (called from the after_flush hook)."""
    customers = [c for c in session.new if isinstance(c, Customer)]
    customers += [c for c in session.dirty if isinstance(c, Customer) and _changed(c, _NAME_FIELDS)]
    phones = [p for p in session.new if isinstance(p, Phone)]
    phones += [p for p in session.dirty if isinstance(p, Phone) and _changed(p, ("e164", "customer_id"))]
    if not customers and not phones:
        return
    connection = session.connection()
    for customer in customers:
        assert customer.id is not None  # flushed: the hook runs after the INSERT
        reindex_customer(
            connection,
            customer.id,
            customer_tokens(customer.given_name, customer.family_name, customer.display_name),
        )
    for phone in phones:
        assert phone.id is not None
        connection.execute(sa.delete(search_phone).where(search_phone.c.phone_id == phone.id))
        connection.execute(sa.insert(search_phone), [phone_row(phone.id, phone.customer_id, phone.e164)])


def reindex_customer(connection: sa.Connection, customer_id: int, tokens: frozenset[str]) -> None:
    """Replace one customer's postings with `tokens`, keeping the df estimates in step."""
    old = (
        connection.execute(
            sa.delete(search_posting)
            .where(search_posting.c.customer_id == customer_id)
            .returning(search_posting.c.token_id)
        )
        .scalars()
        .all()
    )
    if old:
        _bump_df(connection, old, -1)
    connection.execute(sa.delete(search_name).where(search_name.c.customer_id == customer_id))
    if not tokens:
        return
    connection.execute(sa.insert(search_name), [name_row(customer_id, tokens)])
    ids = ensure_tokens(connection, tokens)
    connection.execute(
        sa.insert(search_posting), [{"token_id": i, "customer_id": customer_id} for i in ids.values()]
    )
    _bump_df(connection, list(ids.values()), +1)


def _bump_df(connection: sa.Connection, token_ids: Sequence[int], delta: int) -> None:
    connection.execute(
        sa.update(search_token).where(search_token.c.id.in_(token_ids)).values(df=search_token.c.df + delta)
    )


def ensure_tokens(connection: sa.Connection, tokens: frozenset[str]) -> dict[str, int]:
    """Ids of `tokens`, creating the missing ones (and their deletion keys) race-free."""
    created = connection.execute(
        upsert(connection.dialect, search_token)
        .values([{"token": t, "df": 0} for t in sorted(tokens)])
        .on_conflict_do_nothing(index_elements=["token"])
        .returning(search_token.c.id, search_token.c.token)
    ).all()
    if created:
        connection.execute(
            sa.insert(search_token_key),
            [{"key": key, "token_id": row.id} for row in created for key in delete_keys(row.token)],
        )
    rows = connection.execute(
        sa.select(search_token.c.token, search_token.c.id).where(search_token.c.token.in_(tokens))
    )
    return {row.token: row.id for row in rows}
