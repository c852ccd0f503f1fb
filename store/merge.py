"""Merging two records of one person: everything moves to the survivor, nothing is lost.

Every row that points at the other customer (holdings, tickets, calls, offers, campaign contacts,
callbacks, and whatever table is added later with a foreign key to `customer`) is moved to the
survivor in one transaction. The other's phones and e-mails the survivor lacks move too (not as
primary); its name and ids are kept as a `CustomerAlias`, so both old ids still find the person.
The survivor's version is bumped (open contact forms see it), the search index is updated, the
merge is audited (which record merged in and which fields were taken, not their values: the
other's ids and name are in the alias, which an erasure can delete) and announced on the change
feed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from store import audit
from store.db import read_session, write_session
from store.imports.index import reindex_customers
from store.messages import N_
from store.models import Customer, Email, Phone
from store.models.base import table_of
from store.models.data import CustomerAlias, CustomerErasure
from store.notify import publish
from store.outbox import enqueue
from store.policy import Action, Actor, require
from store.relations import customer_references
from store.timeutil import utcnow

PICKABLE = ("given_name", "family_name", "birth_date", "segment", "preferred_language", "status")
"""Fields the person merging may take from the other record instead of the survivor's."""
_CT = table_of(Customer)


class MergeRefused(ValueError):
    """The merge cannot be done as asked; nothing was written. Its text is a `Phrase` (English
    for the CLI, the operator's language on a screen)."""


class MergeStale(MergeRefused):
    """A record changed after the person merging saw it: what they chose may no longer hold."""


@dataclass(frozen=True)
class MergeResult:
    """What moved to the survivor, by table."""

    keep_id: int
    other_id: int
    moved: dict[str, int]


def resolve_customer(connection: sa.Connection, ident: str) -> int | None:
    """The customer an id, an external id, or the old id of a merged record stands for."""
    ident = ident.strip()
    if ident.isdigit():
        found = connection.scalar(sa.select(_CT.c.id).where(_CT.c.id == int(ident)))
        if found is None:
            found = connection.scalar(
                sa.select(col(CustomerAlias.customer_id)).where(
                    col(CustomerAlias.old_customer_id) == int(ident)
                )
            )
        if found is not None:
            return found
    found = connection.scalar(sa.select(_CT.c.id).where(_CT.c.external_id == ident))
    if found is None:
        found = connection.scalar(
            sa.select(col(CustomerAlias.customer_id)).where(col(CustomerAlias.old_external_id) == ident)
        )
    return found


