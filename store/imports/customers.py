"""`callpop import customers`: the default header, the checks of one row, the erased-id refusal.

An empty cell never erases what callpop holds: phones and e-mails in the file are added (the
first of each becomes the primary), a different address becomes the current home address and
the old one is kept with its end date. New customers are written by `store.imports.customer_insert`,
known ones updated by `store.imports.customer_upsert`.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

import sqlalchemy as sa
from sqlmodel import col

from store.db import one_of
from store.imports import fields as f
from store.imports.checks import Checks
from store.imports.source import Columns
from store.imports.types import ApplyContext, Payload, Staged
from store.models import CustomerStatus
from store.models.base import table_of
from store.models.data import CustomerErasure

HEADER = (
    "external_id",
    "given_name",
    "family_name",
    "birth_date",
    "email",
    "phones",
    "street",
    "city",
    "postal_code",
    "country",
)
CONSENTS = ("consent_voice", "consent_email", "consent_sms", "consent_post")
EXTRAS = ("status", "segment", "preferred_language", *CONSENTS, "vip")
"""Columns a `--map` file may bring in besides the header."""
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z]{2})?$")


def external_id_digest(external_id: str) -> str:
    """What an erasure keeps of an external id: enough to refuse it again, not to read it."""
    return hashlib.sha256(external_id.encode("utf-8")).hexdigest()


class CustomerKind:
    """Customers with their phones, e-mail and home address, upserted by external_id."""

    name = "customers"
    refuse_reads_payload = False
    columns = Columns(HEADER, EXTRAS, HEADER)

    def validate(self, values: dict[str, str], today: date) -> tuple[str, Payload]:
        check = Checks()
        external_id = check(f.text, values, "external_id", max_length=32, required=True)
        given = check(f.text, values, "given_name", max_length=120) or ""
        family = check(f.text, values, "family_name", max_length=160) or ""
        if not given and not family and not check.errors:
            check.errors.append("given_name and family_name are both empty: a customer needs a name")
        born = check(f.birth_date, values, "birth_date", today)
        region = check(f.country, values, "country") or ""
        payload: Payload = {
            "external_id": external_id,
            "given_name": given,
            "family_name": family,
            "birth_date": born.isoformat() if born else None,
            "email": check(f.email, values, "email") or "",
            "phones": check(f.phones, values, "phones", region) or [],
            "street": check(f.text, values, "street", max_length=200) or "",
            "city": check(f.text, values, "city", max_length=120) or "",
            "postal_code": check(f.text, values, "postal_code", max_length=20) or "",
            "country": region,
        }
        if (payload["street"] or payload["postal_code"]) and not payload["city"]:
            check.errors.append("city is empty but the row has a street or postal code")
        payload.update(self._extras(values, check))
        check.done()
        return str(external_id), payload

    @staticmethod
    def _extras(values: dict[str, str], check: Checks) -> Payload:
        """The mapped extra columns present in the file (absent ones are left as stored)."""
        extras: Payload = {}
        if "status" in values:
            statuses = tuple(s.value for s in CustomerStatus)
            extras["status"] = check(f.choice, values, "status", statuses, CustomerStatus.ACTIVE.value)
        if "segment" in values:
            extras["segment"] = check(f.text, values, "segment", max_length=40) or "mass"
        if "preferred_language" in values:
            language = (check(f.text, values, "preferred_language", max_length=8) or "en").lower()
            if not _LANGUAGE.match(language):
                check.errors.append(f"preferred_language {language!r} is not a language code (en, it, pt-br)")
            extras["preferred_language"] = language
        for column in (*CONSENTS, "vip"):
            value = check(f.flag, values, column)
            if value is not None:
                extras[column] = value
        return extras

    def refuse(self, connection: sa.Connection, rows: list[Staged]) -> dict[int, str]:
        by_digest = {external_id_digest(row.key): row.line for row in rows}
        erased = connection.execute(
            sa.select(col(CustomerErasure.external_id_digest), col(CustomerErasure.erased_at)).where(
                one_of(connection.dialect, table_of(CustomerErasure).c.external_id_digest, list(by_digest))
            )
        )
        return {
            by_digest[digest]: f"external_id belongs to a person erased on request on {at:%Y-%m-%d}: "
            "not imported again"
            for digest, at in erased
        }

    def insert_new(self, context: ApplyContext, run_id: int) -> set[int]:
        from store.imports.customer_insert import insert_new_customers

        return insert_new_customers(context, run_id)

    def apply(self, context: ApplyContext, rows: list[Staged]) -> set[int]:
        from store.imports.customer_upsert import upsert_customers

        return upsert_customers(context, rows)
