"""Store text that a screen shows in the operator's language, while the CLI keeps printing English.

The store may not know the console's language (it imports no screen), yet its hints, match
reasons, validation errors and refusals reach the screen. So the store hands out a `Phrase`: a
`str` whose value is the English sentence (the CLI prints it, JSON carries it, tests compare it,
exactly as before) and which also remembers its msgid and parameters. A screen translates it at
display time with `screens.i18n.said`.

`N_`, `ngettext` and `pgettext` here only mark (Babel's default keywords, so `pybabel extract` over `store/`
puts the msgids in the console's catalogue); they never translate.

A Phrase survives only as long as nobody rebuilds the string: `clean_line(phrase)`, f-strings
and concatenation give plain English `str`. Clean a Phrase with `cleaned` and nest one sentence
in another as a parameter (`N_("{reason}, card ends {last4}", reason=hit.reason, ...)`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from store.sanitize import clean_line


class Phrase(str):
    """An English sentence (`str(self)`) built from `msgid` (or, with `plural`, the form for
    `number`, the count that chose it) formatted with `params`; params may be Phrases themselves."""

    msgid: str
    plural: str | None
    number: int
    params: Mapping[str, object]
    context: str | None

    def __new__(
        cls,
        msgid: str,
        params: Mapping[str, object],
        plural: str | None = None,
        count: int = 1,
        context: str | None = None,
    ) -> Phrase:
        source = plural if plural is not None and count != 1 else msgid
        self = super().__new__(cls, source.format_map(params) if params else source)
        self.msgid, self.plural, self.number, self.params = msgid, plural, count, dict(params)
        self.context = context
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Phrase, (self.msgid, self.params, self.plural, self.number, self.context))


def N_(message: str, /, **params: object) -> Phrase:
    """`message` (a `{placeholder}` template) marked for the catalogue, with its parameters."""
    return Phrase(message, params)


def ngettext(singular: str, plural: str, count: int, /, **params: object) -> Phrase:
    """The English form for `count`, marked with both forms: the screen picks its language's
    plural form (`count` is not a parameter by itself: pass it by name if the text shows it)."""
    return Phrase(singular, params, plural, count)


def pgettext(context: str, message: str, /, **params: object) -> Phrase:
    """`message` marked with a `context` for a word that needs another translation there (a
    ticket's "high" priority is not a churn risk's "high" in Italian)."""
    return Phrase(message, params, context=context)


def cleaned(text: str) -> str:
    """`text` with control characters and line breaks removed (`clean_line`), still a Phrase
    when it was one: its string parameters (customer data) are cleaned instead."""
    if not isinstance(text, Phrase):
        return clean_line(text)
    params = {
        name: cleaned(value) if isinstance(value, str) else value for name, value in text.params.items()
    }
    return Phrase(text.msgid, params, text.plural, text.number, text.context)
