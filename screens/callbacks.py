"""Callbacks promised in wrap-ups: the operator's own list, or (queue=True) the supervisor's queue
of every open callback. Overdue ones are marked; enter opens the customer to call them back."""

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
from screens.formatting import format_datetime
from screens.i18n import N_, _, ngettext
from screens.language import LanguageChanged
from screens.messages import OpenLookup, OpenProfile, navigate
from screens.outage import database_guard
from screens.widgets.footer import Footer
from store.models import Role
from store.models.callbacks import CallbackStatus
from store.policy import Forbidden
from store.sanitize import clean_line
from store.tickets import CallbackItem, callbacks_for, close_callback
from store.timeutil import utcnow

COLUMNS = (N_("Due"), N_("Customer"), N_("Phone"), N_("For"), N_("Note"))
"""Who may see every operator's callbacks (F7)."""
CLOSED_NOTICES = {CallbackStatus.DONE: N_("marked done"), CallbackStatus.CANCELLED: N_("marked cancelled")}


@dataclass
class _Listed(Message):
    items: list[CallbackItem]
    notice: str = ""


@dataclass
class _Refused(Message):
    """The store refused the queue to this role."""

    role: Role


class CallbacksScreen(EscapeLeaves, Screen[None]):
    """Open callbacks, soonest first."""

    CSS_PATH = "callbacks.tcss"
    BINDINGS = [
        Binding("enter", "open", N_("Open customer"), id="callbacks.open"),
        Binding("d", "close('done')", N_("Done"), id="callbacks.done"),
        Binding("x", "close('cancelled')", N_("Cancel it"), id="callbacks.cancel"),
        Binding("r", "refresh_list", N_("Refresh"), id="callbacks.refresh"),
        back_key("back", N_("Back"), "callbacks.back"),
    ]

    def __init__(self, *, queue: bool = False) -> None:
        super().__init__()
        self.queue = queue
        self._items: list[CallbackItem] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(self._title()), id="callbacks-title")
        yield DataTable(id="callbacks-table", cursor_type="row", zebra_stripes=True)
        yield Static(Text(""), id="callbacks-status")
        yield Footer()

    def _title(self) -> str:
        return _("Callback queue (all operators)") if self.queue else _("My callbacks")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*(_(name) for name in COLUMNS))
        self.action_refresh_list()

    @on(LanguageChanged)
    def _relabel(self) -> None:
        self.query_one("#callbacks-title", Static).update(Text(self._title()))
        table = self.query_one(DataTable)
        for column, name in zip(table.ordered_columns, COLUMNS, strict=False):
            column.label = Text(_(name))
        table.refresh()
        self.action_refresh_list()

    def action_refresh_list(self) -> None:
        self._list()

    @work(thread=True, exclusive=True, group="callbacks")
    def _list(self, notice: str = "") -> None:
        with database_guard(self, _("listing callbacks")):
            self._post_list(notice)

    def _post_list(self, notice: str) -> None:
        """In a worker: the list (the store refuses the queue to a role that may not read it)."""
        actor = actor_of(self.app)
        try:
            self.post_message(
                _Listed(callbacks_for(context_of(self.app).engine, actor, everyone=self.queue), notice)
            )
        except Forbidden:
            self.post_message(_Refused(actor.role))

    @on(_Refused)
    def _refused(self, message: _Refused) -> None:
        self.query_one("#callbacks-status", Static).update(
            Text(
                _(
                    "The callback queue is for supervisors and admins only (you are signed in as {role}). "
                    "f6 lists your own callbacks."
                ).format(role=message.role)
            )
        )

    @on(_Listed)
    def _show(self, message: _Listed) -> None:
        self._items = message.items
        table = self.query_one(DataTable)
        table.clear()
        now = utcnow()
        for item in message.items:
            due = Text(format_datetime(item.due_at))
            if item.due_at <= now:
                due.stylize("bold red")
                due.append(" " + _("overdue"))
            cells = (item.customer_name, item.phone, item.assignee, item.note)
            table.add_row(due, *(Text(clean_line(cell)) for cell in cells), key=str(item.id))
        count = len(message.items)
        counted = (
            ngettext("{count} open", "{count} open", count).format(count=count)
            if count
            else _("no open callbacks")
        )
        self.query_one("#callbacks-status", Static).update(Text(f"{message.notice}  {counted}".strip()))
        table.focus()

    def _current(self) -> CallbackItem | None:
        table = self.query_one(DataTable)
        if not self._items or table.cursor_row >= len(self._items):
            return None
        return self._items[table.cursor_row]

    @on(DataTable.RowSelected)
    def _row_chosen(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        item = self._current()
        if item is not None and item.customer_id is not None:
            self.post_message(OpenProfile(item.customer_id))

    def action_close(self, status: str) -> None:
        item = self._current()
        if item is not None:
            self._close(item.id, CallbackStatus(status))

    @work(thread=True, exclusive=True, group="callbacks")
    def _close(self, callback_id: int, status: CallbackStatus) -> None:
        context = context_of(self.app)
        with database_guard(self, _("closing the callback")):
            try:
                closed = close_callback(context.engine, actor_of(self.app), callback_id, status)
                notice = _(CLOSED_NOTICES[status]) if closed else _("already closed by someone else")
            except Forbidden:
                notice = _("only its operator or a supervisor may close someone else's callback")
            self._post_list(notice)

    def action_back(self) -> None:
        navigate(self, OpenLookup())
