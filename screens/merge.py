"""Two records of one person become one (admins): both side by side, the survivor's fields picked.

Each field the two records disagree on is a row; the cursor row's value is taken from the
survivor (left) or the other record (right), space switches. Phones and e-mails are not picked:
the other's that the survivor lacks join it. The merge itself (`store.merge.merge_customers`)
runs in a worker after a confirmation, with the versions shown here: a record saved elsewhere in
the meantime refuses the merge and the screen reloads both, the choices kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from screens.back_key import EscapeLeaves, back_key
from screens.context import actor_of, context_of
from screens.i18n import N_, _, said_error, said_status
from screens.language import LanguageChanged
from screens.outage import DatabaseUnavailable, database_guard
from screens.widgets.footer import Footer
from screens.widgets.yes_no import YesNoScreen
from store.merge import PICKABLE, MergeRefused, MergeResult, MergeStale, customer_summary, merge_customers
from store.policy import Forbidden
from store.sanitize import clean_line

LABELS = {
    "given_name": N_("First name"),
    "family_name": N_("Family name"),
    "birth_date": N_("Birth date"),
    "segment": N_("Segment"),
    "preferred_language": N_("Language"),
    "status": N_("Status"),
    "phones": N_("Phones"),
    "emails": N_("E-mails"),
}
"""What each compared field is called on the screen."""

Summary = dict[str, object]
KEEP, OTHER = "keep", "other"


def _shown(name: str, value: object) -> str:
    """A field's value as one clean line of plain text ("-" for none)."""
    if isinstance(value, list):
        return ", ".join(clean_line(str(item)) for item in value) or "-"
    if value is None or value == "":
        return "-"
    return said_status(value) if name == "status" else clean_line(str(value))


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


@dataclass
class SidesLoaded(Message):
    """Both records as they are now; None for one that no longer exists."""

    keep: Summary | None
    other: Summary | None


@dataclass
class MergeSaid(Message):
    """A refusal or a failure to show (already in the operator's language); `stale`: reload."""

    text: str
    stale: bool = False


@dataclass
class MergeDone(Message):
    result: MergeResult


class ChoiceTable(DataTable[Text]):
    """The differing fields; left/right pick the side of the cursor row, space switches it."""

    BINDINGS = [
        Binding("left", "screen.pick('keep')", N_("Survivor's"), id="merge.keep"),
        Binding("right", "screen.pick('other')", N_("Other's"), id="merge.other"),
        Binding("space", "screen.switch", N_("Switch"), id="merge.switch", show=False),
    ]


