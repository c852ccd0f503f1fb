"""Every catalogue is complete and current: what `make translations` would extract from the code
today is exactly what each language's .po translates, with no fuzzy entry, every plural form and
the same {placeholders} as the English. And the .mo files never serve stale text."""

from __future__ import annotations

import functools
import os
import shutil
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import screens.i18n as i18n

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("de", "es", "it", "pt_BR", "pt_PT")


Key = tuple[str | None, str]
"""(context, English singular): what identifies an entry in a catalogue."""


@functools.cache
def _extracted() -> frozenset[Key]:
    """Every marked string in the code, as `pybabel extract -F babel.cfg .` finds it."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = extract_from_dir(ROOT, method_map, options_map)
    return frozenset((context, _singular(message)) for _file, _line, message, _notes, context in found)


def _singular(msgid: str | tuple[str, ...] | list[str]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _catalogue(language: str) -> Catalog:
    with (i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_the_console_speaks_the_languages_of_the_issue() -> None:
    assert set(i18n.languages()) == {"en", *LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete_and_current(language: str) -> None:
    """Regression: a string marked in a screen but missing from a catalogue showed English in an
    Italian console. You should see this fail, naming the text, until `make translations` has
    merged it and someone has translated it (and until a removed string is dropped)."""
    catalogue = _catalogue(language)
    entries = {(message.context, _singular(message.id)): message for message in catalogue if message.id}
    assert sorted(_extracted() - set(entries), key=str) == [], f"not in {language}: run make translations"
    assert sorted(set(entries) - _extracted(), key=str) == [], f"{language} has text no longer in the code"
    for msgid, message in entries.items():
        assert not message.fuzzy, f"{language}: fuzzy entry {msgid!r}"
        forms = (message.string,) if isinstance(message.string, str) else message.string
        assert len(forms) == (1 if isinstance(message.id, str) else catalogue.num_plurals), msgid
        assert all(form.strip() for form in forms), f"{language}: untranslated {msgid!r}"
        english = [message.id] if isinstance(message.id, str) else list(message.id)
        wanted = set().union(*(_fields(part) for part in english))
        for form in forms:
            assert _fields(form) == wanted, f"{language}: {form!r} must use exactly {sorted(wanted)}"


def test_template_is_current() -> None:
    """Regression: the committed .pot drifted from the code, so translators worked from an old
    list. You should see `make translations` keep callpop.pot equal to what the code marks."""
    with (i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot").open("rb") as handle:
        template = {(message.context, _singular(message.id)) for message in read_po(handle) if message.id}
    assert template == _extracted()


def test_a_stale_compiled_catalogue_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: an edited .po kept showing the old text because an older .mo was loaded. You
    should see the .po's text whenever the .mo is missing or older than it."""
    folder = tmp_path / "it" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "callpop.po"
    shutil.copy(i18n.LOCALE_DIR / "it" / "LC_MESSAGES" / "callpop.po", po)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_loaded", {})
    assert i18n.translation("it").gettext("Quit") == "Esci"  # no .mo: compiled in memory

    old = Catalog(locale="it", domain="callpop")
    old.add("Quit", "Vecchio")
    with (folder / "callpop.mo").open("wb") as handle:
        write_mo(handle, old)
    stamp = po.stat().st_mtime
    os.utime(folder / "callpop.mo", (stamp - 60, stamp - 60))
    monkeypatch.setattr(i18n, "_loaded", {})
    assert i18n.translation("it").gettext("Quit") == "Esci"

    os.utime(folder / "callpop.mo", (stamp + 60, stamp + 60))
    monkeypatch.setattr(i18n, "_loaded", {})
    assert i18n.translation("it").gettext("Quit") == "Vecchio"  # a fresh .mo is what is read
