"""The console's language: gettext catalogues in `screens/locale/`, one current language per console.

Mark text with `_()` where it is shown (compose, on_mount, notify) and plurals with `ngettext()`.
Class-level text (Binding descriptions) is evaluated at import, before anyone knows the
operator's language: mark it with `N_()`, which only tags it for extraction, and it is translated
where it is rendered (`screens.widgets.footer.Footer`), so switching the language re-renders it.

English is the source language (msgids are English), so it needs no catalogue. A language's
`.mo` file is built by `make translations`; when it is missing or older than its `.po` (a fresh
clone, an edited catalogue), the `.po` is compiled in memory on first use instead.
"""

from __future__ import annotations

import gettext
import io
import threading
from collections.abc import Mapping
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from store.languages import best_match
from store.messages import Phrase
from store.status_words import status_word

DOMAIN = "callpop"
LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"

_lock = threading.Lock()
_loaded: dict[str, gettext.NullTranslations] = {}
_current: tuple[str, gettext.NullTranslations] = (SOURCE_LANGUAGE, gettext.NullTranslations())


def languages() -> tuple[str, ...]:
    """Every language the console speaks: English first, then each catalogue in `locale/`."""
    found = sorted(path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *found)


def native_name(language: str) -> str:
    """The language's name in itself ("Italiano", "Português (Brasil)"), for the palette."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def supported(language: str | None) -> str | None:
    """The console language that serves `language` (`it_IT` -> `it`, `pt` -> `pt_BR` or `pt_PT`)."""
    return best_match(language, languages())


def current_language() -> str:
    """The language every `_()` answers in right now."""
    return _current[0]


def set_language(language: str | None) -> str:
    """Make `language` (any spelling; an unsupported one means English) the console's language
    and return the one chosen. Safe from any thread; text already on screen re-renders on
    `screens.language.LanguageChanged`."""
    global _current
    chosen = supported(language) or SOURCE_LANGUAGE
    _current = (chosen, _translations(chosen))
    return chosen


def _(message: str) -> str:
    """`message` in the current language (itself when the catalogue has no translation). An
    empty message stays empty: gettext would answer it with the catalogue's header."""
    return _current[1].gettext(message) if message else ""


def ngettext(singular: str, plural: str, count: int) -> str:
    """The plural form for `count` in the current language; format `count` in yourself."""
    return _current[1].ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """`message` where the same English word needs different translations (context tells which)."""
    return _current[1].pgettext(context, message)


def said(text: str) -> str:
    """Text from the store in the current language: a `store.messages.Phrase` translated and
    filled in (its Phrase parameters translated too); any other text as it is (customer data,
    names from the business's files)."""
    if not isinstance(text, Phrase):
        return text
    params = {name: said(value) if isinstance(value, str) else value for name, value in text.params.items()}
    if text.plural is not None:
        template = ngettext(text.msgid, text.plural, text.number)
    elif text.context is not None:
        template = pgettext(text.context, text.msgid)
    else:
        template = _(text.msgid)
    return template.format_map(params) if params else template


def said_status(value: object) -> str:
    """A store status value (ticket status, priority, call status, flag ...) in the current
    language (`store.status_words`); an unknown value as it is."""
    return said(status_word(value))


def said_error(error: BaseException) -> str:
    """The message of a store exception (raised with a Phrase) in the current language."""
    first = error.args[0] if error.args else ""
    return said(first) if isinstance(first, str) else str(error)


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it now (class-level text such as
    Binding descriptions); whoever renders it calls `_()` on it."""
    return message


def translation(language: str) -> gettext.NullTranslations:
    """The catalogue of `language` (English when there is none), for text in a language other
    than the console's: a customer's, or a test's."""
    return _translations(supported(language) or SOURCE_LANGUAGE)


def _translations(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    with _lock:
        if language not in _loaded:
            _loaded[language] = _read_catalogue(language)
        return _loaded[language]


def _read_catalogue(language: str) -> gettext.NullTranslations:
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def choose_language(operator_choice: str | None, environ: Mapping[str, str], setting: str | None) -> str:
    """The console language at start-up: the operator row's choice, else the seat's locale (the
    first of LC_ALL, LC_MESSAGES, LANG that is set decides, as POSIX says), else
    `CALLPOP_LANGUAGE`, else English. A source naming a language without a catalogue (or the C
    locale) says nothing, and the next one is asked."""
    seat = next((environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), None)
    for wish in (operator_choice, seat, setting):
        language = supported(wish)
        if language is not None:
            return language
    return SOURCE_LANGUAGE