def merge_customers(
    engine: Engine,
    keep_id: int,
    other_id: int,
    *,
    actor: Actor,
    take: tuple[str, ...] = (),
    versions: tuple[int, int] | None = None,
) -> MergeResult:
    """Merge customer `other_id` into `keep_id`, taking the `take` fields from the other record.
    With `versions` (keep's, other's, as shown to the person choosing) a record saved since then
    refuses the merge with `MergeStale`: the values they picked are the values that survive."""
    require(actor, Action.MERGE)
    unknown = sorted(set(take) - set(PICKABLE))
    if unknown:
        raise MergeRefused(
            N_(
                "cannot take {fields}; pickable fields: {pickable}",
                fields=", ".join(unknown),
                pickable=", ".join(PICKABLE),
            )
        )
    if keep_id == other_id:
        raise MergeRefused(N_("a customer cannot be merged into itself"))
    with write_session(engine) as session:
        connection = session.connection()
        rows = {
            row.id: row
            for row in connection.execute(
                sa.select(_CT).where(_CT.c.id.in_([keep_id, other_id])).order_by(_CT.c.id).with_for_update()
            )
        }
        missing = [str(i) for i in (keep_id, other_id) if i not in rows]
        if missing:
            raise MergeRefused(N_("no customer with id {ids}", ids=", ".join(missing)))
        erased = connection.scalar(
            sa.select(col(CustomerErasure.customer_id)).where(
                col(CustomerErasure.customer_id).in_([keep_id, other_id])
            )
        )
        if erased is not None:
            raise MergeRefused(N_("customer {id} was erased on request and cannot be merged", id=erased))
        keep, other = rows[keep_id], rows[other_id]
        for row, expected in zip((keep, other), versions or (), strict=False):
            if row.version != expected:
                raise MergeStale(
                    N_(
                        "customer {id} was changed since it was shown (version {shown}, now {now}): "
                        "look again before merging",
                        id=row.id,
                        shown=expected,
                        now=row.version,
                    )
                )
        picked = {name: getattr(other, name) for name in take if getattr(other, name) != getattr(keep, name)}
        if {"given_name", "family_name"} & set(picked):
            given = picked.get("given_name", keep.given_name)
            picked["display_name"] = f"{given} {picked.get('family_name', keep.family_name)}".strip()
        moved = _move_contacts(connection, keep_id, other_id)
        for column in customer_references():
            result = connection.execute(
                sa.update(column.table).where(column == other_id).values({column.name: keep_id})
            )
            if result.rowcount:
                moved[column.table.name] = moved.get(column.table.name, 0) + result.rowcount
        session.add(
            CustomerAlias(
                customer_id=keep_id,
                old_customer_id=other_id,
                old_external_id=other.external_id,
                old_display_name=other.display_name,
                operator=actor.username,
            )
        )
        audit.record(
            session,
            actor.username,
            Action.MERGE,
            customer_id=keep_id,
            target=f"customer {other_id}",
            detail={"merged": other_id, "took": sorted(picked), "moved": moved},
        )
        session.flush()
        connection.execute(sa.delete(_CT).where(_CT.c.id == other_id))
        connection.execute(
            sa.update(_CT)
            .where(_CT.c.id == keep_id)
            .values(**picked, version=_CT.c.version + 1, updated_at=utcnow())
        )
        reindex_customers(connection, {keep_id})
        publish(session, "customer", str(keep_id))
        publish(session, "customer", str(other_id))
        enqueue(
            session,
            "customer.merged",
            {"customer_id": keep_id, "merged_customer_id": other_id, "took": sorted(picked)},
        )
    return MergeResult(keep_id, other_id, moved)


def _move_contacts(connection: sa.Connection, keep_id: int, other_id: int) -> dict[str, int]:
    """The other's phones and e-mails the survivor lacks become the survivor's (never primary);
    exact duplicates are dropped, since the survivor already has them."""
    moved: dict[str, int] = {}
    for model, column in ((Phone, "e164"), (Email, "address")):
        table = table_of(model)
        have = sa.select(table.c[column]).where(table.c.customer_id == keep_id)
        connection.execute(sa.delete(table).where(table.c.customer_id == other_id, table.c[column].in_(have)))
        result = connection.execute(
            sa.update(table)
            .where(table.c.customer_id == other_id)
            .values(customer_id=keep_id, is_primary=False)
        )
        moved[table.name] = result.rowcount
    return moved


def customer_summary(engine: Engine, customer_id: int, *, actor: Actor) -> dict[str, object] | None:
    """The fields a person compares before merging (for `callpop merge` and the merge screen),
    with the `version` to pass back to `merge_customers`; only for who may merge."""
    require(actor, Action.MERGE)
    with read_session(engine) as session:
        row = session.execute(sa.select(_CT).where(_CT.c.id == customer_id)).first()
        if row is None:
            return None
        phones = session.scalars(
            sa.select(col(Phone.e164)).where(col(Phone.customer_id) == customer_id)
        ).all()
        emails = session.scalars(
            sa.select(col(Email.address)).where(col(Email.customer_id) == customer_id)
        ).all()
    summary: dict[str, object] = {name: getattr(row, name) for name in ("id", "external_id", *PICKABLE)}
    summary.update(phones=list(phones), emails=list(emails), version=row.version)
    return summary
