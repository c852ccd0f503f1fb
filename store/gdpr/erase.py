"""Erasing a person on request (GDPR art. 17): anonymised everywhere, aggregates kept.

The customer row stays (so counts of calls, holdings, outcomes and segments still add up) with
no name, birth date, external id or consent; phones, e-mails and merged ids are deleted; the
free text of their calls, tickets, interactions, callbacks and offers is blanked, their name,
phones and e-mails are cut out of anyone else's notes. The search index forgets them (their
rare name tokens included), and the erasure bumps the name engines' purge generation, so every
host's engine (a cache on disk that keeps a deleted name's terms) is rebuilt before it serves
again; the engine under this process's cache dir is removed at once. The audit log is
append-only and hash-chained, so nothing in it is changed: their audit keys are deleted, so
what their rows hold sealed (a console edit's old and new values, a profile view's target)
reads `[erased]` (store.audit_seal), and the erasure appends its tombstone (who erased, what
changed by table) in clear. What the log may still hold in clear (rows from before audit keys,
a search query) is set out in docs/SECURITY.md. Finally `store.gdpr.wipe` makes sure no copy is
left in the database file, its WAL or the seat's local drafts and journal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from store import audit
from store.db import write_session
from store.gdpr.wipe import forget_locally, secure_writes, wipe_free_space
from store.imports.customers import external_id_digest
from store.models import AuditKey, Customer, Email, Phone, every_table
from store.models.base import table_of
from store.models.data import CustomerAlias, CustomerErasure, ImportStaged
from store.models.search import search_name, search_posting, search_token, search_token_key
from store.notify import publish
from store.outbox import enqueue
from store.policy import Action, Actor, require
from store.relations import customer_references
from store.search.engine import record_purge, remove_engine
from store.timeutil import utcnow

ERASED = "[erased]"
PERSONAL_TEXT: dict[str, tuple[str, ...]] = {
    "address": ("line1", "line2", "city", "postcode", "region", "undeliverable_reason"),
    "holding": ("reference",),
    "ticket": ("subject",),
    "interaction": ("summary",),
    "call": ("caller_number", "notes"),
    "campaigncontact": ("coupon_code",),
    "offerpresentation": ("reason",),
    "callback": ("phone", "note"),
}
"""Per table that points at a customer, the columns that can hold who they are. A table not listed
(added by another feature) has all its free text blanked: see `_personal_columns`."""
FREE_TEXT = (("call", "notes"), ("interaction", "summary"), ("ticket", "subject"), ("callback", "note"))
"""Where other people's records may name the erased person."""
_CT = table_of(Customer)


class NoSuchCustomer(LookupError):
    """No customer has that id."""


@dataclass
class ErasureReport:
    """What the erasure changed, and whether every copy on disk is gone."""

    customer_id: int
    rows: dict[str, int] = field(default_factory=dict)
    local_entries: int = 0
    file_clean: bool = True
    """False when a checkpoint could not finish (another process holds the database open)."""


def _personal_columns(table: sa.Table) -> tuple[str, ...]:
    if table.name in PERSONAL_TEXT:
        return PERSONAL_TEXT[table.name]
    return tuple(
        column.name
        for column in table.columns
        if not column.primary_key
        and not column.foreign_keys
        and not column.unique
        and isinstance(column.type, sa.String)
        and (isinstance(column.type, sa.Text) or (column.type.length or 0) >= 100)
    )


def erase_customer(
    engine: Engine, customer_id: int, *, actor: Actor, data_dir: Path | None, cache_dir: Path | None = None
) -> ErasureReport:
    """Anonymise `customer_id` everywhere; `data_dir` is this seat's local drafts and journal,
    `cache_dir` its name engines (None: those this process keeps, if any).

    Erasing someone already erased only repeats the scrubbing of the files (after a checkpoint a
    console's open read had blocked)."""
    require(actor, Action.ERASE)
    report = ErasureReport(customer_id)
    with engine.connect() as connection:
        done = connection.scalar(
            sa.select(col(CustomerErasure.customer_id)).where(col(CustomerErasure.customer_id) == customer_id)
        )
    if done is None:
        _erase_rows(engine, customer_id, actor, report)
    if data_dir is not None:
        report.local_entries = forget_locally(data_dir, customer_id)
    remove_engine(engine, cache_dir)
    report.file_clean = wipe_free_space(engine)
    return report


