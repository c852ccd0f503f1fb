"""Someone else saved the customer first: both versions side by side, and a way forward.

The view never loses the operator's work: "re-apply" puts their changed fields on top of the new
version and saves, "review" does the same but leaves it in the form, escape goes back to the form
exactly as typed.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from screens.back_key import EscapeLeaves, back_key
from screens.i18n import N_, _
from screens.language import LanguageChanged
from screens.widgets.footer import Footer
from store.contact_labels import LABELS
from store.contacts import ContactFields, changed
from store.sanitize import clean_line


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return clean_line(str(value)) or "-"


class ConflictScreen(EscapeLeaves, ModalScreen[str | None]):
    """Fields that differ between their saved version and yours; dismisses "reapply", "review" or None."""

    CSS_PATH = "conflict.tcss"
    BINDINGS = [
        Binding("r", "choose('reapply')", N_("Re-apply mine"), id="conflict.reapply"),
        Binding("v", "choose('review')", N_("Review"), id="conflict.review"),
        back_key("back", N_("Back to form"), "conflict.back"),
    ]

    def __init__(self, base: ContactFields, mine: ContactFields, theirs: ContactFields, version: int) -> None:
        super().__init__()
        self.base, self.mine, self.theirs, self.version = base, mine, theirs, version

    def compose(self) -> ComposeResult:
        with Vertical(id="conflict"):
            yield Static(id="conflict-intro")
            yield DataTable(cursor_type="row", id="conflict-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._fill()
        self.query_one(DataTable).focus()

    @on(LanguageChanged)
    def _relabel(self) -> None:
        self._fill()

    def _fill(self) -> None:
        """The intro and the table in the current language (again after a language switch)."""
        intro = _(
            "Someone else saved this customer (now version {version}). Nothing of yours was "
            "written. * = you changed it; r re-applies your changes on top of theirs."
        ).format(version=self.version)
        self.query_one("#conflict-intro", Static).update(Text(intro))
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_columns(_("Field"), _("Theirs now"), _("Yours"))
        mine = set(changed(self.base, self.mine))
        for name in dict.fromkeys([*changed(self.theirs, self.mine), *mine]):
            style = "bold" if name in mine else "dim"
            table.add_row(
                Text(_(LABELS[name]) + (" *" if name in mine else "")),
                Text(_shown(getattr(self.theirs, name))),
                Text(_shown(getattr(self.mine, name)), style=style),
            )
        table.move_cursor(row=row)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_back(self) -> None:
        self.dismiss(None)
