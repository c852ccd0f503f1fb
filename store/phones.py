"""Phone numbers as operators type them and as the switch sends them, read into E.164.

Operators paste numbers in every national habit ("06 1234 5678", "0039 06...", "(415) 555-0100",
"0151/23456789"); the store keeps E.164 only, so every comparison goes through `normalize_phone`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from store.messages import N_, Phrase
from store.phone_reading import is_valid, read_number

_NOT_DIALLABLE = re.compile(r"[^0-9+]")
_LETTERS = re.compile(r"[^\W\d_]")
_MASK = "\u2022"


_URI = re.compile(r"^\s*(?:tel|sips?):\s*(?P<number>[^@;]*)", re.IGNORECASE)


def dialled_part(raw: str) -> str:
    """The number in a `tel:` or `sip:` URI as switches send them ("tel:+39-06-1234-5678;ext=2",
    "sip:+390612345678@pbx"): without the scheme, the parameters and the host; other text as is."""
    match = _URI.match(raw)
    return match.group("number") if match else raw


def digits_of(raw: str) -> str:
    """Only the ASCII digits of `raw` ("+39 (06) 12-34" -> "39061234")."""
    return "".join(ch for ch in raw if "0" <= ch <= "9")


def _candidates(raw: str) -> list[str]:
    """Ways to read `raw`: as typed, "00" as the international prefix, the Italian-style 0 restored."""
    text = _NOT_DIALLABLE.sub("", raw.strip())
    if not text:
        return []
    plus = text.startswith("+")
    digits = text.replace("+", "")  # only ASCII digits and "+" are left
    found = [("+" if plus else "") + digits]
    if not plus and digits.startswith("00"):
        found.append("+" + digits[2:])
    return found


def _read(text: str, region: str) -> tuple[int, str] | None:
    """(country code, national significant number) of one candidate, or None if it does not parse."""
    quick = read_number(text, region)
    if not isinstance(quick, str):  # a reading, or None; the string is UNHANDLED
        return quick
    try:
        number = phonenumbers.parse(text, region.upper() or None)
    except NumberParseException:
        return None
    return number.country_code or 0, phonenumbers.national_significant_number(number)


def _parse(raw: str, region: str) -> tuple[int, str] | None:
    """The first valid reading of `raw` as (country code, national significant number), or None."""
    for text in _candidates(raw):
        reading = _read(text, region)
        if reading is None:
            continue
        if is_valid(*reading):
            return reading
        if not text.startswith("+"):
            continue
        # "+39 6 1234 5678": the caller dropped a leading 0 that belongs to the number itself.
        retry = _read(f"+{reading[0]}0{reading[1]}", "")
        if retry is not None and is_valid(*retry):
            return retry
    return None


def normalize_phone(raw: str, region: str) -> str | None:
    """`raw` in E.164 ("+390612345678"), read with `region` when it has no country prefix; None if invalid."""
    reading = _parse(raw or "", region)
    return f"+{reading[0]}{reading[1]}" if reading else None


_COUNTRY_CODES = frozenset(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def national_number(e164: str) -> str:
    """The national significant number of a stored E.164 number (its digits after the country code).

    E.164 as `normalize_phone` writes it is "+", the country code, the national number: the code
    (1-3 digits, no code the start of another) is cut off directly, which is what phonenumbers'
    parse does first and twenty times cheaper (a 1,000,000-customer index build reads every phone)."""
    digits = e164[1:]
    if e164.startswith("+") and digits.isascii() and digits.isdigit():
        for size in (1, 2, 3):
            if digits[:size] in _COUNTRY_CODES:
                return digits[size:]
    try:
        return phonenumbers.national_significant_number(phonenumbers.parse(e164, None))
    except NumberParseException:
        return digits_of(e164)


_WRONG_LENGTH = {
    ValidationResult.TOO_SHORT: N_("{count} digits is too short for a phone number in {region}."),
    ValidationResult.TOO_LONG: N_("{count} digits is too long for a phone number in {region}."),
    ValidationResult.INVALID_COUNTRY_CODE: N_(
        "{count} digits is an unknown country code for a phone number in {region}."
    ),
    ValidationResult.INVALID_LENGTH: N_("{count} digits is the wrong length for a phone number in {region}."),
}


def phone_hint(raw: str, region: str) -> str:
    """ "" when `raw` is a valid number; otherwise one sentence (a Phrase) telling the operator
    what is wrong."""
    raw = raw or ""
    if normalize_phone(raw, region):
        return ""
    digits = digits_of(raw)
    if not digits:
        return N_("Type a phone number, or at least its last 4 digits.")
    if _LETTERS.search(raw):
        return N_("A phone number has no letters; search by name, or by the digits alone.")
    if not raw.strip().startswith(("+", "00")) and not phonenumbers.country_code_for_region(region.upper()):
        return N_(
            "Unknown default region {region}: write the number with its +country code.", region=repr(region)
        )
    for text in _candidates(raw):
        try:
            number = phonenumbers.parse(text, region.upper() or None)
        except NumberParseException:
            continue
        wrong = _WRONG_LENGTH.get(phonenumbers.is_possible_number_with_reason(number))
        where = phonenumbers.region_code_for_country_code(number.country_code or 0)
        if wrong:
            return Phrase(wrong.msgid, {"count": len(digits), "region": where})
        return N_(
            "Not a valid number in {region}: check the area code, or add the +country code.", region=where
        )
    return N_("Not a phone number: write it as +39 06 1234 5678 or 06 1234 5678.")


@lru_cache(maxsize=4096)  # search-as-you-type shows the same people keystroke after keystroke
def mask_phone(e164: str) -> str:
    """A number for the screen with its middle hidden: "+39 06 •••• 5678" (keeps the last 4 digits)."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return _MASK * max(0, len(e164) - 4) + e164[-4:]
    shown = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    head = f"+{number.country_code} "
    rest = shown.removeprefix(head)
    total = len(digits_of(rest))
    area = len(rest) - len(rest.lstrip("0123456789"))
    keep_area = area if total - area >= 6 else 0
    out, seen = [], 0
    for ch in rest:
        if ch.isdigit():
            seen += 1
            ch = ch if seen <= keep_area or seen > total - 4 else _MASK
        out.append(ch)
    return head + "".join(out)
