"""The customer 360: who is calling, what they hold, what happened, how to reach them.

The essentials (name, status, age, flags) sit in three lines above the fold; every list is a tab
reached by a number key, loaded 50 rows at a time ("m" loads more). The profile follows the change
feed: when any console, import or API saves this customer it reloads in place, keeping the tab,
cursor and scroll position, and an edit open on top of it is left alone. The console's one change
feed does the listening: the profile only says what it shows (`live_subjects`).

It pops on every call, so it is kept light (`callpop bench profile`): tabs are built on first show,
the tab bar and key bar are one `Static` each, not `TabbedContent` and `Footer` (dozens of widgets).

The dialogs (ticket, contact form, returned mail) belong to this screen and are pushed by it;
navigation to other screens (lookup, wrap-up) goes through `screens.messages`.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from functools import partial

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from screens.contact_edit import ContactEditScreen, UndeliverableScreen
from screens.context import actor_of, context_of
from screens.i18n import N_, _, said_status
from screens.language import LanguageChanged
from screens.merge_pick import MergePickScreen
from screens.messages import CustomerChanged, OpenLookup, OpenMerge, StartWrapUp, navigate
from screens.outage import database_guard
from screens.profile_commands import ProfileCommands
from screens.profile_preload import Preloaded
from screens.ticket_view import TicketViewScreen
from screens.widgets.key_bar import KeyBar
from screens.widgets.offers_panel import OFFER_BINDINGS, OffersPanel
from screens.widgets.profile_contacts import ContactsTable, purchases_text
from screens.widgets.profile_header import ProfileHeader
from screens.widgets.profile_sections import PAGED, TABLE, TABS, count_text, section_widgets
from screens.widgets.profile_tables import SectionTable
from screens.widgets.profile_tabs import SectionTabs
from store import access
from store.notify import customer_subject
from store.policy import Action, allowed
from store.profile import PAGE_SIZE, Page, Profile, TimelineRow
from store.sanitize import clean_line

RELOAD_CAP = 500
"""A live reload re-reads as many rows as are shown, up to this many per section."""

COLLECT_AFTER_CLOSE_S = 0.1
"""A closed profile's widgets are reference cycles only the garbage collector frees. Collected this
long after it closes (between calls), else they pile up until a full collection (90-150 ms over them
all) lands in a later pop's paint."""

_SECTIONS_GROUP = Binding.Group(N_("Tabs"))


@dataclass
class ProfileLoaded(Message):
    profile: Profile | None


