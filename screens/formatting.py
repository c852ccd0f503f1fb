"""Dates, times, numbers and money as the operator's locale writes them (Babel's CLDR data).

Each function formats in the console's current language (`screens.i18n`) unless `language` is
given. No Textual here: screens call these while building text, workers may too.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from babel import Locale, UnknownLocaleError, dates, numbers

from screens.i18n import _, current_language, translation
from store.languages import DEFAULT_TEXT_LANGUAGE, Localised, normalise_language
from store.sanitize import clean_line

UNKNOWN_TAG_SHOWN = 16
"""How much of a language tag Babel does not know is shown (customer data of any length)."""

DAYS_SHOWN_AS_DAYS = 60
"""Up to this many days away a relative date says days ("in 12 days"), not weeks or months."""


def _locale(language: str | None) -> str:
    return language or current_language()


def format_date(value: date, *, language: str | None = None, length: str = "medium") -> str:
    """A calendar date ("1 dic 2026", "01.12.2026")."""
    return dates.format_date(value, length, locale=_locale(language))


def format_datetime(value: datetime, *, language: str | None = None, length: str = "short") -> str:
    """A moment in the seat's local time zone (stored times are UTC)."""
    local = value.astimezone() if value.tzinfo else value
    return dates.format_datetime(local, length, locale=_locale(language))


def format_time(value: datetime, *, language: str | None = None) -> str:
    """The time of day of a moment, in the seat's local time zone ("14:05", "2:05 PM")."""
    local = value.astimezone() if value.tzinfo else value
    return dates.format_time(local, "short", locale=_locale(language))


def format_number(value: int | float | Decimal, *, language: str | None = None) -> str:
    """A number with the locale's separators ("1.234,5", "1,234.5")."""
    return numbers.format_decimal(value, locale=_locale(language))


def format_amount(value: int | float | Decimal, *, language: str | None = None) -> str:
    """An amount with two decimals and the locale's separators, no currency ("1,234.50", "1.234,50")."""
    return numbers.format_decimal(value, format="#,##0.00", locale=_locale(language))


def format_money(amount: int | float | Decimal, currency: str = "EUR", *, language: str | None = None) -> str:
    """An amount in `currency` as the locale writes money ("1.234,50 €", "€1,234.50")."""
    return numbers.format_currency(amount, currency, locale=_locale(language))


def format_percent(ratio: float, *, language: str | None = None) -> str:
    """A ratio (0.25) as a percentage ("25 %", "25%")."""
    return numbers.format_percent(ratio, locale=_locale(language))


def relative_days(target: date, today: date | None = None, *, language: str | None = None) -> str:
    """How far `target` is from `today`: "today", "in 12 days" ("tra 12 giorni"), "3 days ago"
    ("hace 3 días"); days up to DAYS_SHOWN_AS_DAYS, months and years beyond."""
    days = (target - (today or date.today())).days
    if days == 0:
        return _("today") if language is None else translation(language).gettext("today")
    threshold = DAYS_SHOWN_AS_DAYS if abs(days) < DAYS_SHOWN_AS_DAYS else 0.85
    return dates.format_timedelta(
        timedelta(days=days),
        granularity="day",
        threshold=threshold,
        add_direction=True,
        locale=_locale(language),
    )


def relative_time(moment: datetime, now: datetime, *, language: str | None = None) -> str:
    """How long ago or ahead `moment` is from `now`, in the largest sensible unit ("5 minuti fa")."""
    return dates.format_timedelta(moment - now, add_direction=True, locale=_locale(language))


def language_name(tag: str | None, *, language: str | None = None) -> str:
    """The customer's preferred language named in the operator's ("spagnolo" for `es` when the
    console speaks Italian); the tag itself, cleaned and cut to UNKNOWN_TAG_SHOWN characters,
    when Babel does not know it (it is customer data); "-" when there is none."""
    normalised = normalise_language(tag)
    if normalised is None:
        return clean_line(tag)[:UNKNOWN_TAG_SHOWN] or "-"
    try:
        name = Locale.parse(normalised).get_display_name(_locale(language))
    except UnknownLocaleError:
        return normalised
    return name or normalised


def marked_fallback(localised: Localised) -> str:
    """The text, tagged with its language when it is the untranslated default (an offer script
    the catalogue has only in English), so the operator knows before reading it out."""
    if not localised.fallback:
        return localised.text
    return _("[{language}] {text}").format(language=DEFAULT_TEXT_LANGUAGE.upper(), text=localised.text)


def sla_state(due: datetime | None, now: datetime, *, soon: timedelta) -> tuple[str, str]:
    """A ticket's SLA in words and its state: ("breached 3 hr ago", "breached"), ("due in 2 hr",
    "soon"), ("due in 3 days", "ok"), or ("", "none") without a deadline."""
    if due is None:
        return "", "none"
    span = dates.format_timedelta(abs(due - now), format="short", locale=_locale(None))
    if due < now:
        return _("breached {span} ago").format(span=span), "breached"
    return _("due in {span}").format(span=span), "soon" if due - now <= soon else "ok"
