"""The live floor (F9, supervisors and admins): who is signed in and in which state, the calls
ringing and in progress, wrap-ups open too long, calls that ended without one, held pops.

Read from the store (store.floor: a supervisor's team, an admin's whole floor) whenever the
change feed says a console's presence or a call changed, and again every few seconds; the ages
tick every second from the instants last read. Each table is keyed, and updated in place, so the
cursor and scroll stay where the supervisor left them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from screens.back_key import EscapeLeaves, back_key
from screens.context import actor_of, context_of
from screens.i18n import N_, _
from screens.language import LanguageChanged
from screens.messages import FloorChanged, OpenLookup, navigate
from screens.outage import database_guard
from screens.widgets.footer import Footer
from store.floor import Floor, FloorCall, Seat, floor
from store.notify import FLOOR_TOPIC
from store.policy import Forbidden
from store.sanitize import clean_line
from store.timeutil import utcnow

RESYNC_TICKS = 5
"""Every this many one-second ticks the floor is read again even without a change event."""
PRESENCE_STATES = {
    "ready": N_("ready"),
    "on_call": N_("on a call"),
    "acw": N_("after-call work"),
    "break": N_("break"),
    "locked": N_("locked"),
}
"""store.presence.PresenceState's values as the floor names them."""
WIDTHS = {"who": 12, "ext": 5, "state": 15, "for": 8, "call": 10, "call_age": 9, "status": 11, "age": 8}
WIDTHS["open"] = 5
CALL_STATES = {"ringing": N_("ringing"), "answered": N_("in progress")}

Cells = tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """One of the floor's tables: its id, heading and columns (key, label). Columns have fixed
    widths (`WIDTHS`): a live table's columns must not jump as ages and names come and go."""

    id: str
    title: str
    columns: tuple[tuple[str, str], ...]


TABLES = (
    Table(
        "floor-seats",
        N_("Operators"),
        (
            ("who", N_("Operator")),
            ("ext", N_("Ext")),
            ("state", N_("State")),
            ("for", N_("In state")),
            ("call", N_("Call")),
            ("call_age", N_("Call time")),
        ),
    ),
    Table(
        "floor-calls",
        N_("Calls ringing and in progress"),
        (
            ("call", N_("Call")),
            ("status", N_("Status")),
            ("age", N_("Elapsed")),
            ("who", N_("Operator")),
            ("ext", N_("Ext")),
        ),
    ),
    Table(
        "floor-held", N_("Held pops"), (("who", N_("Operator")), ("call", N_("Call")), ("age", N_("Waiting")))
    ),
    Table(
        "floor-wrapups",
        N_("Wrap-ups open too long"),
        (("who", N_("Operator")), ("open", N_("Count")), ("age", N_("Oldest"))),
    ),
    Table(
        "floor-unwrapped",
        N_("Ended without a wrap-up"),
        (("call", N_("Call")), ("who", N_("Operator")), ("age", N_("Ended"))),
    ),
)


@dataclass
class _Read(Message):
    floor: Floor | None
    notice: str = ""