class ConfirmMergeScreen(YesNoScreen):
    """The last question before a merge: dismissed True (y or Enter) or False (n or Escape)."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", N_("Merge"), id="merge_confirm.yes"),
        Binding("n,escape", "answer(False)", N_("Back"), id="merge_confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(question, _("This cannot be undone. y merge · n back"))


class MergeScreen(EscapeLeaves, Screen[int | None]):
    """Merge customer `other_id` into `keep_id`; dismissed with the survivor's id once merged."""

    CSS_PATH = "merge.tcss"
    AUTO_FOCUS = "#merge-fields"
    BINDINGS = [
        Binding("m", "merge", N_("Merge"), id="merge.merge"),
        Binding("s", "swap", N_("Swap survivor"), id="merge.swap"),
        back_key("back", N_("Back"), "merge.back"),
    ]

    def __init__(self, keep_id: int, other_id: int) -> None:
        super().__init__()
        self.keep_id, self.other_id = keep_id, other_id
        self.sides: tuple[Summary, Summary] | None = None
        """Both records as last loaded (with the versions the merge is checked against)."""
        self.choice: dict[str, str] = {}
        """Per differing field, the side whose value survives (KEEP or OTHER)."""
        self._busy = False
        self._loading = False
        """The status line says "Loading…" (the first load's answer clears it)."""

    def compose(self) -> ComposeResult:
        yield Static(Text(_("Merge two records of one person")), id="merge-title", markup=False)
        yield Static("", id="merge-heads", markup=False)
        yield ChoiceTable(cursor_type="row", id="merge-fields")
        yield Static("", id="merge-help", markup=False)
        yield Static("", id="merge-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._say(_("Loading…"))
        self._loading = True
        self._load()

    @property
    def ids(self) -> tuple[int, int]:
        """The survivor's id and the other's."""
        return self.keep_id, self.other_id

    # --- loading ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="merge-load")
    def _load(self) -> None:
        engine, actor = context_of(self.app).engine, actor_of(self.app)
        with database_guard(self, _("loading both records")):
            try:
                keep, other = (customer_summary(engine, i, actor=actor) for i in self.ids)
            except Forbidden:
                self.post_message(MergeSaid(_("Only an admin may merge customers.")))
                return
            self.post_message(SidesLoaded(keep, other))

    @on(SidesLoaded)
    def _loaded(self, message: SidesLoaded) -> None:
        if message.keep is None or message.other is None:
            self.sides = None
            self._say(_("One of the two records no longer exists (merged or erased): nothing to merge."))
            self._fill()
            return
        self.sides = (message.keep, message.other)
        empty = {name for name in PICKABLE if message.keep[name] in (None, "")}
        self.choice = {  # kept across a reload; else the survivor's, unless it has none
            name: self.choice.get(name, OTHER if name in empty else KEEP) for name in self._differing()
        }
        self._fill()
        if self._loading:
            self._say("")

    def _differing(self) -> list[str]:
        if self.sides is None:
            return []
        keep, other = self.sides
        return [name for name in PICKABLE if keep[name] != other[name]]

    # --- showing ------------------------------------------------------------------------------

    @on(LanguageChanged)
    def _relabel(self) -> None:
        self.query_one("#merge-title", Static).update(Text(_("Merge two records of one person")))
        self._fill()

    def on_resize(self) -> None:
        self._fill()

    def _fill(self) -> None:
        """The heads, the table (cursor kept) and the help line, in the current language."""
        table = self.query_one(ChoiceTable)
        row = table.cursor_row
        table.clear(columns=True)
        if self.sides is None:
            self.query_one("#merge-heads", Static).update("")
            self.query_one("#merge-help", Static).update("")
            return
        width = max(12, (self.size.width - 24) // 2)
        heads = [
            _("Survivor #{id}").format(id=self.keep_id),
            _("Merged in #{id}").format(id=self.other_id),
        ]
        self.query_one("#merge-heads", Static).update(
            Text(
                _("{survivor} keeps everything; {other} moves into it and stays findable by its ids.").format(
                    survivor=heads[0], other=heads[1]
                )
            )
        )
        names = [*self._differing(), "phones", "emails"]
        fields = [_("Field"), _("Ids"), *(_(LABELS[name]) for name in names)]
        table.add_column(Text(fields[0]), key="field", width=max(len(field) for field in fields))
        for key, head in zip((KEEP, OTHER), heads, strict=True):
            table.add_column(Text(head), key=key, width=width)
        ids = (f"#{side['id']} · {clean_line(str(side['external_id']))}" for side in self.sides)
        table.add_row(Text(_("Ids")), *(Text(_cut(text, width)) for text in ids), key="ids")
        for name in names:
            cells = []
            for key, side in zip((KEEP, OTHER), self.sides, strict=True):
                picked = self.choice.get(name) == key
                mark = "\u25b6 " if picked else "  "
                style = "bold" if picked else ("dim" if name in self.choice else "")
                cells.append(Text(mark + _cut(_shown(name, side[name]), width - 2), style=style))
            table.add_row(Text(_(LABELS[name])), *cells, key=name)
        table.move_cursor(row=min(row, table.row_count - 1) if row > 0 else self._first_choice_row())
        if self._differing():
            help_text = _("← keeps the survivor's value, → takes the other's, space switches; m merges.")
        else:
            help_text = _("The two records agree on every field that can be picked; m merges.")
        phones = _("Phones and e-mails the survivor lacks join it.")
        self.query_one("#merge-help", Static).update(Text(f"{help_text} {phones}"))

    def _first_choice_row(self) -> int:
        return 1 if self._differing() else 0

    def _say(self, text: str) -> None:
        """The status line; a refusal stays there across the reload it causes."""
        self._loading = False
        self.query_one("#merge-status", Static).update(Text(text))

    # --- choosing -----------------------------------------------------------------------------

    def _cursor_field(self) -> str | None:
        table = self.query_one(ChoiceTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key if key in self.choice else None

    def action_pick(self, side: str) -> None:
        name = self._cursor_field()
        if name is not None:
            self.choice[name] = side
            self._fill()

    def action_switch(self) -> None:
        name = self._cursor_field()
        if name is not None:
            self.action_pick(OTHER if self.choice[name] == KEEP else KEEP)

    def action_swap(self) -> None:
        """The other record survives instead (each field keeps the value it had chosen)."""
        if self.sides is None or self._busy:
            return
        self.keep_id, self.other_id = self.other_id, self.keep_id
        self.sides = (self.sides[1], self.sides[0])
        self.choice = {name: OTHER if side == KEEP else KEEP for name, side in self.choice.items()}
        self._fill()

    # --- merging ------------------------------------------------------------------------------

    def action_merge(self) -> None:
        if self.sides is None or self._busy:
            return
        keep, other = self.sides
        question = _(
            "Merge #{other} ({other_name}) into #{keep} ({keep_name})? Its holdings, warranties, "
            "tickets, calls, offers and campaign contacts move to #{keep}."
        ).format(
            other=self.other_id,
            other_name=_shown("", f"{other['given_name']} {other['family_name']}"),
            keep=self.keep_id,
            keep_name=_shown("", f"{keep['given_name']} {keep['family_name']}"),
        )
        self.app.push_screen(ConfirmMergeScreen(question), self._confirmed)

    def _confirmed(self, merge: bool | None) -> None:
        if merge and self.sides is not None:
            self._busy = True
            self._say(_("Merging…"))
            take = tuple(name for name, side in self.choice.items() if side == OTHER)
            versions = (int(str(self.sides[0]["version"])), int(str(self.sides[1]["version"])))
            self._merge(self.keep_id, self.other_id, take, versions)

    @work(thread=True, exclusive=True, group="merge")
    def _merge(self, keep_id: int, other_id: int, take: tuple[str, ...], versions: tuple[int, int]) -> None:
        engine, actor = context_of(self.app).engine, actor_of(self.app)
        with database_guard(self, _("merging the two records")):
            try:
                result = merge_customers(engine, keep_id, other_id, actor=actor, take=take, versions=versions)
            except MergeStale as error:
                self.post_message(MergeSaid(said_error(error), stale=True))
            except MergeRefused as error:
                self.post_message(MergeSaid(said_error(error)))
            except Forbidden:
                self.post_message(MergeSaid(_("Only an admin may merge customers.")))
            else:
                self.post_message(MergeDone(result))

    @on(DatabaseUnavailable)
    def _unavailable(self) -> None:
        """The app says so; the choices stay and m tries again."""
        self._busy = False
        self._say("")

    @on(MergeSaid)
    def _said(self, message: MergeSaid) -> None:
        self._busy = False
        self._say(message.text)
        if message.stale:
            self._load()

    @on(MergeDone)
    def _done(self, message: MergeDone) -> None:
        self.notify(
            _("Customer #{other} merged into #{keep}.").format(
                other=message.result.other_id, keep=message.result.keep_id
            )
        )
        self.dismiss(message.result.keep_id)

    def action_back(self) -> None:
        if not self._busy:
            self.dismiss(None)
