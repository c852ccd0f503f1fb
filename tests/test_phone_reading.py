"""The fast phone reader agrees with phonenumbers on every region's numbers, written every way."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from store.phone_reading import UNHANDLED, read_number
from store.phones import _candidates, normalize_phone

_TYPES = [value for name, value in vars(PhoneNumberType).items() if name.isupper() and name != "UNKNOWN"]


def library_normalize(raw: str, region: str) -> str | None:
    """normalize_phone as it was written on phonenumbers' public API alone (the reference)."""
    for text in _candidates(raw):
        try:
            number = phonenumbers.parse(text, region.upper() or None)
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
        if not text.startswith("+"):
            continue
        nsn = phonenumbers.national_significant_number(number)
        try:
            retry = phonenumbers.parse(f"+{number.country_code}0{nsn}", None)
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(retry):
            return phonenumbers.format_number(retry, PhoneNumberFormat.E164)
    return None


def _examples() -> list[tuple[str, phonenumbers.PhoneNumber]]:
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in _TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.append((region, number))
    return found


def _mutations(text: str, rng: random.Random) -> list[str]:
    """`text` with one digit changed, dropped, added, and with prefixes feeds add."""
    position = rng.randrange(len(text))
    digit = rng.choice("0123456789")
    return [
        text[:position] + digit + text[position + 1 :],
        text[:position] + text[position + 1 :],
        text[:position] + digit + text[position:],
        "0" + text,
    ]


def _cases() -> list[tuple[str, str]]:
    rng = random.Random(20261203)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    cases: list[tuple[str, str]] = []
    for region, number in _examples():
        code = str(number.country_code)
        nsn = phonenumbers.national_significant_number(number)
        national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
        digits = "".join(ch for ch in national if ch.isdigit())
        written = [
            phonenumbers.format_number(number, PhoneNumberFormat.E164),
            phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
            national,
            digits,
            code + nsn,
            "00" + code + nsn,
            "+" + code + "0" + nsn,
        ]
        other = rng.choice(regions)
        for text in written:
            cases += [(text, region), (text, other), (text, "")]
        for text in _mutations(digits, rng) + _mutations("+" + code + nsn, rng):
            cases += [(text, region), (text, other)]
    for _ in range(5_000):  # digits nobody planned, with and without "+"
        text = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 19)))
        cases += [(text, rng.choice(regions)), ("+" + text, rng.choice(regions))]
    return cases


CASES = _cases()


def test_normalize_phone_agrees_with_phonenumbers_everywhere() -> None:
    disagreements = [
        (text, region, normalize_phone(text, region), library_normalize(text, region))
        for text, region in CASES
        if normalize_phone(text, region) != library_normalize(text, region)
    ]
    assert len(CASES) > 20_000
    assert disagreements == []


def test_the_fast_path_reads_most_numbers_itself() -> None:
    """Not a fallback in disguise: the usual forms (E.164, national, international) never reach
    the library, and of all the cases above most are decided here."""
    handled = sum(
        read_number(text, region) != UNHANDLED for raw, region in CASES for text in _candidates(raw)
    )
    assert handled > 0.7 * len(CASES)
    for raw, region in [("+39 06 1234 5678", "IT"), ("06 1234 5678", "IT"), ("(201) 555-0123", "US")]:
        assert all(read_number(text, region) != UNHANDLED for text in _candidates(raw))


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+39 06 1234 5678", "IT", "+390612345678"),
        ("06 1234 5678", "IT", "+390612345678"),
        ("+39 6 1234 5678", "", "+390612345678"),  # the dropped leading 0 restored
        ("0151 23456789", "DE", "+4915123456789"),  # the national prefix 0 stripped
        ("+44 7400 123456", "GB", "+447400123456"),
        ("+1 268 464 1234", "US", "+12684641234"),  # Antigua: +1 shared by 25 regions
        ("12345", "IT", None),
    ],
)
def test_numbers_operators_type(raw: str, region: str, e164: str | None) -> None:
    assert normalize_phone(raw, region) == e164