def _erase_rows(engine: Engine, customer_id: int, actor: Actor, report: ErasureReport) -> None:
    with write_session(engine) as session:
        connection = session.connection()
        secure_writes(connection)
        person = connection.execute(sa.select(_CT).where(_CT.c.id == customer_id).with_for_update()).first()
        done = connection.scalar(
            sa.select(col(CustomerErasure.customer_id)).where(col(CustomerErasure.customer_id) == customer_id)
        )
        if person is None or done is not None:
            raise NoSuchCustomer(
                f"no customer {customer_id} to erase" + (" (already erased)" if done else "")
            )
        needles = _identifiers(connection, person)
        _forget_index(connection, customer_id)
        count = report.rows
        for model in (Phone, Email, CustomerAlias, AuditKey):
            table = table_of(model)
            count[table.name] = connection.execute(
                sa.delete(table).where(table.c.customer_id == customer_id)
            ).rowcount
        staged = table_of(ImportStaged)
        connection.execute(sa.delete(staged).where(staged.c.key == person.external_id))
        for column in customer_references():
            names = _personal_columns(column.table)
            if names:
                result = connection.execute(
                    sa.update(column.table).where(column == customer_id).values({n: "" for n in names})
                )
                count[column.table.name] = count.get(column.table.name, 0) + result.rowcount
        _call_emails(connection, customer_id)
        count["mentions"] = _cut_mentions(connection, needles)
        connection.execute(
            sa.update(_CT)
            .where(_CT.c.id == customer_id)
            .values(
                external_id=f"erased-{customer_id}",
                given_name="",
                family_name="",
                display_name=ERASED,
                birth_date=None,
                consent_voice=False,
                consent_email=False,
                consent_sms=False,
                consent_post=False,
                version=_CT.c.version + 1,
                updated_at=utcnow(),
            )
        )
        session.add(
            CustomerErasure(
                customer_id=customer_id,
                external_id_digest=external_id_digest(person.external_id),
                operator=actor.username,
            )
        )
        session.flush()
        audit.record(session, actor.username, Action.ERASE, customer_id=customer_id, detail=count)
        publish(session, "customer", str(customer_id))
        enqueue(session, "customer.erased", {"customer_id": customer_id, "erased_at": utcnow().isoformat()})


def _identifiers(connection: sa.Connection, person: sa.Row) -> list[str]:
    """The strings that name the person in free text: full names, phones, e-mails."""
    phones = connection.scalars(sa.select(col(Phone.e164)).where(col(Phone.customer_id) == person.id)).all()
    emails = connection.scalars(
        sa.select(col(Email.address)).where(col(Email.customer_id) == person.id)
    ).all()
    names = {person.display_name, f"{person.given_name} {person.family_name}".strip()}
    return sorted({n for n in (*names, *phones, *emails) if len(n) >= 5}, key=len, reverse=True)


def _forget_index(connection: sa.Connection, customer_id: int) -> None:
    """Their postings and name row, the tokens (with deletion keys) only they had, and the name
    engines built before (a new purge generation)."""
    record_purge(connection)
    tokens = connection.scalars(
        sa.delete(search_posting)
        .where(search_posting.c.customer_id == customer_id)
        .returning(search_posting.c.token_id)
    ).all()
    connection.execute(sa.delete(search_name).where(search_name.c.customer_id == customer_id))
    if not tokens:
        return
    orphans = connection.scalars(
        sa.select(search_token.c.id).where(
            search_token.c.id.in_(tokens),
            ~sa.exists().where(search_posting.c.token_id == search_token.c.id),
        )
    ).all()
    connection.execute(
        sa.update(search_token).where(search_token.c.id.in_(tokens)).values(df=search_token.c.df - 1)
    )
    if orphans:
        connection.execute(sa.delete(search_token_key).where(search_token_key.c.token_id.in_(orphans)))
        connection.execute(sa.delete(search_token).where(search_token.c.id.in_(orphans)))


def _call_emails(connection: sa.Connection, customer_id: int) -> None:
    """The e-mail a chat came from, on their calls."""
    from store.models.calls import Call
    from store.models.events import CallEmail

    calls = sa.select(col(Call.id)).where(col(Call.customer_id) == customer_id)
    connection.execute(sa.delete(table_of(CallEmail)).where(col(CallEmail.call_id).in_(calls)))


def _cut_mentions(connection: sa.Connection, needles: list[str]) -> int:
    """Replace each identifier with [erased] in other people's notes and ticket text."""
    position = sa.func.strpos if connection.dialect.name == "postgresql" else sa.func.instr
    changed = 0
    for table_name, column_name in FREE_TEXT:
        table = every_table().tables[table_name]
        column = table.c[column_name]
        for needle in needles:
            changed += connection.execute(
                sa.update(table)
                .where(position(column, needle) > 0)
                .values({column_name: sa.func.replace(column, needle, ERASED)})
            ).rowcount
    return changed
