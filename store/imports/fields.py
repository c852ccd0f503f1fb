"""Checks of one imported value, the same the console applies: cleaned text, bounded lengths,
ISO dates, ISO 3166 countries, phones read with their region, e-mail addresses.

Each check returns the cleaned value or raises `RowError` with a reason a person can act on.
Control characters and escape sequences are removed by `store.sanitize` exactly as the console
does; a cell starting with "=" is a name like any other and stays as it is (the export makes it
safe for spreadsheets).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pycountry

from store.contacts import is_email_address
from store.phones import normalize_phone, phone_hint
from store.sanitize import clean_line, clean_text

EARLIEST_BIRTH = date(1900, 1, 1)
MAX_PHONES = 5
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


class RowError(ValueError):
    """One row cannot be imported; the message says which column and why."""


def text(values: dict[str, str], column: str, *, max_length: int, required: bool = False) -> str:
    """A one-line text cell, cleaned; too long or missing is an error (never cut)."""
    value = clean_line(values.get(column))
    if required and not value:
        raise RowError(f"{column} is empty")
    if len(value) > max_length:
        raise RowError(f"{column} is {len(value):,} characters long, at most {max_length} are allowed")
    return value


def long_text(values: dict[str, str], column: str, *, max_length: int, required: bool = False) -> str:
    """A multi-line text cell (a ticket summary), cleaned and bounded."""
    value = clean_text(values.get(column) or "").strip()
    if required and not value:
        raise RowError(f"{column} is empty")
    if len(value) > max_length:
        raise RowError(f"{column} is {len(value):,} characters long, at most {max_length} are allowed")
    return value


def iso_date(values: dict[str, str], column: str, *, required: bool = False) -> date | None:
    """An ISO 8601 date (YYYY-MM-DD)."""
    raw = clean_line(values.get(column))
    if not raw:
        if required:
            raise RowError(f"{column} is empty")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise RowError(f"{column} {raw[:40]!r} is not a date (write it as YYYY-MM-DD)") from None


def birth_date(values: dict[str, str], column: str, today: date) -> date | None:
    """A birth date: a real day, not in the future, not before 1900."""
    born = iso_date(values, column)
    if born is not None and not EARLIEST_BIRTH <= born <= today:
        raise RowError(f"{column} {born.isoformat()} is impossible (in the future or before 1900)")
    return born


@lru_cache(maxsize=512)
def _is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def country(values: dict[str, str], column: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased ("it" -> "IT")."""
    code = clean_line(values.get(column)).upper()
    if code and (len(code) != 2 or not _is_country(code)):
        raise RowError(f"{column} {code[:20]!r} is not an ISO 3166 two-letter country code (e.g. IT, GB)")
    return code


def email(values: dict[str, str], column: str) -> str:
    """An e-mail address, lower-cased as the store keeps them."""
    address = clean_line(values.get(column)).lower()
    if address and (len(address) > 254 or not is_email_address(address)):
        raise RowError(f"{column} {address[:60]!r} is not an e-mail address")
    return address


def phones(values: dict[str, str], column: str, region: str) -> list[str]:
    """Numbers separated by ";" in any format, read with `region`, in E.164, duplicates dropped."""
    found: list[str] = []
    for raw in clean_line(values.get(column)).split(";"):
        raw = raw.strip()
        if not raw:
            continue
        e164 = normalize_phone(raw, region)
        if e164 is None:
            hint = phone_hint(raw, region) if region or raw.startswith(("+", "00")) else ""
            hint = hint or "give the country column, or write the number with its +country code"
            raise RowError(f"{column} {raw[:30]!r} is not a valid phone number: {hint}")
        if e164 not in found:
            found.append(e164)
    if len(found) > MAX_PHONES:
        raise RowError(f"{column} has {len(found)} numbers, at most {MAX_PHONES} are kept per customer")
    return found


def flag(values: dict[str, str], column: str) -> bool | None:
    """A yes/no cell (true/false, yes/no, 1/0); None when the column is not in the file."""
    if column not in values:
        return None
    raw = clean_line(values[column]).lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise RowError(f"{column} {raw[:20]!r} is not yes/no (true, false, 1, 0)")


def choice(values: dict[str, str], column: str, options: tuple[str, ...], default: str) -> str:
    """One of `options` (case-insensitive); `default` when empty."""
    raw = clean_line(values.get(column)).lower()
    if not raw:
        return default
    if raw not in options:
        raise RowError(f"{column} {raw[:30]!r} is not one of {', '.join(options)}")
    return raw


def money(values: dict[str, str], column: str) -> str | None:
    """An amount with at most two decimals, kept as its decimal string."""
    raw = clean_line(values.get(column)).replace(",", "")
    if not raw:
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise RowError(f"{column} {raw[:20]!r} is not an amount") from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e12") or amount != round(amount, 2):
        raise RowError(f"{column} {raw[:20]!r} is not an amount with at most two decimals")
    return str(amount)
