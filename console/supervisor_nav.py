"""The supervisor's and admin's screens in the console: F8 the ticket queue (a chosen ticket opens
its review), F9 the live floor, F10 the reports, the merge of two customers (from a profile's
palette), the returned-mail worklist (from the palette: no F-key left at 80 columns); and ticket
changes heard on the change feed reach the screens that show them.

A base of the console app beside the open wrap-ups (console/app_wrapups.py). Whether a role gets
the keys is read from the policy table (store/policy.py), which the store also enforces: hiding a
key from an operator is only a courtesy.

Each of those screens is imported when it is first opened, not with the app: an operator's console
never opens one, and together they cost it ~6 MB of RSS (the reports' plotext, the merge's import
machinery and country tables).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import SystemCommand
from textual.screen import Screen

from console.app_feed import FeedRoutedApp
from console.feed import TicketsChangedHere
from screens.callbacks import CallbacksScreen
from screens.messages import LiveScreen, OpenMerge, OpenProfile, OpenTicketReview, TicketsChanged
from store.notify import TICKETS, customer_subject, ticket_subject
from store.policy import Action, allowed

SCREEN_ACTIONS = {
    "callback_queue": Action.CLOSE_CALLBACK,
    "tickets": Action.REVIEW_TICKET,
    "floor": Action.WATCH_FLOOR,
    "reports": Action.READ_REPORTS,
    "merge": Action.MERGE,
    "returned_mail": Action.RETURNED_MAIL_WORKLIST,
}
"""Each supervisor (or admin) screen's action in the policy table: it is offered to a role that
reaches other operators' objects for it (an operator closes only their own callbacks: no queue)."""


class SupervisorNavigation(FeedRoutedApp):
    """The F8/F9/F10 actions and ticket routing; the app's BINDINGS holds the keys."""

    wrapup_too_long_s: float = 120.0
    """The floor flags wrap-ups open longer than this (set from the seat's rules)."""

    def supervisor_screen_allowed(self, action: str) -> bool:
        """A signed-in role the policy lets reach others' objects on the screen behind `action`."""
        actor = self.context.actor
        return actor is not None and allowed(actor.role, SCREEN_ACTIONS[action], own=False)

    def action_callback_queue(self) -> None:
        if self.supervisor_screen_allowed("callback_queue"):
            self.push_screen(CallbacksScreen(queue=True))

    def action_tickets(self) -> None:
        if self.supervisor_screen_allowed("tickets"):
            from screens.ticket_queue import TicketQueueScreen

            self.push_screen(TicketQueueScreen())

    def action_floor(self) -> None:
        if self.supervisor_screen_allowed("floor"):
            from screens.floor import FloorScreen

            self.push_screen(FloorScreen(wrapup_limit_s=self.wrapup_too_long_s))

    def action_reports(self) -> None:
        if self.supervisor_screen_allowed("reports"):
            from screens.reports import ReportsScreen

            self.push_screen(ReportsScreen())

    def action_returned_mail(self) -> None:
        if self.supervisor_screen_allowed("returned_mail"):
            from screens.returned_mail import ReturnedMailScreen

            self.push_screen(ReturnedMailScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette's supervisor commands, for a role that may use them. Titles are the
        English msgids: the app translates every system command (`translated_system_commands`)."""
        yield from super().get_system_commands(screen)
        if self.check_action("returned_mail", ()):  # signed in, not locked, a role the policy lets
            from screens.returned_mail import PALETTE_HELP, PALETTE_TITLE

            yield SystemCommand(PALETTE_TITLE, PALETTE_HELP, self.action_returned_mail)

    def on_open_ticket_review(self, message: OpenTicketReview) -> None:
        if self.supervisor_screen_allowed("tickets"):
            from screens.ticket_review import TicketReviewScreen

            self.push_screen(TicketReviewScreen(message.ticket_id))

    def on_open_merge(self, message: OpenMerge) -> None:
        if self.supervisor_screen_allowed("merge"):
            from screens.merge import MergeScreen

            self.push_screen(MergeScreen(message.keep_id, message.other_id), self._merged)

    def _merged(self, survivor: int | None) -> None:
        """After a merge, the survivor's profile shows (the screen below may be the other's)."""
        screen = self.screen
        if survivor is not None and not (
            isinstance(screen, LiveScreen) and customer_subject(survivor) in screen.live_subjects()
        ):
            self.post_message(OpenProfile(survivor))

    def on_tickets_changed_here(self, message: TicketsChangedHere) -> None:
        for screen in self._live_screens():
            subjects = set(screen.live_subjects())
            shown = [t for t in message.ticket_ids if TICKETS in subjects or ticket_subject(t) in subjects]
            if shown:
                screen.post_message(TicketsChanged(shown))