@dataclass
class PageLoaded(Message):
    page: Page


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
        Binding("m", "more", N_("More"), id="profile.more"),
        Binding("o", "open_ticket", N_("Ticket"), id="profile.open_ticket"),
        Binding("e", "edit_contact", N_("Edit"), id="profile.edit_contact"),
        Binding("u", "undeliverable", N_("Bad addr"), id="profile.undeliverable"),
        # Priority, so it acts as the app reads it: the rest of a burst reaches the wrap-up.
        Binding("w", "wrap_up", N_("Wrap-up"), id="profile.wrap_up", priority=True),
        Binding("escape", "back", N_("Back"), id="profile.back", priority=True),
        *OFFER_BINDINGS,
    ]

    def __init__(
        self,
        customer_id: int,
        *,
        call_id: str | None = None,
        today: date | None = None,
        preloaded: Preloaded | None = None,
    ) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.call_id = call_id
        self._today = today
        self._preloaded = preloaded
        """Read (and audited) before the screen opened (a pop): the first paint shows it."""
        self._viewed = preloaded is not None
        """Whether this screen's view of the customer is audited already (reloads are the same view)."""
        self.profile: Profile | None = None
        self.section = "holdings"
        """The tab shown."""
        self._stale: set[str] = set()
        """Tabs whose widgets do not show the loaded profile yet."""
        self._asked_for_name = False
        self._resumed = False
        self.painted = asyncio.Event()
        """Set once the loaded profile has been rendered (tests and the benchmark wait on it)."""

    @property
    def today(self) -> date:
        """The fixed date given (snapshots), else the real one."""
        return self._today or date.today()

    def compose(self) -> ComposeResult:
        yield ProfileHeader(_("Loading…"), id="header")  # a preloaded profile replaces it on mount
        offers = self._preloaded.offers if self._preloaded is not None else None
        yield OffersPanel(self.customer_id, call_id=self.call_id, suggestions=offers, id="offers")
        yield SectionTabs(id="tabs")
        yield from section_widgets(self.section)  # no container around them: it costs a paint
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        if self._preloaded is not None:  # shown before the first layout: one layout, one paint
            self._show(ProfileLoaded(self._preloaded.profile))
            self._preloaded = None
            return
        self._label_tabs()
        self._load(PAGE_SIZE)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """The first resume comes right after the mount styled every widget: Textual would restyle
        them all again (runs before its handler, which reads `refresh_styles`)."""
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_unmount(self) -> None:
        """Not a Textual timer: its task's context (the active message pump) would keep this screen alive."""
        empty = contextvars.Context()
        asyncio.get_running_loop().call_later(COLLECT_AFTER_CLOSE_S, gc.collect, context=empty)

    def live_subjects(self) -> Collection[str]:
        """The app reloads this profile when its customer is saved anywhere (`CustomerChanged`)."""
        return (customer_subject(self.customer_id),)

    # --- loading -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="profile-load")
    def _load(self, page_size: int) -> None:
        context = context_of(self.app)
        with database_guard(self, _("loading the profile")):
            first, self._viewed = not self._viewed, True
            profile = access.view_profile(
                context.engines,
                actor_of(self.app),
                self.customer_id,
                today=self.today,
                page_size=page_size,
                first=first,
            )
            self.post_message(ProfileLoaded(profile))

    @work(thread=True, exclusive=True, group="profile-more")
    def _load_more(self, section: str, offset: int) -> None:
        engines = context_of(self.app).engines
        with database_guard(self, _("loading more rows")):
            page = access.more_rows(
                engines, actor_of(self.app), section, self.customer_id, today=self.today, offset=offset
            )
            self.post_message(PageLoaded(page))

    @on(ProfileLoaded)
    def _show(self, message: ProfileLoaded) -> None:
        profile = message.profile
        if profile is None:
            self.query_one(ProfileHeader).update(_("No such customer: they may have been deleted or merged."))
            self.painted.set()
            return
        self.profile = profile
        self._stale = set(TABS)
        with self.app.batch_update():
            self.query_one(ProfileHeader).show(profile.header)
            self.query_one(OffersPanel).show_for(profile.header.preferred_language or None)
            self._fill_tab(self.section)
            self._label_tabs()
        if not self.painted.is_set():
            self.screen_layout_refresh_signal.subscribe(self, self._laid_out)
        if profile.header.status == "prospect" and profile.header.name in ("", "New prospect"):
            self._ask_for_name()

    @on(LanguageChanged)
    def _relabel(self) -> None:
        """Every text the profile built from the loaded rows is rebuilt in the new language."""
        if self.profile is None:
            return
        self._stale = set(TABS)
        with self.app.batch_update():
            self.query_one(ProfileHeader).show(self.profile.header)
            self._fill_tab(self.section)
            self._label_tabs()

    def _ask_for_name(self) -> None:
        """A nameless prospect (an unknown caller just added) opens its contact form once, on the name."""
        if not self._asked_for_name and self.app.screen is self:
            self._asked_for_name = True
            self.action_edit_contact()

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
        """ "3 Timeline 50/4000": how many rows are shown of how many there are; "4 Buying 2": how many
        purchases (its table lists the mailings, paged on their own)."""
        labels = {}
        for n, (tab, label) in enumerate(TABS.items(), start=1):
            count = ""
            if tab == "purchases" and self.profile is not None:  # purchases, not the mailings listed
                count = f" {self.profile.purchases.count}"
            elif tab in PAGED and self.profile is not None:
                page = getattr(self.profile, tab)
                shown, total = len(page.rows), page.total
                if tab not in self._stale:
                    table = self.query_one(f"#{TABLE[tab]}", SectionTable)
                    shown, total = table.shown, table.total
                count = count_text(shown, total)
            labels[tab] = f"{n} {_(label)}{count}"
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
            self.notify(_("Everything is shown."), timeout=2)
            return
        self._load_more(table.section, table.shown)

    def action_open_ticket(self) -> None:
        table = self._active_table()
        row = table.current() if table is not None and table.section == "timeline" else None
        if not isinstance(row, TimelineRow) or row.ticket_id is None:
            self.notify(_("Pick a ticket in the timeline (3) first."), timeout=3)
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
            self.notify(_("Pick a current address in Contacts, then press u."), timeout=3)
            return
        screen = UndeliverableScreen(self.customer_id, self.profile.header.version, address, today=self.today)
        self.app.push_screen(screen, self._reload_if_saved)

    def palette_commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """What the command palette offers here (see `ProfileCommands`)."""
        commands: list[tuple[str, Callable[[], object], str]] = [
            (_("Edit contact"), self.action_edit_contact, _("Phones, e-mails, language, consents")),
            (
                _("Mark address undeliverable"),
                self.action_undeliverable,
                _("Returned mail for the address in Contacts"),
            ),
        ]
        actor = context_of(self.app).actor
        if actor is not None and allowed(actor.role, Action.MERGE):
            commands.append(
                (
                    _("Merge with another customer…"),
                    self.merge_with_another,
                    _("The same person recorded twice: pick the other record"),
                )
            )
        tables = self.query("#table-timeline").results(SectionTable)
        table = next(tables, None)
        timeline = table.payloads if table else self.profile.timeline.rows if self.profile else []
        for row in timeline:
            if row.kind == "ticket" and row.ticket_id is not None:
                commands.append(
                    (
                        _("Open ticket {subject}").format(subject=clean_line(row.title)),
                        partial(self.open_ticket, row.ticket_id),
                        said_status(row.status),
                    )
                )
        return commands

    def merge_with_another(self) -> None:
        """Pick the other record by lookup; the app opens the merge (admins only)."""

        def picked(other_id: int | None) -> None:
            if other_id is not None:
                self.post_message(OpenMerge(self.customer_id, other_id))

        self.app.push_screen(MergePickScreen(self.customer_id), picked)

    def action_offer(self, response: str) -> None:
        """a/d/l/x answer the highlighted offer from anywhere on the profile."""
        self.query_one(OffersPanel).answer(response)

    def action_wrap_up(self) -> None:
        responses = tuple(self.query_one(OffersPanel).responses)
        navigate(self, StartWrapUp(self.call_id, self.customer_id, offer_responses=responses))

    def action_back(self) -> None:
        """Back to the lookup; during a call, one for this call (not the previous caller's search)."""
        navigate(self, OpenLookup(call_id=self.call_id))
