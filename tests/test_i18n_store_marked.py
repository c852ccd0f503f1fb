"""Store text that a screen shows is marked for the console's catalogue, and the catalogue has it.

The store hands screens `store.messages.Phrase`s (English for the CLI, translated by the screen).
An AST scan of store/ finds text given to what screens show: the refusals they display
(SignInRefused, WrapUpRejected, FollowUpError), the contact form's `errors[...]`, a search Hit's
reason, a SearchResult's hint and a lookup filter's problem. Each must be a marked call (`N_`,
`ngettext`, `pgettext` from store.messages), never a bare literal or f-string. Then every msgid
Babel extracts from store/ must be translated in every language (a catalogue not re-extracted
after a store change fails here, naming the msgid).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from screens.i18n import LOCALE_DIR, languages
from tests.test_i18n_marked import _has_letters, _name

ROOT = Path(__file__).resolve().parent.parent
STORE = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "store").rglob("*.py"))
MARKS = {"N_", "ngettext", "pgettext"}
SHOWN: dict[str, int] = {
    "SignInRefused": 0, "WrapUpRejected": 0, "FollowUpError": 0, "Hit": 3, "SearchResult": 1, "Parsed": 2,
}  # fmt: skip
"""Calls whose argument at that position reaches a screen."""


def _unmarked_node(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and _name(node) in MARKS:
        return False
    if isinstance(node, ast.Dict):
        return any(_unmarked_node(value) for value in node.values)
    return _has_letters(node)


def unmarked_store_text(source: str, filename: str = "<module>") -> list[str]:
    """`file:line: text` for each piece of screen-bound store text not marked."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        shown: list[ast.AST] = []
        if isinstance(node, ast.Call) and _name(node) in SHOWN and len(node.args) > SHOWN[_name(node)]:
            shown.append(node.args[SHOWN[_name(node)]])
        if isinstance(node, ast.Call) and _name(node) == "InvalidContact" and node.args:
            shown.append(node.args[0])
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == "errors"
            for t in node.targets
        ):
            shown.append(node.value)
        found += [
            f"{filename}:{n.lineno}: unmarked: {ast.unparse(n)[:60]}" for n in shown if _unmarked_node(n)
        ]
    return found


@pytest.mark.parametrize("module", STORE)
def test_store_text_that_screens_show_is_marked(module: str) -> None:
    """Regression: an Italian console showed "Wrong username or password." because the store
    raised plain English. You should see this fail, naming the line, for unmarked store text."""
    assert unmarked_store_text((ROOT / module).read_text(encoding="utf-8"), module) == []


@pytest.mark.parametrize(
    "snippet",
    [
        'raise SignInRefused("Wrong username or password.")',
        'raise WrapUpRejected(f"not saved: {detail}")',
        'errors["mobile"] = "Required."',
        'InvalidContact({"reason": "Required: why"})',
        'Hit(customer_id, "email", 90.0, f"e-mail is {address}")',
        'SearchResult([], "Type more digits.")',
    ],
)
def test_the_store_scan_finds_unmarked_text(snippet: str) -> None:
    assert len(unmarked_store_text(snippet)) == 1, unmarked_store_text(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        'raise SignInRefused(N_("Wrong username or password."))',
        'errors[name] = N_("At most {limit} characters.", limit=limit)',
        'Hit(cid, "name", score, ngettext("{n} typo", "{n} typos", n, n=n))',
        "SearchResult(matches, hint)",
        "raise WrapUpRejected(*error.args)",
    ],
)
def test_the_store_scan_accepts_marked_text(snippet: str) -> None:
    assert unmarked_store_text(snippet) == []


def _store_msgids() -> set[tuple[str | None, str]]:
    """(context, msgid) of every string Babel extracts from store/ (what `make translations` takes)."""
    found: set[tuple[str | None, str]] = set()
    for module in STORE:
        for _line, message, _comments, context in extract_from_file("python", str(ROOT / module)):
            found.add((context, message if isinstance(message, str) else message[0]))
    return found


@pytest.mark.parametrize("language", languages()[1:])
def test_every_store_msgid_is_translated(language: str) -> None:
    """Regression: a store sentence marked N_ but never extracted stayed English on screen. You
    should see every msgid from store/ translated (not fuzzy, not empty) in each catalogue."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "callpop.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    missing = []
    for context, msgid in sorted(_store_msgids(), key=str):
        entry = catalog.get(msgid, context=context) or next(
            (m for m in catalog if m.context == context and isinstance(m.id, tuple) and m.id[0] == msgid),
            None,
        )
        strings = (
            entry.string
            if entry is not None and isinstance(entry.string, tuple)
            else (entry.string,)
            if entry
            else ()
        )
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(msgid)
    assert missing == []
