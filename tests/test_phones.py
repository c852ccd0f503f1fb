"""Phone normalisation as operators and switches write numbers."""

from __future__ import annotations

import phonenumbers
import pytest

from store.phones import digits_of, mask_phone, national_number, normalize_phone, phone_hint


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("06 1234 5678", "IT", "+390612345678"),
        ("+39 06 1234 5678", "IT", "+390612345678"),
        ("0039 06 1234 5678", "IT", "+390612345678"),
        ("0039 06 1234 5678", "US", "+390612345678"),
        ("+39 6 1234 5678", "IT", "+390612345678"),
        ("(415) 555-0100", "US", "+14155550100"),
        ("415.555.0100", "US", "+14155550100"),
        ("+1 415 555 0100", "IT", "+14155550100"),
        ("0151/23456789", "DE", "+4915123456789"),
        ("151 23456789", "DE", "+4915123456789"),
        ("+49 (0)151-234 567 89", "IT", "+4915123456789"),
        ("020 7946 0000", "GB", "+442079460000"),
    ],
)
def test_normalize_reads_every_national_habit(raw: str, region: str, e164: str) -> None:
    assert normalize_phone(raw, region) == e164
    assert phone_hint(raw, region) == ""


@pytest.mark.parametrize("raw", ["", "12", "5678", "abc", "+999 123456", "555-0100", "06 12", "\x1b[2J"])
def test_invalid_numbers_get_a_hint_not_a_crash(raw: str) -> None:
    assert normalize_phone(raw, "IT") is None
    hint = phone_hint(raw, "IT")
    assert hint and hint.endswith(".")


def test_hint_says_too_short_with_the_digit_count() -> None:
    assert "2 digits" in phone_hint("12", "IT")


def test_unknown_region_is_explained() -> None:
    assert "region" in phone_hint("0612345678", "XX")


def test_mask_keeps_country_area_and_last_four() -> None:
    assert mask_phone("+390612345678") == "+39 06 \u2022\u2022\u2022\u2022 5678"
    assert mask_phone("+14155550100").endswith("0100")
    assert "555" not in mask_phone("+14155550100")


def test_digits_of_drops_everything_else() -> None:
    assert digits_of("+39 (06) 12-34/56.78") == "390612345678"


def test_hostile_text_is_no_number(hostile: str) -> None:
    assert normalize_phone(hostile, "IT") is None or normalize_phone(hostile, "IT").startswith("+")
    assert isinstance(phone_hint(hostile, "IT"), str)


def test_national_number_cut_from_e164_is_what_phonenumbers_parses() -> None:
    """Every region's example numbers of every type: the cut-off country code gives phonenumbers'
    own national significant number (Italy's leading 0 kept, NANP's 1, 3-digit codes)."""
    examples = [
        phonenumbers.example_number_for_type(region, kind)
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
        for kind in range(11)
    ]
    numbers = [phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164) for n in examples if n]
    assert len(numbers) > 1000
    for e164 in numbers:
        expected = phonenumbers.national_significant_number(phonenumbers.parse(e164, None))
        assert national_number(e164) == expected, e164


def test_national_number_of_what_is_not_e164_falls_back_to_the_parse() -> None:
    assert national_number("+39 06 1234 5678") == "0612345678"
    assert national_number("not a number") == ""
