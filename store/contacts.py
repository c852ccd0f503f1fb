"""Editing how a customer is reached, safely: validated, optimistically locked, audited, announced.

Every save claims the customer first with `UPDATE ... SET version = version + 1 WHERE version =
:expected`. If another console saved since the operator opened the form, no row matches,
`StaleVersion` is raised and the whole transaction (contact changes included) rolls back: nothing
is overwritten. The audit rows and the change-feed event go in the same transaction as the edit.

The form edits fixed slots (one phone per kind, two e-mails) so two versions compare field by field
and an operator's changes can be re-applied on top of someone else's (`reapply`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import audit
from store.contact_labels import LABELS, birth_date_error
from store.db import read_session, write_session
from store.messages import N_
from store.models import Address, AddressKind, Channel, Customer, Email, Phone, PhoneKind, Role
from store.notify import publish
from store.pan import redact_text
from store.permissions import sees_birth_date
from store.phones import normalize_phone, phone_hint
from store.returned_mail import flag_mailing
from store.sanitize import clean_line
from store.timeutil import utcnow

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z]{2})?$")
_PHONE_SLOTS = {"mobile": PhoneKind.MOBILE, "home_phone": PhoneKind.HOME, "work_phone": PhoneKind.WORK}
_EMAIL_SLOTS = ("email", "email_2")
_NAME_LIMITS = {"given_name": 120, "family_name": 160}
_CUSTOMER_FIELDS = (
    "given_name",
    "family_name",
    "preferred_language",
    "preferred_channel",
    "consent_voice",
    "consent_email",
    "consent_sms",
    "consent_post",
)


@dataclass(frozen=True)
class ContactFields:
    """What the contact form edits; phones are E.164 once validated, the birth date is YYYY-MM-DD."""

    given_name: str = ""
    family_name: str = ""
    birth_date: str = ""
    mobile: str = ""
    home_phone: str = ""
    work_phone: str = ""
    email: str = ""
    email_2: str = ""
    preferred_language: str = "en"
    preferred_channel: str = Channel.VOICE.value
    consent_voice: bool = False
    consent_email: bool = False
    consent_sms: bool = False
    consent_post: bool = False


@dataclass(frozen=True)
class ContactSnapshot:
    fields: ContactFields
    version: int
    birth_date_hidden: bool = False
    """A birth date is stored but this role may not see it (store.permissions): the form leaves it."""


@dataclass(frozen=True)
class AddressInput:
    kind: str
    line1: str
    city: str
    country: str
    line2: str = ""
    postcode: str = ""
    region: str = ""


class InvalidContact(ValueError):
    """What the operator typed cannot be saved; `errors` maps each field to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{LABELS.get(k, k)}: {v}" for k, v in errors.items()))
        self.errors = errors


class StaleVersion(Exception):
    """Someone else saved the customer first; nothing was written."""

    def __init__(self, current_version: int | None) -> None:
        super().__init__(f"the customer was changed by someone else (now version {current_version})")
        self.current_version = current_version


def is_email_address(value: str) -> bool:
    """True for what the store accepts as an e-mail address (the form and the import share it)."""
    return _EMAIL.match(value) is not None


def changed(a: ContactFields, b: ContactFields) -> list[str]:
    """Names of the fields that differ between `a` and `b`."""
    return [f.name for f in fields(ContactFields) if getattr(a, f.name) != getattr(b, f.name)]


def reapply(base: ContactFields, mine: ContactFields, theirs: ContactFields) -> ContactFields:
    """Theirs, with every field the operator changed (from `base`) set to the operator's value."""
    return replace(theirs, **{name: getattr(mine, name) for name in changed(base, mine)})


def validate(draft: ContactFields, region: str, today: date | None = None) -> ContactFields:
    """The draft cleaned and normalised (phones to E.164, e-mails lower-case, names on one line, the
    birth date checked against `today`); raises InvalidContact."""
    errors: dict[str, str] = {}
    names = {name: clean_line(getattr(draft, name)) for name in _NAME_LIMITS}
    for name, limit in _NAME_LIMITS.items():
        if len(names[name]) > limit:
            errors[name] = N_("At most {limit} characters.", limit=limit)
    birth_date = clean_line(draft.birth_date)
    if birth_date:
        errors.update(birth_date_error(birth_date, today or date.today()))
    slots = (*_PHONE_SLOTS, *_EMAIL_SLOTS)
    values: dict[str, Any] = {name: clean_line(getattr(draft, name)) for name in slots}
    for slot in _PHONE_SLOTS:
        if values[slot]:
            e164 = normalize_phone(values[slot], region)
            if e164 is None:
                errors[slot] = phone_hint(values[slot], region) or N_("Not a valid phone number.")
            values[slot] = e164 or values[slot]
    for slot in _EMAIL_SLOTS:
        values[slot] = values[slot].lower()
        if values[slot] and (len(values[slot]) > 254 or not is_email_address(values[slot])):
            errors[slot] = N_("Not an e-mail address: write it as name@example.com.")
    language = clean_line(draft.preferred_language).lower()
    if not _LANGUAGE.match(language):
        errors["preferred_language"] = N_("Required: a language code such as en, it or pt-br.")
    if draft.preferred_channel not in {c.value for c in Channel}:
        errors["preferred_channel"] = N_("Required: choose a channel.")
    if not any(values.values()):
        errors["mobile"] = N_("Required: at least one phone number or e-mail address.")
    if errors:
        raise InvalidContact(errors)
    typed: dict[str, Any] = values | names
    return replace(draft, **typed, birth_date=birth_date, preferred_language=language)


