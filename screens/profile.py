"""The customer 360: who is calling, what they hold, what happened, how to reach them.

The essentials (name, status, age, flags) sit in three lines above the fold; every list is a tab
reached by a number key, loaded 50 rows at a time ("m" loads more). The profile follows the change
feed: when any console, import or API saves this customer it reloads in place, keeping the tab,
cursor and scroll position, and an edit open on top of it is left alone.

It pops on every call, so it is kept light (`callpop bench profile`): tabs are built on first show,
the tab bar and key bar are one `Static` each, not `TabbedContent` and `Footer` (dozens of widgets).

The dialogs (ticket, contact form, returned mail) belong to this screen and are pushed by it;
navigation to other screens (lookup, wrap-up) goes through `screens.messages`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from sqlalchemy.exc import SQLAlchemyError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from screens.contact_edit import ContactEditScreen, UndeliverableScreen
from screens.context import context_of
from screens.messages import OpenLookup, StartWrapUp
from screens.outage import database_guard
from screens.profile_commands import ProfileCommands
from screens.ticket_view import TicketViewScreen
from screens.widgets.offers_panel import OffersPanel
from screens.widgets.profile_contacts import ContactsTable, purchases_text
from screens.widgets.profile_footer import KeyBar
from screens.widgets.profile_header import ProfileHeader
from screens.widgets.profile_sections import PAGED, TABLE, TABS, count_text, section_widgets
from screens.widgets.profile_tables import SectionTable
from screens.widgets.profile_tabs import SectionTabs
from store.notify import ChangeFeed
from store.profile import PAGE_SIZE, Page, Profile, TimelineRow, load_page, load_profile
from store.sanitize import clean_line

LIVE_POLL_S = 0.2
LIVE_RETRY_S = 1.0
RELOAD_CAP = 500
"""A live reload re-reads as many rows as are shown, up to this many per section."""

_SECTIONS_GROUP = Binding.Group("Tabs")


@dataclass
class ProfileLoaded(Message):
    profile: Profile | None


@dataclass
class PageLoaded(Message):
    page: Page


@dataclass
class CustomerChanged(Message):
    customer_id: int


class ProfileScreen(Screen[None]):
    """The customer 360 of `customer_id`, during call `call_id` when there is one."""

    CSS_PATH = "profile.tcss"
    AUTO_FOCUS = "#table-holdings"
    COMMANDS = Screen.COMMANDS | {ProfileCommands}
    BINDINGS = [
        *(
            Binding(str(n), f"section('{tab}')", label, id=f"profile.{tab}", group=_SECTIONS_GROUP)
            for n, (tab, label) in enumerate(TABS.items(), start=1)
        ),
        Binding("m", "more", "More", id="profile.more"),
        Binding("o", "open_ticket", "Ticket", id="profile.open_ticket"),
        Binding("e", "edit_contact", "Edit", id="profile.edit_contact"),
        Binding("u", "undeliverable", "Bad addr", id="profile.undeliverable"),
        Binding("w", "wrap_up", "Wrap-up", id="profile.wrap_up"),
        Binding("escape", "back", "Back", id="profile.back"),
    ]

    def __init__(self, customer_id: int, *, call_id: str | None = None, today: date | None = None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.call_id = call_id
        self._today = today
        self.profile: Profile | None = None
        self.section = "holdings"
        """The tab shown."""
        self._stale: set[str] = set()
        """Tabs whose widgets do not show the loaded profile yet."""
        self.painted = asyncio.Event()
        """Set once the loaded profile has been rendered (tests and the benchmark wait on it)."""

    @property
    def today(self) -> date:
        """The fixed date given (snapshots), else the real one."""
        return self._today or date.today()

    def compose(self) -> ComposeResult:
        yield ProfileHeader("Loading…", id="header")
        yield OffersPanel(self.customer_id, call_id=self.call_id, id="offers")
        yield SectionTabs(id="tabs")
        yield from section_widgets(self.section)  # no container around them: it costs a paint
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self._label_tabs()
        self._load(PAGE_SIZE)
        self.call_after_refresh(self._follow_changes)  # after the first paint: it competes for the GIL

    # --- loading -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="profile-load")
    def _load(self, page_size: int) -> None:
        context = context_of(self.app)
        with database_guard(self, "loading the profile"):
            profile = load_profile(
                context.engine, self.customer_id, today=self.today, page_size=page_size, role=context.role
            )
            self.post_message(ProfileLoaded(profile))

    @work(thread=True, exclusive=True, group="profile-more")
    def _load_more(self, section: str, offset: int) -> None:
        engine = context_of(self.app).engine
        with database_guard(self, "loading more rows"):
            page = load_page(engine, section, self.customer_id, today=self.today, offset=offset)
            self.post_message(PageLoaded(page))

    @work(thread=True, exclusive=True, group="profile-live")
    def _follow_changes(self) -> None:
        """Wait on the change feed; a save of this customer anywhere triggers a reload. A database
        outage is waited out, then the profile reloads once (it may have missed a change)."""
        worker = get_current_worker()
        engine, missed = context_of(self.app).engine, False
        while not worker.is_cancelled:
            try:
                with ChangeFeed(engine, ["customer"], poll_interval=LIVE_POLL_S) as feed:
                    if missed:
                        self.post_message(CustomerChanged(self.customer_id))
                        missed = False
                    while not worker.is_cancelled:
                        if any(event.key == str(self.customer_id) for event in feed.wait(0.5)):
                            self.post_message(CustomerChanged(self.customer_id))
            except SQLAlchemyError:
                missed = True
                time.sleep(LIVE_RETRY_S)

    @on(ProfileLoaded)
    def _show(self, message: ProfileLoaded) -> None:
        profile = message.profile
        if profile is None:
            self.query_one(ProfileHeader).update("No such customer: they may have been deleted or merged.")
            self.painted.set()
            return
        self.profile = profile
        self._stale = set(TABS)
        with self.app.batch_update():
            self.query_one(ProfileHeader).show(profile.header)
            self._fill_tab(self.section)
            self._label_tabs()
        if not self.painted.is_set():
            self.screen_layout_refresh_signal.subscribe(self, self._laid_out)

    def _laid_out(self, _screen: Screen[None]) -> None:
        """Set `painted` after the layout (and paint) that shows the loaded profile.

        Not `call_after_refresh`: a widget asks the screen for a new layout on its own idle, which can
        come after the screen's, so the refresh after `_show` may still draw the "Loading…" layout.
        The loaded header is three lines or more where "Loading…" was one: that tells them apart.
        """
        if self.query_one(ProfileHeader).region.height > 1:
            self.screen_layout_refresh_signal.unsubscribe(self)
            self.painted.set()

    def _show_section(self, tab: str) -> None:
        """Show `tab` (building its widgets the first time) and hide the others."""
        with self.app.batch_update():
            for widget in self.query_children(".section"):
                widget.display = widget.has_class(f"tab-{tab}")
            if not self.query_children(f".tab-{tab}"):
                self.mount_all(section_widgets(tab), after="#tabs")
            self.section = tab
            self._fill_tab(tab)
            self._label_tabs()

    def _fill_tab(self, tab: str) -> None:
        """Put the loaded rows into `tab`'s widgets; hidden tabs wait until shown (faster pop)."""
        if self.profile is None or tab not in self._stale:
            return
        self._stale.discard(tab)
        if tab == "purchases":
            self.query_one("#purchase-summary", Static).update(purchases_text(self.profile))
            self.query_one("#table-campaigns", SectionTable).fill(self.profile.campaigns)
        elif tab == "contacts":
            self.query_one(ContactsTable).fill(self.profile)
        else:
            self.query_one(f"#table-{tab}", SectionTable).fill(getattr(self.profile, tab))

    @on(PageLoaded)
    def _append(self, message: PageLoaded) -> None:
        table = self.query_one(f"#table-{message.page.section}", SectionTable)
        if message.page.offset != table.shown:  # a second "m" or a reload got there first
            return
        table.extend(message.page)
        self._label_tabs()

    def _reload_if_saved(self, saved: bool | None) -> None:
        """After a dialog: reload only if it saved (cancel changed nothing)."""
        if saved:
            self._reload()

    @on(CustomerChanged)
    def _reload(self) -> None:
        shown = max((table.shown for table in self.query(SectionTable)), default=0)
        self._load(min(max(PAGE_SIZE, shown), RELOAD_CAP))

    def _label_tabs(self) -> None:
        """ "3 Timeline 50/4000": how many rows are shown of how many there are."""
        labels = {}
        for n, (tab, label) in enumerate(TABS.items(), start=1):
            section = "campaigns" if tab == "purchases" else tab
            count = ""
            if section in PAGED and self.profile is not None:
                page = getattr(self.profile, section)
                shown, total = len(page.rows), page.total
                if tab not in self._stale:
                    table = self.query_one(f"#{TABLE[tab]}", SectionTable)
                    shown, total = table.shown, table.total
                count = count_text(shown, total)
            labels[tab] = f"{n} {label}{count}"
        self.query_one(SectionTabs).show(labels, self.section)

    # --- actions -----------------------------------------------------------------------------

    def action_section(self, tab: str) -> None:
        if tab != self.section:
            self._show_section(tab)
        self.query_one(f"#{TABLE[tab]}", DataTable).focus()

    @on(SectionTabs.Picked)
    def _tab_clicked(self, message: SectionTabs.Picked) -> None:
        self.action_section(message.tab)

    def _active_table(self) -> SectionTable | None:
        table = self.query_one(f"#{TABLE[self.section]}", DataTable)
        return table if isinstance(table, SectionTable) else None

    def action_more(self) -> None:
        table = self._active_table()
        if table is None or not table.has_more:
            self.notify("Everything is shown.", timeout=2)
            return
        self._load_more(table.section, table.shown)

    def action_open_ticket(self) -> None:
        table = self._active_table()
        row = table.current() if table is not None and table.section == "timeline" else None
        if not isinstance(row, TimelineRow) or row.ticket_id is None:
            self.notify("Pick a ticket in the timeline (3) first.", timeout=3)
            return
        self.open_ticket(row.ticket_id)

    @on(DataTable.RowSelected, "#table-timeline")
    def _timeline_enter(self) -> None:
        self.action_open_ticket()

    def open_ticket(self, ticket_id: int) -> None:
        self.app.push_screen(TicketViewScreen(ticket_id))

    def action_edit_contact(self) -> None:
        self.app.push_screen(ContactEditScreen(self.customer_id, today=self.today), self._reload_if_saved)

    def action_undeliverable(self) -> None:
        contacts = self.query(ContactsTable)
        address = contacts.first().current_address() if contacts else None
        if self.profile is None or address is None or not address.current:
            self.action_section("contacts")
            self.notify("Pick a current address in Contacts, then press u.", timeout=3)
            return
        screen = UndeliverableScreen(self.customer_id, self.profile.header.version, address, today=self.today)
        self.app.push_screen(screen, self._reload_if_saved)

    def palette_commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """What the command palette offers here (see `ProfileCommands`)."""
        commands: list[tuple[str, Callable[[], object], str]] = [
            ("Edit contact", self.action_edit_contact, "Phones, e-mails, language, consents"),
            (
                "Mark address undeliverable",
                self.action_undeliverable,
                "Returned mail for the address in Contacts",
            ),
        ]
        tables = self.query("#table-timeline").results(SectionTable)
        table = next(tables, None)
        timeline = table.payloads if table else self.profile.timeline.rows if self.profile else []
        for row in timeline:
            if row.kind == "ticket" and row.ticket_id is not None:
                commands.append(
                    (
                        f"Open ticket {clean_line(row.title)}",
                        partial(self.open_ticket, row.ticket_id),
                        row.status,
                    )
                )
        return commands

    def action_wrap_up(self) -> None:
        responses = tuple(self.query_one(OffersPanel).responses)
        self.post_message(StartWrapUp(self.call_id, self.customer_id, offer_responses=responses))

    def action_back(self) -> None:
        self.post_message(OpenLookup())
