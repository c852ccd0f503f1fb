"""`callpop import holdings` and `callpop import warranties`: what customers hold, and its cover.

A holding is matched on its product and reference (account or serial number); a reference that
is a card number (13-19 digits passing the Luhn check) is masked to its first 6 and last 4 digits
before anything is stored, staging included. A warranty is matched on its holding, kind and
start date; the holdings must be imported first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from store.balances import record_balances
from store.imports import fields as f
from store.imports import references as refs
from store.imports.checks import Checks
from store.imports.source import Columns
from store.imports.types import ApplyContext, Payload, Staged
from store.imports.upsert import upsert_rows
from store.models import Holding, HoldingStatus, Warranty, WarrantyKind
from store.models.base import table_of
from store.profile.rows import mask_card

HOLDING_HEADER = (
    "customer_external_id",
    "product_code",
    "reference",
    "opened_on",
    "closed_on",
    "status",
    "balance",
    "price_paid",
)
WARRANTY_HEADER = ("product_code", "holding_reference", "kind", "starts_on", "ends_on", "price", "covers")


def looks_like_card(reference: str) -> bool:
    """13-19 digits (spaces and dashes aside) that pass the Luhn check."""
    digits = [int(ch) for ch in reference if ch.isdigit()]
    if not 13 <= len(digits) <= 19 or any(ch not in "0123456789 -" for ch in reference):
        return False
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(reversed(digits)))
    return total % 10 == 0


def _amount(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


class HoldingKind:
    """Holdings, matched on product and reference."""

    name = "holdings"
    refuse_reads_payload = True
    columns = Columns(HOLDING_HEADER, (), HOLDING_HEADER[:3])

    def validate(self, values: dict[str, str], today: date) -> tuple[str, Payload]:
        check = Checks()
        customer = check(f.text, values, "customer_external_id", max_length=32, required=True)
        product = check(f.text, values, "product_code", max_length=40, required=True)
        reference = check(f.text, values, "reference", max_length=40, required=True) or ""
        if looks_like_card(reference):
            reference = mask_card(reference)
        opened, closed = check(f.iso_date, values, "opened_on"), check(f.iso_date, values, "closed_on")
        if opened and closed and closed < opened:
            check.errors.append(f"closed_on {closed} is before opened_on {opened}")
        statuses = tuple(s.value for s in HoldingStatus)
        payload = {
            "customer": customer,
            "product": product,
            "reference": reference,
            "opened_on": opened.isoformat() if opened else None,
            "closed_on": closed.isoformat() if closed else None,
            "status": check(f.choice, values, "status", statuses, HoldingStatus.ACTIVE.value),
            "balance": check(f.money, values, "balance"),
            "price_paid": check(f.money, values, "price_paid"),
        }
        check.done()
        return f"{product}|{reference}", payload

    def refuse(self, connection, rows: list[Staged]) -> dict[int, str]:
        payloads = {row.line: row.payload for row in rows}
        customers = refs.customer_ids(connection, {p["customer"] for p in payloads.values()})
        products = refs.products(connection, {p["product"] for p in payloads.values()})
        refused = {}
        for line, p in payloads.items():
            if p["customer"] not in customers:
                refused[line] = refs.unknown("customer_external_id", p["customer"])
            elif p["product"] not in products:
                refused[line] = refs.unknown("product_code", p["product"])
        return refused

    def apply(self, context: ApplyContext, rows: list[Staged]) -> set[int]:
        connection = context.connection
        customers = refs.customer_ids(connection, {r.payload["customer"] for r in rows})
        products = refs.products(connection, {r.payload["product"] for r in rows})
        values = [
            {
                "customer_id": customers[p["customer"]],
                "product_id": products[p["product"]][0],
                "reference": p["reference"],
                "opened_on": date.fromisoformat(p["opened_on"]) if p["opened_on"] else None,
                "closed_on": date.fromisoformat(p["closed_on"]) if p["closed_on"] else None,
                "status": p["status"],
                "balance": _amount(p["balance"]),
                "price_paid": _amount(p["price_paid"]),
            }
            for p in (r.payload for r in rows)
        ]
        insert_only = {"next_payment_on": None, "next_payment_amount": None}
        table = table_of(Holding)
        ids = upsert_rows(
            connection,
            context.ids,
            table,
            ("product_id", "reference"),
            values,
            context.tally,
            insert_only=insert_only,
        )
        balances = {ids[(row["product_id"], row["reference"])]: row["balance"] for row in values}
        record_balances(connection, balances, context.today)
        return set()


class WarrantyKindImport:
    """Warranties on holdings, matched on holding, kind and start date."""

    name = "warranties"
    refuse_reads_payload = True
    columns = Columns(WARRANTY_HEADER, (), WARRANTY_HEADER[:5])

    def validate(self, values: dict[str, str], today: date) -> tuple[str, Payload]:
        check = Checks()
        product = check(f.text, values, "product_code", max_length=40, required=True)
        reference = check(f.text, values, "holding_reference", max_length=40, required=True) or ""
        kinds = tuple(k.value for k in WarrantyKind)
        kind = check(f.choice, values, "kind", kinds, WarrantyKind.STANDARD.value)
        starts, ends = (
            check(f.iso_date, values, "starts_on", required=True),
            check(f.iso_date, values, "ends_on", required=True),
        )
        if starts and ends and ends < starts:
            check.errors.append(f"ends_on {ends} is before starts_on {starts}")
        payload = {
            "product": product,
            "reference": mask_card(reference) if looks_like_card(reference) else reference,
            "kind": kind,
            "starts_on": starts.isoformat() if starts else None,
            "ends_on": ends.isoformat() if ends else None,
            "price": check(f.money, values, "price"),
            "covers": check(f.text, values, "covers", max_length=200) or "",
        }
        check.done()
        return f"{product}|{payload['reference']}|{kind}|{payload['starts_on']}", payload

    def refuse(self, connection, rows: list[Staged]) -> dict[int, str]:
        payloads = {row.line: row.payload for row in rows}
        holdings = refs.holding_ids(connection, {(p["product"], p["reference"]) for p in payloads.values()})
        return {
            line: f"no holding of {p['product'][:40]!r} with reference {p['reference'][:40]!r} "
            "(import holdings first)"
            for line, p in payloads.items()
            if (p["product"], p["reference"]) not in holdings
        }

    def apply(self, context: ApplyContext, rows: list[Staged]) -> set[int]:
        holdings = refs.holding_ids(
            context.connection, {(r.payload["product"], r.payload["reference"]) for r in rows}
        )
        values = [
            {
                "holding_id": holdings[(p["product"], p["reference"])],
                "kind": p["kind"],
                "starts_on": date.fromisoformat(p["starts_on"]),
                "ends_on": date.fromisoformat(p["ends_on"]),
                "price": _amount(p["price"]),
                "covers": p["covers"],
            }
            for p in (r.payload for r in rows)
        ]
        table = table_of(Warranty)
        upsert_rows(
            context.connection,
            context.ids,
            table,
            ("holding_id", "kind", "starts_on"),
            values,
            context.tally,
            insert_only={"claims": 0},
        )
        return set()