def load_contact(engine: Engine, customer_id: int, *, role: Role = Role.OPERATOR) -> ContactSnapshot | None:
    """The customer's contact fields as the form shows them (cleaned: a form draws them raw), with
    the version they belong to; the birth date only for a `role` allowed to see it."""
    with read_session(engine) as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            return None
        current = _current(session, customer)
        hidden = bool(current.birth_date) and not sees_birth_date(role)
        if hidden:
            current = replace(current, birth_date="")
        texts: dict[str, Any] = {
            f.name: clean_line(v) for f in fields(current) if isinstance(v := getattr(current, f.name), str)
        }
        return ContactSnapshot(replace(current, **texts), customer.version, birth_date_hidden=hidden)


def save_contact(
    engine: Engine,
    customer_id: int,
    expected_version: int,
    draft: ContactFields,
    *,
    operator: str,
    region: str,
    new_address: AddressInput | None = None,
    today: date | None = None,
    role: Role = Role.OPERATOR,
) -> int:
    """Validate and store `draft` (and `new_address`, valid from `today`) if the customer is still
    at `expected_version`; returns the new version. A birth date `role` may not see is kept."""
    errors: dict[str, str] = {}
    new, address = draft, None
    try:
        new = validate(draft, region, today)
    except InvalidContact as invalid:
        errors.update(invalid.errors)
    if new_address is not None:
        try:
            address = validate_address(new_address)
        except InvalidContact as invalid:
            errors.update(invalid.errors)
    if errors:
        raise InvalidContact(errors)
    with write_session(engine) as session:
        version = _claim(session, customer_id, expected_version)
        customer = session.get(Customer, customer_id)
        assert customer is not None
        old = _current(session, customer)
        if old.birth_date and not sees_birth_date(role):
            new = replace(new, birth_date=old.birth_date)
        audit = _Audit(session, operator, customer_id)
        _rename(customer, old, new)
        for name in (*_CUSTOMER_FIELDS, "birth_date"):
            if getattr(old, name) != getattr(new, name):
                audit.log("customer", customer_id, name, getattr(old, name), getattr(new, name))
        for name in _CUSTOMER_FIELDS:
            setattr(customer, name, getattr(new, name))
        customer.birth_date = date.fromisoformat(new.birth_date) if new.birth_date else None
        phones = _rows(session, Phone, customer_id)
        for slot, kind in _PHONE_SLOTS.items():
            row = next((p for p in phones if p.kind == kind), None)
            if row is None and getattr(new, slot):
                primary = not any(p.is_primary for p in phones)
                row = Phone(customer_id=customer_id, e164="", kind=kind, is_primary=primary)
                phones.append(row)
            _put(session, audit, row, getattr(new, slot), "phone", slot)
        emails = _rows(session, Email, customer_id)
        for index, slot in enumerate(_EMAIL_SLOTS):
            row = emails[index] if index < len(emails) else None
            if row is None and getattr(new, slot):
                row = Email(customer_id=customer_id, address="", is_primary=index == 0)
            _put(session, audit, row, getattr(new, slot), "email", slot)
        if address is not None:
            _add_address(session, audit, customer_id, address, today or date.today())
        publish(session, "customer", str(customer_id))
    return version


def _rename(customer: Customer, old: ContactFields, new: ContactFields) -> None:
    """A display name made of the two names (or a prospect's placeholder) follows them; one typed
    on its own (a company's, a nickname) is left alone."""
    derived = {f"{old.given_name} {old.family_name}".strip(), "New prospect", ""}
    if customer.display_name in derived and (old.given_name, old.family_name) != (
        new.given_name,
        new.family_name,
    ):
        customer.display_name = f"{new.given_name} {new.family_name}".strip() or customer.display_name


def mark_undeliverable(
    engine: Engine,
    customer_id: int,
    expected_version: int,
    address_id: int,
    *,
    on: date,
    reason: str,
    operator: str,
    campaign_code: str | None = None,
) -> int:
    """Flag an address as returning mail (date and reason kept) and the mailing that bounced
    (`campaign_code`'s, else the latest post mailing); the new customer version."""
    reason = clean_line(reason)
    if not reason:
        raise InvalidContact({"reason": N_("Required: why the mail came back (moved, unknown, refused).")})
    with write_session(engine) as session:
        version = _claim(session, customer_id, expected_version)
        address = session.get(Address, address_id)
        if address is None or address.customer_id != customer_id:
            raise InvalidContact({"address": N_("That address does not belong to this customer.")})
        audit = _Audit(session, operator, customer_id)
        audit.log("address", address_id, "undeliverable", address.undeliverable, True)
        audit.log("address", address_id, "undeliverable_reason", address.undeliverable_reason, reason)
        address.undeliverable, address.undeliverable_on, address.undeliverable_reason = True, on, reason
        address.updated_at = utcnow()
        flag_mailing(session, customer_id, on, campaign_code)
        publish(session, "customer", str(customer_id))
    return version


