"""Dates, relative days, numbers, money and language names as each console language writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from screens.formatting import (
    UNKNOWN_TAG_SHOWN,
    format_date,
    format_datetime,
    format_money,
    format_number,
    format_time,
    language_name,
    marked_fallback,
    relative_days,
    relative_time,
)
from screens.i18n import set_language
from store.languages import Localised, normalise_language

TODAY = date(2026, 12, 1)
NBSP = "\xa0"

EXPECTED = {
    # language: (in 12 days, 3 days ago, today, money, number, date, Spanish)
    "en": ("in 12 days", "3 days ago", "today", "€1,234.50", "1,234.5", "Dec 1, 2026", "Spanish"),
    "it": ("tra 12 giorni", "3 giorni fa", "oggi", f"1.234,50{NBSP}€", "1.234,5", "1 dic 2026", "spagnolo"),
    "es": ("dentro de 12 días", "hace 3 días", "hoy", f"1.234,50{NBSP}€", "1.234,5", "1 dic 2026", "español"),
    "pt_PT": ("dentro de 12 dias", "há 3 dias", "hoje", f"1{NBSP}234,50{NBSP}€", f"1{NBSP}234,5",
              "01/12/2026", "espanhol"),
    "pt_BR": ("em 12 dias", "há 3 dias", "hoje", f"€{NBSP}1.234,50", "1.234,5",
              "1 de dez. de 2026", "espanhol"),
    "de": ("in 12 Tagen", "vor 3 Tagen", "heute", f"1.234,50{NBSP}€", "1.234,5", "01.12.2026", "Spanisch"),
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_formats_follow_the_console_language(language: str) -> None:
    """Regression: an Italian console said "in 2 weeks" and "1,234.50" . You should see each
    language's own words, separators and date order, from the current console language."""
    set_language(language)
    ahead, ago, today, money, number, day, spanish = EXPECTED[language]
    assert relative_days(TODAY + timedelta(days=12), TODAY) == ahead
    assert relative_days(TODAY - timedelta(days=3), TODAY) == ago
    assert relative_days(TODAY, TODAY) == today
    assert format_money(1234.5) == money
    assert format_number(1234.5) == number
    assert format_date(TODAY) == day
    assert language_name("es") == spanish


def test_an_explicit_language_wins_over_the_console_one() -> None:
    set_language("it")
    assert relative_days(TODAY, TODAY, language="de") == "heute"
    assert relative_days(TODAY - timedelta(days=3), TODAY, language="es") == "hace 3 días"


def test_far_dates_step_up_to_months_and_years() -> None:
    assert relative_days(TODAY + timedelta(days=90), TODAY, language="it") == "tra 3 mesi"
    assert relative_days(TODAY - timedelta(days=400), TODAY, language="es") == "hace 1 año"


def test_times_are_local_and_relative() -> None:
    moment = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert relative_time(moment, moment + timedelta(minutes=5), language="it") == "5 minuti fa"
    wall_clock = datetime(2026, 12, 1, 14, 5)  # naive: shown as it is, whatever the seat's zone
    assert format_datetime(wall_clock, language="de") == "01.12.26, 14:05"
    assert format_time(wall_clock, language="it") == "14:05"
    assert format_time(wall_clock, language="en") == "2:05\u202fPM"


def test_unknown_or_missing_customer_languages_are_shown_as_they_are() -> None:
    assert language_name("pt", language="it") == "portoghese"
    assert language_name("xx-unknown") == "xx-unknown"
    assert language_name("") == "-"


def test_an_untranslated_text_is_marked() -> None:
    """Regression: an English-only offer script looked like a translation. You should see it
    tagged [EN] when the catalogue had nothing in the wanted language."""
    assert marked_fallback(Localised("Say this", None, True)) == "[EN] Say this"
    assert marked_fallback(Localised("Dica", "it", False)) == "Dica"


def test_a_hostile_language_tag_is_shown_as_plain_short_text(hostile: str) -> None:
    """Regression: a customer's unknown language tag came back raw, escape sequences and 5,000
    characters included. You should see it cleaned and cut, never raw."""
    shown = language_name(hostile)
    assert len(shown) <= UNKNOWN_TAG_SHOWN or shown == language_name(normalise_language(hostile))
    assert not any(ch in shown for ch in "\x1b\x07\x00\x08\n\r")