def age(since: datetime | None, now: datetime) -> str:
    """'m:ss' (or 'h:mm:ss') since `since`; empty without one."""
    if since is None:
        return ""
    seconds = max(int((now - since).total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02}:{rest % 60:02}" if hours else f"{rest // 60}:{rest % 60:02}"


def _seat(seat: Seat, now: datetime) -> Cells:
    state = PRESENCE_STATES.get(seat.state.value, seat.state.value)
    return (
        seat.username,
        seat.extension,
        _(state),
        age(seat.since, now),
        seat.call_id,
        age(seat.call_since, now),
    )


def _call(call: FloorCall, now: datetime) -> Cells:
    status = _(CALL_STATES.get(call.status.value, call.status.value))
    return (call.call_id, status, age(call.since, now), call.operator, call.extension)


def rows_of(shown: Floor, now: datetime) -> dict[str, dict[str, Cells]]:
    """Every table's rows by key, as text (not yet sanitised)."""
    return {
        "floor-seats": {str(s.session_id): _seat(s, now) for s in shown.seats},
        "floor-calls": {c.call_id: _call(c, now) for c in shown.calls},
        "floor-held": {
            str(s.session_id): (s.username, s.held_call_id, age(s.held_since, now)) for s in shown.held
        },
        "floor-wrapups": {
            str(s.session_id): (s.username, str(s.open_wrapups), age(s.wrapup_since, now))
            for s in shown.long_wrapups
        },
        "floor-unwrapped": {c.call_id: (c.call_id, c.operator, age(c.since, now)) for c in shown.unwrapped},
    }


def sync(table: DataTable[Text], rows: dict[str, Cells], columns: Sequence[str]) -> None:
    """Make `table` show `rows` in place: gone keys removed, changed cells updated, new rows added."""
    for gone in [row for row in table.rows if row.value not in rows]:
        table.remove_row(gone)
    for key, cells in rows.items():
        texts = [Text(clean_line(cell)) for cell in cells]
        if key not in {row.value for row in table.rows}:
            table.add_row(*texts, key=key)
            continue
        for column, text in zip(columns, texts, strict=True):
            if table.get_cell(key, column).plain != text.plain:
                table.update_cell(key, column, text)


class FloorScreen(EscapeLeaves, Screen[None]):
    """The floor of the signed-in supervisor's team (an admin: everyone's)."""

    CSS_PATH = "floor.tcss"
    BINDINGS = [
        Binding("r", "reload", N_("Refresh"), id="floor.refresh"),
        back_key("back", N_("Back"), "floor.back"),
    ]

    def __init__(self, *, wrapup_limit_s: float = 120.0) -> None:
        super().__init__()
        self.wrapup_limit = timedelta(seconds=wrapup_limit_s)
        self.shown: Floor | None = None
        self.reads = 0
        """How many floor reads have landed (tests wait on it)."""
        self._ticks = 0

    def compose(self) -> ComposeResult:
        yield Static(Text(""), id="floor-title")
        with Grid(id="floor-grid"):
            for table in TABLES:
                yield DataTable(id=table.id, cursor_type="row", zebra_stripes=True)
        yield Static(Text(""), id="floor-status")
        yield Footer()

    def live_subjects(self) -> Collection[str]:
        """Every console's presence and every call (what the floor shows)."""
        return {FLOOR_TOPIC, "call"}

    def on_mount(self) -> None:
        for table in TABLES:
            widget = self.query_one(f"#{table.id}", DataTable)
            for key, label in table.columns:
                widget.add_column(Text(_(label)), key=key, width=WIDTHS[key])
        self._label()
        self.set_interval(1.0, self._tick)
        self.action_reload()

    def _label(self) -> None:
        for table in TABLES:
            self.query_one(f"#{table.id}", DataTable).border_title = _(table.title)
        team = self.shown.team if self.shown is not None else None
        title = _("Floor: team {team}").format(team=clean_line(team)) if team else _("Floor: every team")
        self.query_one("#floor-title", Static).update(Text(title))

    @on(LanguageChanged)
    def _relabel(self) -> None:
        for table in TABLES:
            widget = self.query_one(f"#{table.id}", DataTable)
            for column, (_key, label) in zip(widget.ordered_columns, table.columns, strict=True):
                column.label = Text(_(label))
            widget.refresh()
        self._label()
        self._show_rows()

    @on(FloorChanged)
    def _changed(self) -> None:
        self.action_reload()

    def _tick(self) -> None:
        self._ticks += 1
        if self._ticks % RESYNC_TICKS == 0:
            self.action_reload()
        else:
            self._show_rows()

    def action_reload(self) -> None:
        self._read()

    @work(thread=True, exclusive=True, group="floor")
    def _read(self) -> None:
        engine = context_of(self.app).engine
        with database_guard(self, _("reading the floor")):
            try:
                self.post_message(_Read(floor(engine, actor_of(self.app), wrapup_limit=self.wrapup_limit)))
            except Forbidden:
                self.post_message(_Read(None, _("The floor is for supervisors and admins only.")))

    @on(_Read)
    def _read_done(self, message: _Read) -> None:
        self.reads += 1
        if message.floor is None:
            self.query_one("#floor-status", Static).update(Text(message.notice))
            return
        self.shown = message.floor
        self._label()
        self._show_rows()

    def _show_rows(self) -> None:
        if self.shown is None:
            return
        rows = rows_of(self.shown, utcnow())
        for table in TABLES:
            sync(
                self.query_one(f"#{table.id}", DataTable),
                rows[table.id],
                [key for key, _label in table.columns],
            )
        seats = self.shown.seats
        ready = sum(1 for seat in seats if seat.state.value == "ready")
        status = _("signed in: {signed_in} · ready: {ready} · live calls: {calls}").format(
            signed_in=len(seats), ready=ready, calls=len(self.shown.calls)
        )
        self.query_one("#floor-status", Static).update(Text(status))

    def action_back(self) -> None:
        navigate(self, OpenLookup())
