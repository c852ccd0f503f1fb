"""Every user-facing string in a converted module is marked for translation.

An AST scan finds the text an operator reads: literals (and f-strings) given to widgets, Rich
`Text`, toasts, table columns, palette hits, guard phrases and Binding descriptions. Each must
be wrapped: `_()`/`ngettext()`/`pgettext()` where it is shown, `N_()` for Binding descriptions
and tooltips (class attributes, translated by the footer). Text without letters (" *", "-")
and identifiers (ids, classes, actions, keys, styles) are not text. A converted module also uses
the translating footer (screens.widgets.footer), not Textual's.

CONVERTED is every module in screens/ (a new one is scanned from the start) and the app shell.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONVERTED = (
    "console/app.py",
    "console/app_feed.py",
    "console/app_wrapups.py",
    "console/pop.py",
    "console/presence.py",
    *sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "screens").rglob("*.py")),
)

TRANSLATE = {"_", "ngettext", "pgettext"}
"""Calls that translate now; their arguments are the catalogue's msgids."""
MARK = "N_"
TEXT_POSITIONS: dict[str, tuple[int, ...]] = {
    "Static": (0,), "Label": (0,), "Button": (0,), "Text": (0,), "Content": (0,), "Markdown": (0,),
    "Checkbox": (0,), "RadioButton": (0,), "Switch": (), "Option": (0,), "Tab": (0,), "TabPane": (0,),
    "Collapsible": (), "Placeholder": (0,), "LoadingIndicator": (), "Rule": (),
    "notify": (0,), "update": (0,), "add_column": (0,), "add_columns": (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    "Hit": (1,), "DiscoveryHit": (0,), "SystemCommand": (0, 1),
    "database_guard": (1,), "local_file_guard": (1,), "DatabaseUnavailable": (0,), "LocalFileProblem": (0,),
    "Binding": (2,),
}  # fmt: skip
"""Which positional arguments of each call are text the operator reads."""
TEXT_KEYWORDS = {
    "title",
    "message",
    "placeholder",
    "tooltip",
    "label",
    "description",
    "help",
    "text",
    "prompt",
}
LAZY_KEYWORDS = {"description", "tooltip"}
"""In a Binding these are evaluated at import: they must be N_(), never _() or a literal."""


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _has_letters(node: ast.AST) -> bool:
    """A literal or f-string with words in it (what a person reads), not " *" or "{a}: {b}"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_has_letters(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _has_letters(node.left) or _has_letters(node.right)
    return False


def _problem(node: ast.AST, *, lazy: bool) -> str | None:
    """Why `node`, given where text goes, is not properly marked; None when it is."""
    if isinstance(node, ast.Call) and _name(node) in TRANSLATE | {MARK}:
        if lazy and _name(node) != MARK:
            return "a Binding description is evaluated at import: mark it N_(), not _()"
        if not lazy and _name(node) == MARK:
            return "N_() only marks; shown text needs _()"
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _problem(node.func.value, lazy=lazy)
    if _has_letters(node):
        return "unmarked text: wrap it in _()" if not lazy else "unmarked text: wrap it in N_()"
    return None


def unmarked(source: str, filename: str = "<module>") -> list[str]:
    """`file:line: problem: text` for each user-facing string in `source` not marked for translation."""
    found: list[str] = []
    for call in ast.walk(ast.parse(source, filename)):
        if isinstance(call, ast.ImportFrom) and call.module == "textual.widgets":
            if any(alias.name == "Footer" and alias.asname is None for alias in call.names):
                found.append(
                    f"{filename}:{call.lineno}: Textual's Footer shows English: use screens.widgets.footer"
                )
        if not isinstance(call, ast.Call) or _name(call) not in TEXT_POSITIONS:
            continue
        binding = _name(call) == "Binding"
        args = [(call.args[i], binding) for i in TEXT_POSITIONS[_name(call)] if i < len(call.args)]
        args += [
            (kw.value, binding and kw.arg in LAZY_KEYWORDS) for kw in call.keywords if kw.arg in TEXT_KEYWORDS
        ]
        for node, lazy in args:
            problem = _problem(node, lazy=lazy)
            if problem:
                found.append(f"{filename}:{node.lineno}: {problem}: {ast.unparse(node)[:60]}")
    return found


@pytest.mark.parametrize("module", CONVERTED)
def test_every_user_facing_string_is_marked(module: str) -> None:
    """Regression: a screen showed English in an Italian console because a new string was not
    marked. You should see this fail, naming the file and line, for any unmarked text."""
    path = ROOT / module
    assert unmarked(path.read_text(encoding="utf-8"), module) == []


@pytest.mark.parametrize(
    "snippet",
    [
        'yield Static("Hello")',
        'yield Static(Text(f"{n} customers"))',
        'self.notify("Saved")',
        'self.app.notify(_("ok"), title="Check the disk")',
        'Binding("q", "quit", "Quit")',
        'Binding("q", "quit", _("Quit"))',
        'Binding("q", "quit", N_("Quit"), tooltip="Leave")',
        'table.add_columns("Field", _("Yours"))',
        'yield Static(N_("Shown"))',
        'with database_guard(self, "saving"): pass',
        'label.update("Total: " + str(total))',
        "from textual.widgets import DataTable, Footer",
    ],
)
def test_the_scan_finds_unmarked_text(snippet: str) -> None:
    """The scan itself: each of these has text an operator would read in English."""
    assert len(unmarked(snippet)) == 1, unmarked(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        'yield Static(_("Hello"), id="greeting", classes="-big")',
        'yield Static(Text(_("{n} customers").format(n=n), style="bold"))',
        'self.notify(ngettext("{n} saved", "{n} saved", n).format(n=n), title=_("Done"))',
        'Binding("ctrl+s", "save", N_("Save"), id="wrapup.save", tooltip=N_("Save the wrap-up"))',
        'table.add_columns(_("Field"), _("Yours"))',
        'yield Static(Text(name + " *"))',
        'yield Static(Text(f"{first} {last}"))',
        'with database_guard(self, _("saving")): pass',
    ],
)
def test_the_scan_accepts_marked_text(snippet: str) -> None:
    assert unmarked(snippet) == []
