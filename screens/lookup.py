"""The lookup: the home screen. Type a number, a name, an e-mail or a reference; results follow
each keystroke. Opened by a ring from an unknown number, it offers to make a prospect of it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from screens.context import actor_of, context_of
from screens.i18n import N_, _, said, said_error
from screens.language import LanguageChanged
from screens.messages import OpenProfile
from screens.outage import database_guard
from screens.widgets.footer import Footer
from screens.widgets.match_table import MatchTable, WhyLine
from screens.widgets.typed import TypedInput
from store import access
from store.phones import normalize_phone
from store.prospects import create_prospect
from store.sanitize import clean_line
from store.search import SearchResult

RESULT_LIMIT = 20
PLACEHOLDER = N_("Name, phone, e-mail, account or ticket number")


class QueryInput(TypedInput):
    """The search box; Enter submits it (the footer says "Open") so the open is handled after
    every keystroke typed before it."""

    BINDINGS = [Binding("enter", "submit", N_("Open"), id="lookup.submit")]

    def __init__(self, *, on_clear: Callable[[], None], placeholder: str, id: str) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self._on_clear = on_clear

    def key_escape(self, event: events.Key) -> None:
        """Escape empties the box here, among the keys in the order typed: the screen's binding
        ran only once the key had bubbled up, after a search typed behind it in the same burst
        (over SSH, "Escape R o m a" in one read), which it then wiped."""
        event.stop()
        self.value = ""
        self._on_clear()


@dataclass
class SearchDone(Message):
    """Results of search number `seq`; only the newest search may show."""

    seq: int
    result: SearchResult


@dataclass
class ProspectReady(Message):
    customer_id: int


@dataclass
class ProspectFailed(Message):
    reason: str


class LookupScreen(Screen[None]):
    """Search-as-you-type over every customer; Enter opens the highlighted one."""

    CSS_PATH = "lookup.tcss"
    BINDINGS = [
        Binding("enter", "open", N_("Open"), id="lookup.open"),  # from the results table
        Binding("down", "cursor(1)", N_("Next"), id="lookup.next", show=False),
        Binding("up", "cursor(-1)", N_("Previous"), id="lookup.previous", show=False),
        Binding("escape", "clear", N_("Clear"), id="lookup.clear"),
        Binding("ctrl+n", "new_prospect", N_("New prospect"), id="lookup.new_prospect"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._seq = 0
        self._shown_seq = 0
        """The query whose results the table shows; Enter before they match waits for them."""
        self._open_when_shown = False
        self._call_id: str | None = None
        self._prospect_key = ""
        self._shown = SearchResult([], "")

    @property
    def shows_latest(self) -> bool:
        """Whether the table answers the query as typed now (not a shorter one still showing)."""
        return self._shown_seq == self._seq

    def compose(self) -> ComposeResult:
        yield Static("", id="notice", markup=False)
        yield QueryInput(on_clear=self._forget_search, placeholder=_(PLACEHOLDER), id="query")
        yield Static("", id="hint", markup=False)
        yield MatchTable(id="results")
        yield WhyLine(id="why")
        yield Footer()

    @on(LanguageChanged)
    def _relabel(self) -> None:
        self.query_one("#query", Input).placeholder = _(PLACEHOLDER)
        self._show_hint(self._shown)

    def on_mount(self) -> None:
        self.query_one("#notice", Static).display = False
        self.query_one("#query", Input).focus()

    def prefill(self, text: str, *, notice: str = "", call_id: str | None = None) -> None:
        """Show `text` as the query (and search it), selected so that typing replaces it and End
        keeps it, with `notice` above; during `call_id` an unknown number or e-mail in `text` may
        become a new prospect. Back from a profile of the call it already serves (nothing to
        show), the lookup keeps what was searched for it."""
        if call_id is not None and call_id == self._call_id and not text and not notice:
            return
        self._call_id = call_id
        text = clean_line(text)
        self._prospect_key = text if call_id and self._can_be_prospect(text) else ""
        notice_widget = self.query_one("#notice", Static)
        notice_widget.update(Text(clean_line(notice)))
        notice_widget.display = bool(notice)
        query = self.query_one("#query", Input)
        query.value = text
        query.select_all()  # "someone else" on a shared line: the name typed next replaces the number
        query.focus()
        self.refresh_bindings()

    def _can_be_prospect(self, text: str) -> bool:
        return "@" in text or normalize_phone(text, context_of(self.app).default_region) is not None

    # --- searching ----------------------------------------------------------------------------

    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        self._seq += 1
        if not event.value.strip():
            self.workers.cancel_group(self, "search")
            self._show(SearchResult([], ""))
            self._shown_seq = self._seq
            return
        self._search(event.value, self._seq)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, query: str, seq: int) -> None:
        """Runs off the UI thread; a newer keystroke cancels it before or after the query."""
        context = context_of(self.app)
        time.sleep(context.search_settle_s)
        worker = get_current_worker()
        if worker.is_cancelled:
            return
        context = context_of(self.app)
        with database_guard(self, _("searching")):
            actor = actor_of(self.app)
            result = access.search(
                context.engines, actor, query, region=context.default_region, limit=RESULT_LIMIT
            )
            if not worker.is_cancelled:
                self.post_message(SearchDone(seq, result))

    @on(SearchDone)
    def _search_done(self, message: SearchDone) -> None:
        if message.seq == self._seq:  # an older query's late answer never replaces a newer one
            self._show(message.result)
            self._shown_seq = message.seq
            if self._open_when_shown:
                self._open_when_shown = False
                self.action_open()

    def _show(self, result: SearchResult) -> None:
        self._shown = result
        self._show_hint(result)
        self.query_one(MatchTable).show_matches(result.matches)
        self._show_why()

    def _show_hint(self, result: SearchResult) -> None:
        searched = bool(self.query_one("#query", Input).value.strip())
        hint = result.hint or (_("No customer matches.") if searched and not result.matches else "")
        self.query_one("#hint", Static).update(Text(clean_line(said(hint))))

    @on(DataTable.RowHighlighted, "#results")
    def _show_why(self) -> None:
        self.query_one(WhyLine).show(self.query_one(MatchTable).highlighted_match())

    # --- acting on the results ----------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        table = self.query_one(MatchTable)
        table.move_cursor(row=table.cursor_row + step)

    @on(Input.Submitted, "#query")
    def _submitted(self) -> None:
        """Enter in the query arrives after the keystrokes before it (same queue), unlike a
        priority binding, which could act on a query the input has not even received yet."""
        self.action_open()

    @on(DataTable.RowSelected, "#results")
    def _chosen(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Open the highlighted customer, of the query as typed: an Enter pressed while the
        table still shows an older query's results opens once the current ones arrive."""
        if not self.shows_latest and self.query_one("#query", Input).value.strip():
            self._open_when_shown = True
            return
        match = self.query_one(MatchTable).highlighted_match()
        if match is not None:
            self.post_message(OpenProfile(match.customer_id, call_id=self._call_id))

    def action_clear(self) -> None:
        """Escape from the results: an empty search box, ready for the next."""
        self.query_one("#query", Input).value = ""
        self.query_one("#query", Input).focus()
        self._forget_search()

    def _forget_search(self) -> None:
        """What the cleared search carried: its call, its would-be prospect, its notice."""
        self._call_id, self._prospect_key = None, ""
        self.query_one("#notice", Static).display = False
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new_prospect":
            return bool(self._prospect_key)
        return True

    def action_new_prospect(self) -> None:
        if self._prospect_key:
            self._create_prospect(self._prospect_key)

    @work(thread=True, exclusive=True, group="prospect")
    def _create_prospect(self, key: str) -> None:
        context = context_of(self.app)
        with database_guard(self, _("creating the prospect (nothing was written; ctrl+n retries)")):
            try:
                if "@" in key:
                    customer_id = create_prospect(context.engine, email=key)
                else:
                    customer_id = create_prospect(
                        context.engine, phone_e164=key, region=context.default_region
                    )
            except ValueError as error:
                self.post_message(ProspectFailed(said_error(error)))
                return
            self.post_message(ProspectReady(customer_id))

    @on(ProspectReady)
    def _prospect_ready(self, message: ProspectReady) -> None:
        self._prospect_key = ""
        self.refresh_bindings()
        self.post_message(OpenProfile(message.customer_id, call_id=self._call_id))

    @on(ProspectFailed)
    def _prospect_failed(self, message: ProspectFailed) -> None:
        self.notify(
            _("No prospect made: {reason}").format(reason=message.reason), severity="error", markup=False
        )
