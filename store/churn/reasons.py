"""The churn reasons as sentences: said in English when scored, read back as Phrases for the screen.

`callpop churn score` stores each customer's reasons as English text ("2 complaints in 60 days;
balance -40%"): the CLI and the exports read it as it is. The profile shows it in the
operator's language, so `read` turns the stored text back into `store.messages.Phrase`s by
matching each reason against the sentences below (text that matches none, from an older scorer,
stays as it is). This module imports no numpy: the profile loads it.
"""

from __future__ import annotations

import re

from store.messages import N_, Phrase, ngettext
from store.sanitize import clean_line

SEPARATOR = "; "
NO_PURCHASE = N_("no purchase on record")
LAST_PURCHASE = ngettext("last purchase {count} day ago", "last purchase {count} days ago", 2)
COMPLAINTS = ngettext("{count} complaint in 60 days", "{count} complaints in 60 days", 2)
CONTACTS = ngettext("{count} contact in 90 days", "{count} contacts in 90 days", 2)
CLOSED = ngettext("closed {count} product in 180 days", "closed {count} products in 180 days", 2)
HOLDS = ngettext("holds {count} product", "holds {count} products", 2)
TENURE = N_("customer for {years} years")
BALANCE = N_("balance {change}")
"""How the current accounts' balance moved in 90 days, e.g. "balance -40%"."""
SENTENCES = (NO_PURCHASE, LAST_PURCHASE, COMPLAINTS, CONTACTS, CLOSED, HOLDS, TENURE, BALANCE)
"""Every sentence a reason can be: templates (both plural forms) without their numbers."""


def say(feature: str, value: float, *, never: bool = False) -> str:
    """The reason for `feature` at `value` (a Phrase); "" when it says nothing (no complaints).
    `never`: the recency is the "no purchase at all" sentinel."""
    count = int(value)
    match feature:
        case "recency_days":
            return NO_PURCHASE if never else _counted(LAST_PURCHASE, count)
        case "complaints_60d":
            return _counted(COMPLAINTS, count) if count else ""
        case "contacts_90d":
            return _counted(CONTACTS, count)
        case "closed_180d":
            return _counted(CLOSED, count) if count else ""
        case "products":
            return _counted(HOLDS, count)
        case "balance_change_90d":
            return Phrase(BALANCE.msgid, {"change": f"{value:+.0%}"}) if round(value, 2) else ""
        case _:
            return Phrase(TENURE.msgid, {"years": f"{value:.1f}"})


def _counted(sentence: Phrase, count: int) -> Phrase:
    return Phrase(sentence.msgid, {"count": count}, sentence.plural, count)


def _pattern(template: str) -> re.Pattern[str]:
    escaped = re.escape(template).replace(r"\{count\}", r"(?P<count>\d+)")
    escaped = escaped.replace(r"\{change\}", r"(?P<change>[-+]\d+%)")
    return re.compile(escaped.replace(r"\{years\}", r"(?P<years>\d+\.\d)"))


_READERS = [
    (sentence, _pattern(form))
    for sentence in SENTENCES
    for form in (sentence.msgid, *([sentence.plural] if sentence.plural else []))
]


def read(stored: str) -> list[str]:
    """The stored reasons, each a Phrase when it is one of the sentences, else cleaned text."""
    found: list[str] = []
    for text in (clean_line(part) for part in stored.split(SEPARATOR.strip())):
        text = text.strip()
        if text:
            found.append(_read_one(text))
    return found


def _read_one(text: str) -> str:
    for phrase, pattern in _READERS:
        hit = pattern.fullmatch(text)
        if hit is None:
            continue
        if "count" in hit.groupdict():
            return _counted(phrase, int(hit["count"]))
        return Phrase(phrase.msgid, hit.groupdict())
    return text
