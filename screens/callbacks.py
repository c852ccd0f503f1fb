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
from textual.widgets import DataTable, Footer, Static

from screens.context import context_of
from screens.messages import OpenLookup, OpenProfile
from screens.outage import database_guard
from store.models.callbacks import CallbackStatus
from store.sanitize import clean_line
from store.tickets import CallbackItem, callbacks_for, close_callback
from store.timeutil import utcnow

COLUMNS = ("Due", "Customer", "Phone", "For", "Note")


@dataclass
class _Listed(Message):
    items: list[CallbackItem]
    notice: str = ""


class CallbacksScreen(Screen[None]):
    """Open callbacks, soonest first."""

    CSS_PATH = "callbacks.tcss"
    BINDINGS = [
        Binding("enter", "open", "Open customer", id="callbacks.open"),
        Binding("d", "close('done')", "Done", id="callbacks.done"),
        Binding("x", "close('cancelled')", "Cancel it", id="callbacks.cancel"),
        Binding("r", "refresh_list", "Refresh", id="callbacks.refresh"),
        Binding("escape", "back", "Back", id="callbacks.back"),
    ]

    def __init__(self, *, queue: bool = False) -> None:
        super().__init__()
        self.queue = queue
        self._items: list[CallbackItem] = []

    def compose(self) -> ComposeResult:
        yield Static(
            Text("Callback queue (all operators)" if self.queue else "My callbacks"), id="callbacks-title"
        )
        yield DataTable(id="callbacks-table", cursor_type="row", zebra_stripes=True)
        yield Static(Text(""), id="callbacks-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.action_refresh_list()

    def action_refresh_list(self) -> None:
        self._list()

    @work(thread=True, exclusive=True, group="callbacks")
    def _list(self, notice: str = "") -> None:
        context = context_of(self.app)
        with database_guard(self, "listing callbacks"):
            self.post_message(
                _Listed(callbacks_for(context.engine, None if self.queue else context.operator), notice)
            )

    @on(_Listed)
    def _show(self, message: _Listed) -> None:
        self._items = message.items
        table = self.query_one(DataTable)
        table.clear()
        now = utcnow()
        for item in message.items:
            due = Text(item.due_at.astimezone().strftime("%a %d %b %H:%M"))
            if item.due_at <= now:
                due.stylize("bold red")
                due.append(" overdue")
            cells = (item.customer_name, item.phone, item.assignee, item.note)
            table.add_row(due, *(Text(clean_line(cell)) for cell in cells), key=str(item.id))
        count = f"{len(message.items)} open" if message.items else "no open callbacks"
        self.query_one("#callbacks-status", Static).update(Text(f"{message.notice}  {count}".strip()))
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
        with database_guard(self, "closing the callback"):
            closed = close_callback(context.engine, callback_id, status)
            notice = f"marked {status.value}" if closed else "already closed by someone else"
            self.post_message(
                _Listed(callbacks_for(context.engine, None if self.queue else context.operator), notice)
            )

    def action_back(self) -> None:
        self.post_message(OpenLookup())