def record_address(
    engine: Engine, customer_id: int, expected_version: int, new: AddressInput, *, today: date, operator: str
) -> int:
    """Store a new current address of its kind; the one it replaces gets `valid_to = today`."""
    cleaned = validate_address(new)
    with write_session(engine) as session:
        version = _claim(session, customer_id, expected_version)
        _add_address(session, _Audit(session, operator, customer_id), customer_id, cleaned, today)
        publish(session, "customer", str(customer_id))
    return version


def validate_address(new: AddressInput) -> AddressInput:
    """The address cleaned, country upper-cased; raises InvalidContact naming each bad field."""
    cleaned = AddressInput(**{k: redact_text(clean_line(v)) for k, v in asdict(new).items()})
    errors: dict[str, str] = {
        name: N_("Required.") for name in ("line1", "city") if not getattr(cleaned, name)
    }
    if not re.fullmatch(r"[A-Za-z]{2}", cleaned.country):
        errors["country"] = N_("Required: a two-letter country code such as IT.")
    if cleaned.kind not in {k.value for k in AddressKind}:
        errors["kind"] = N_("Choose home, office or billing.")
    if errors:
        raise InvalidContact(errors)
    return replace(cleaned, country=cleaned.country.upper())


def _add_address(session: Session, audit: _Audit, customer_id: int, new: AddressInput, today: date) -> None:
    current = (col(Address.kind) == new.kind, col(Address.valid_to).is_(None))
    for old in _rows(session, Address, customer_id, *current):
        audit.log("address", old.id, "valid_to", None, today)
        old.valid_to, old.updated_at = today, utcnow()
    address = Address(customer_id=customer_id, valid_from=today, **asdict(new))
    session.add(address)
    session.flush()
    audit.log("address", address.id, "created", "", f"{new.kind}: {new.line1}, {new.city}")


def _claim(session: Session, customer_id: int, expected_version: int) -> int:
    """Bump the version if it is still `expected_version` (row-locks it); else StaleVersion."""
    result = session.execute(
        sa.update(Customer)
        .where(col(Customer.id) == customer_id, col(Customer.version) == expected_version)
        .values(version=Customer.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleVersion(session.exec(select(Customer.version).where(Customer.id == customer_id)).first())
    return expected_version + 1


def _rows(session: Session, model: Any, customer_id: int, *where: Any) -> list[Any]:
    """The customer's rows of `model`, primary first where there is a primary."""
    order = [col(model.is_primary).desc()] if hasattr(model, "is_primary") else []
    query = select(model).where(model.customer_id == customer_id, *where).order_by(*order, model.id)
    return list(session.exec(query))


def _current(session: Session, customer: Customer) -> ContactFields:
    phones = _rows(session, Phone, customer.id or 0)
    emails = [e.address for e in _rows(session, Email, customer.id or 0)] + ["", ""]
    numbers: dict[str, Any] = {
        slot: next((p.e164 for p in phones if p.kind == kind), "") for slot, kind in _PHONE_SLOTS.items()
    }
    return ContactFields(
        **numbers,
        email=emails[0],
        email_2=emails[1],
        birth_date=customer.birth_date.isoformat() if customer.birth_date else "",
        **{name: getattr(customer, name) for name in _CUSTOMER_FIELDS},
    )


def _put(
    session: Session, audit: _Audit, row: Phone | Email | None, value: str, entity: str, slot: str
) -> None:
    """Insert (a row without id), update or delete the row behind one slot, auditing the change."""
    if row is None:
        return
    attr = "e164" if entity == "phone" else "address"
    old = getattr(row, attr)
    if old == value:
        return
    setattr(row, attr, value)
    if not value:
        session.delete(row)
    else:
        session.add(row)
        session.flush()
    audit.log(entity, row.id, slot, old, value)


class _Audit:
    """Writes the audit log rows (store.audit) of one operator's edit of one customer, in its transaction."""

    def __init__(self, session: Session, operator: str, customer_id: int) -> None:
        self._session, self._operator, self._customer_id = session, clean_line(operator), customer_id

    def log(self, entity: str, entity_id: int | None, field: str, old: object, new: object) -> None:
        detail = {"entity": entity, "entity_id": entity_id, "field": field}
        detail |= {"old_value": _text(old), "new_value": _text(new)}
        audit.record(
            self._session, self._operator, "customer.edit", customer_id=self._customer_id, detail=detail
        )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return clean_line(str(value))[:1000]
