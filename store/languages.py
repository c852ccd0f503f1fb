"""Language tags and per-language text, for everything the store hands out in several languages.

One spelling for a language everywhere: Babel's (`it`, `pt_BR`), whether it came from `LANG`
(`it_IT.UTF-8`), a TOML file (`pt-BR`) or the customer row (`pt`). A wanted language is matched
exactly, then by its base language, then by another variant of that base (a `pt` customer gets
the `pt_PT` or `pt_BR` script), so a catalogue need not spell every region.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from sqlalchemy.engine import Engine
from sqlmodel import select

from store.db import read_session, write_session
from store.models import Operator

DEFAULT_TEXT_LANGUAGE = "en"
"""The language of the default texts in the business's files (`label`, `title`, `script`)."""
_NO_LANGUAGE = {"", "c", "posix"}


def N_(message: str) -> str:
    """Mark store text that a screen shows (field labels) for the console's catalogues: it stays
    English here, and the screen translates it with `screens.i18n._` where it is shown."""
    return message


def normalise_language(tag: str | None) -> str | None:
    """`tag` in Babel's spelling (`pt-br` -> `pt_BR`, `it_IT.UTF-8@euro` -> `it_IT`); None for an
    empty tag, the C/POSIX locale or anything that names no language."""
    text = (tag or "").strip().split(".")[0].split("@")[0].replace("-", "_")
    if text.lower() in _NO_LANGUAGE:
        return None
    try:
        return str(Locale.parse(text))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def best_match(wanted: str | None, available: Iterable[str]) -> str | None:
    """The language of `available` that serves `wanted`: itself, its base language, or another
    variant of the same base (first in `available` order); None when nothing fits."""
    tag = normalise_language(wanted)
    if tag is None:
        return None
    offered = list(available)
    base = tag.split("_")[0]
    for candidate in (tag, base):
        if candidate in offered:
            return candidate
    return next((language for language in offered if language.split("_")[0] == base), None)


@dataclass(frozen=True)
class Localised:
    """A text in the language that was picked; `fallback` says it is the default-language text
    because none of the wanted languages had one (the screen marks it)."""

    text: str
    language: str | None
    fallback: bool


def pick_text(default: str, translations: Mapping[str, str], *wanted: str | None) -> Localised:
    """The first of the `wanted` languages (in order) that `translations` serves, else `default`
    marked as a fallback. An English or empty wish is served by `default` without a mark."""
    for language in wanted:
        match = best_match(language, translations)
        if match is not None:
            return Localised(translations[match], match, False)
    first = next((normalise_language(language) for language in wanted if language), None)
    default_wanted = first is None or first.split("_")[0] == DEFAULT_TEXT_LANGUAGE
    return Localised(default, None, not default_wanted)


def parse_translations(raw: object, *, limit: int, where: str, errors: list[str]) -> dict[str, str]:
    """Validate a TOML table of per-language texts (`{ it = "...", pt-BR = "..." }`): each key a
    language Babel knows, each value text of at most `limit` characters. Problems go to `errors`
    prefixed with `where`; the valid entries are returned in Babel's spelling."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.append(f"{where} must be a table of language = text, got {raw!r}")
        return {}
    texts: dict[str, str] = {}
    for key, value in raw.items():
        language = normalise_language(str(key))
        if language is None:
            errors.append(f"{where}: {key!r} is not a language tag (use it, es, pt_BR, de ...)")
        elif language in texts:
            errors.append(f"{where}: language {language!r} appears twice")
        elif not isinstance(value, str) or not value.strip():
            errors.append(f"{where}: {key} must be non-empty text, got {value!r}")
        elif len(value) > limit:
            errors.append(f"{where}: {key} is {len(value)} characters long; the limit is {limit}")
        else:
            texts[language] = value
    return texts


def operator_language(engine: Engine, username: str) -> str | None:
    """The language saved on `username`'s operator row; None when unset or not an operator."""
    with read_session(engine) as session:
        language = session.exec(select(Operator.language).where(Operator.username == username)).first()
    return normalise_language(language)


def save_operator_language(engine: Engine, username: str, language: str) -> bool:
    """Remember `language` on `username`'s operator row; False when there is no such row (a seat
    not in the operator table keeps the choice for this session only)."""
    with write_session(engine) as session:
        operator = session.exec(select(Operator).where(Operator.username == username)).first()
        if operator is None:
            return False
        operator.language = normalise_language(language)
    return True
