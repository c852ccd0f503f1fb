"""`callpop import tickets` and `callpop import campaigns`: cases and mailings from other systems.

A ticket is matched on its number. A campaign row is one contact of one mailing: the campaign
is created (or renamed) by its code, the contact matched on campaign and customer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import sqlalchemy as sa

from store.imports import fields as f
from store.imports import references as refs
from store.imports.checks import Checks
from store.imports.source import Columns
from store.imports.types import ApplyContext, Payload, Staged, Tally
from store.imports.upsert import upsert_rows
from store.models import Campaign, CampaignContact, Channel, Ticket, TicketPriority, TicketStatus
from store.models.base import table_of
from store.timeutil import utcnow

TICKET_HEADER = (
    "number",
    "customer_external_id",
    "subject",
    "category",
    "priority",
    "status",
    "assignee",
    "opened_at",
)
CAMPAIGN_HEADER = (
    "campaign_code",
    "campaign_name",
    "channel",
    "customer_external_id",
    "sent_on",
    "coupon_code",
    "responded_on",
    "returned_mail",
)


def _instant(values: dict[str, str], column: str) -> str | None:
    """An ISO 8601 date or date-time; without a zone it is UTC."""
    raw = (values.get(column) or "").strip()
    if not raw:
        return None
    try:
        moment = (
            datetime.fromisoformat(raw)
            if "T" in raw or " " in raw
            else datetime.combine(date.fromisoformat(raw), time())
        )
    except ValueError:
        raise f.RowError(f"{column} {raw[:40]!r} is not an ISO 8601 date or date-time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _refuse_customers(connection: sa.Connection, rows: list[Staged]) -> dict[int, str]:
    customers = refs.customer_ids(connection, {row.payload["customer"] for row in rows})
    return {
        row.line: refs.unknown("customer_external_id", row.payload["customer"])
        for row in rows
        if row.payload["customer"] not in customers
    }


class TicketKind:
    """Tickets, matched on their number."""

    name = "tickets"
    columns = Columns(TICKET_HEADER, (), TICKET_HEADER[:3])
    refuse_reads_payload = True

    def validate(self, values: dict[str, str], today: date) -> tuple[str, Payload]:
        check = Checks()
        number = check(f.text, values, "number", max_length=20, required=True)
        payload = {
            "customer": check(f.text, values, "customer_external_id", max_length=32, required=True),
            "subject": check(f.text, values, "subject", max_length=200, required=True),
            "category": check(f.text, values, "category", max_length=40) or "",
            "priority": check(f.choice, values, "priority", tuple(p.value for p in TicketPriority), "normal"),
            "status": check(f.choice, values, "status", tuple(s.value for s in TicketStatus), "open"),
            "assignee": check(f.text, values, "assignee", max_length=64) or "",
            "opened_at": check(_instant, values, "opened_at"),
        }
        check.done()
        return str(number), payload

    def refuse(self, connection: sa.Connection, rows: list[Staged]) -> dict[int, str]:
        return _refuse_customers(connection, rows)

    def apply(self, context: ApplyContext, rows: list[Staged]) -> set[int]:
        customers = refs.customer_ids(context.connection, {r.payload["customer"] for r in rows})
        now = utcnow()
        values = []
        for row in rows:
            p = row.payload
            values.append(
                {
                    "number": row.key,
                    "customer_id": customers[p["customer"]],
                    "subject": p["subject"],
                    "category": p["category"],
                    "priority": p["priority"],
                    "status": p["status"],
                    "assignee": p["assignee"],
                }
            )
            if p["opened_at"]:
                values[-1]["created_at"] = datetime.fromisoformat(p["opened_at"])
        table = table_of(Ticket)
        upsert_rows(
            context.connection,
            context.ids,
            table,
            ("number",),
            values,
            context.tally,
            insert_only={"holding_id": None, "sla_due": None, "created_at": now, "updated_at": now},
        )
        return set()


class CampaignKind:
    """Campaign contacts (the campaign made or renamed by its code), matched on campaign and customer."""

    name = "campaigns"
    columns = Columns(CAMPAIGN_HEADER, (), ("campaign_code", "customer_external_id", "sent_on"))
    refuse_reads_payload = True

    def validate(self, values: dict[str, str], today: date) -> tuple[str, Payload]:
        check = Checks()
        code = check(f.text, values, "campaign_code", max_length=40, required=True)
        customer = check(f.text, values, "customer_external_id", max_length=32, required=True)
        sent, responded = (
            check(f.iso_date, values, "sent_on", required=True),
            check(f.iso_date, values, "responded_on"),
        )
        if sent and responded and responded < sent:
            check.errors.append(f"responded_on {responded} is before sent_on {sent}")
        payload = {
            "code": code,
            "name": check(f.text, values, "campaign_name", max_length=120) or "",
            "channel": check(f.choice, values, "channel", tuple(c.value for c in Channel), ""),
            "customer": customer,
            "sent_on": sent.isoformat() if sent else None,
            "coupon_code": check(f.text, values, "coupon_code", max_length=40) or "",
            "responded_on": responded.isoformat() if responded else None,
            "returned_mail": bool(
                check(f.flag, {"returned_mail": values.get("returned_mail", "")}, "returned_mail")
            ),
        }
        check.done()
        return f"{code}|{customer}", payload

    def refuse(self, connection: sa.Connection, rows: list[Staged]) -> dict[int, str]:
        return _refuse_customers(connection, rows)

    def apply(self, context: ApplyContext, rows: list[Staged]) -> set[int]:
        connection = context.connection
        campaigns: dict[str, dict[str, str]] = {}
        for p in (r.payload for r in rows):  # the first row that names or places a campaign says it
            known = campaigns.setdefault(p["code"], {"name": "", "channel": ""})
            known["name"] = known["name"] or p["name"]
            known["channel"] = known["channel"] or p["channel"]
        campaign_table = table_of(Campaign)
        ids = upsert_rows(
            connection,
            context.ids,
            campaign_table,
            ("code",),
            [
                {"code": code, "name": p["name"] or code, "channel": p["channel"] or Channel.POST.value}
                for code, p in campaigns.items()
            ],
            Tally(),  # the counts are of contacts, one per row
            insert_only={"starts_on": None, "ends_on": None},
        )
        customers = refs.customer_ids(connection, {r.payload["customer"] for r in rows})
        values = [
            {
                "campaign_id": ids[(p["code"],)],
                "customer_id": customers[p["customer"]],
                "sent_on": date.fromisoformat(p["sent_on"]),
                "coupon_code": p["coupon_code"],
                "responded_on": date.fromisoformat(p["responded_on"]) if p["responded_on"] else None,
                "returned_mail": p["returned_mail"],
            }
            for p in (r.payload for r in rows)
        ]
        table = table_of(CampaignContact)
        upsert_rows(connection, context.ids, table, ("campaign_id", "customer_id"), values, context.tally)
        return set()
