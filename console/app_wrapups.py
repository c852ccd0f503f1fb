"""The console's open wrap-ups: one per call, kept open off the stack until saved, resumed with
ctrl+w or `w`, reopened from drafts after a crash, replayed from the journal when the database
was away; the way back to the lookup, which never passes one. Whether a ringing call pops now or
waits is the presence's to say (console.presence)."""

from __future__ import annotations

from textual import on, work
from textual.actions import SkipAction
from textual.message import Message
from textual.reactive import reactive

from console.app_feed import FeedRoutedApp
from console.pop import PopArrived
from screens.confirm_quit import ConfirmQuitScreen
from screens.i18n import _, ngettext
from screens.lock import LockScreen
from screens.lookup import LookupScreen
from screens.messages import OpenLookup, StartWrapUp, WrapUpFinished
from screens.outage import database_guard, local_file_guard
from screens.wrapup import WrapUpScreen
from store.wrapup import OutcomeConfig, open_local_file, replay_pending, unfinished_drafts


class WrapUpDeskApp(FeedRoutedApp):
    """Keeps the console's wrap-ups: none lost to navigation, never two for one call."""

    outcomes: OutcomeConfig

    open_wrapups: reactive[int] = reactive(0)
    """How many wrap-ups are open in this console, shown or not (the status line shows it)."""

    @property
    def locked(self) -> bool:
        return any(isinstance(screen, LockScreen) for screen in self.screen_stack)

    @on(PopArrived)
    def _pop(self, message: PopArrived) -> None:
        """Show the caller now, or hold the pop until the console is ready (console.presence)."""
        self.presence.offer(message.decision)

    @property
    def open_wrapup_screens(self) -> list[WrapUpScreen]:
        return list(self._wrapups)

    def navigate(self, message: Message) -> bool:
        """Navigation that must happen before the next key is read (screens.messages.navigate):
        a wrap-up, or back to a lookup below (Escape on the profile or the caller list: the keys
        typed behind it are the next search; above an open wrap-up the handler opens one)."""
        if isinstance(message, StartWrapUp):
            self._start_wrapup(message)
            return True
        if not isinstance(message, OpenLookup):
            return False
        if self.locked or self.context.actor is None:
            return True  # a locked seat goes nowhere
        if lookup := self._pop_to_lookup():
            self._show_lookup(lookup, message)
        else:
            self.post_message(message)
        return True

    @on(OpenLookup)
    async def _open_lookup(self, message: OpenLookup) -> None:
        if self.locked or self.context.actor is None:
            return
        self._show_lookup(await self._unwind_to_lookup(), message)

    @staticmethod
    def _show_lookup(lookup: LookupScreen, message: OpenLookup) -> None:
        if message.prefill or message.notice or message.call_id:
            lookup.prefill(message.prefill, notice=message.notice, call_id=message.call_id)

    @on(StartWrapUp)
    def _start_wrapup(self, message: StartWrapUp) -> None:
        """`w`: a call (or a customer's manual contact) with a wrap-up already open resumes it:
        one call never gets two wrap-ups."""
        for wrapup in self._wrapups:
            same_call = message.call_id is not None and wrapup.call_id == message.call_id
            same_customer = message.call_id is None and message.customer_id is not None
            if same_call or (same_customer and wrapup.customer_id == message.customer_id):
                self._show_wrapup(wrapup)
                return
        self._open_wrapup(
            WrapUpScreen(
                call_id=message.call_id,
                customer_id=message.customer_id,
                offer_responses=message.offer_responses,
            )
        )

    def _open_wrapup(self, wrapup: WrapUpScreen) -> None:
        self.install_screen(wrapup, f"wrapup:{wrapup.call_id}")
        self._wrapups.append(wrapup)
        self.open_wrapups = len(self._wrapups)
        self.push_screen(wrapup)

    def _show_wrapup(self, wrapup: WrapUpScreen) -> None:
        """Bring `wrapup` to the front: the screens above it close (a wrap-up among them stays
        open off the stack, ctrl+w brings it back); one off the stack is pushed again."""
        if wrapup not in self.screen_stack:
            self.push_screen(wrapup)
            return
        while self.screen is not wrapup:
            self.pop_screen()

    @on(WrapUpFinished)
    def _wrapup_finished(self, message: WrapUpFinished) -> None:
        """The finished wrap-up closes; another open one (a second chat) comes back on top, else
        the seat is free: an empty lookup, or the call that waited for this wrap-up. A wrap-up
        finished under another screen is closed when it is back on top (it says so again)."""
        top = self.screen
        if not (isinstance(top, WrapUpScreen) and top.call_id == message.call_id):
            return
        self._wrapups.remove(top)
        self.open_wrapups = len(self._wrapups)
        self.presence.wrapup_saved(message.call_id)
        self.pop_screen()
        self.uninstall_screen(top)
        while len(self.screen_stack) > 2 and not isinstance(self.screen, (LookupScreen, WrapUpScreen)):
            self.pop_screen()
        if isinstance(self.screen, WrapUpScreen):
            return
        if self._wrapups:  # one that was moved off the stack
            self._show_wrapup(self._wrapups[0])
            return
        if isinstance(self.screen, LookupScreen):
            self.screen.prefill("")

    def _pop_to_lookup(self) -> LookupScreen | None:
        """Close the screens above the nearest lookup, but never an open wrap-up (navigation must
        not drop a call's outcome): None when the wrap-up is reached first."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, (LookupScreen, WrapUpScreen)):
            self.pop_screen()
        return self.screen if isinstance(self.screen, LookupScreen) else None

    async def _unwind_to_lookup(self) -> LookupScreen:
        """Back to the nearest lookup; above an open wrap-up, a fresh lookup opens."""
        if found := self._pop_to_lookup():
            return found
        lookup = LookupScreen()
        await self.push_screen(lookup)
        return lookup

    @work(thread=True, exclusive=True, group="reopen-drafts")
    def _reopen_drafts(self) -> None:
        """Wrap-ups this operator had not finished (a crash, a closed SSH session) come back."""
        with local_file_guard(self, _("reopening unfinished wrap-ups")):
            open_local_file(self.context.data_dir)
            for draft in unfinished_drafts(self.context.data_dir, self.context.operator):
                self.call_from_thread(self._reopen, draft.call_id, draft.customer_id)

    def _reopen(self, call_id: str, customer_id: int | None) -> None:
        if not any(wrapup.call_id == call_id for wrapup in self._wrapups):
            self._open_wrapup(WrapUpScreen(call_id=call_id, customer_id=customer_id))

    @work(thread=True, exclusive=True, group="journal-replay")
    def _replay_journal(self) -> None:
        with (
            local_file_guard(self, _("replaying queued wrap-ups")),
            database_guard(self, _("replaying queued wrap-ups")),
        ):
            report = replay_pending(self.context.engine, self.context.data_dir)
            if report.saved and not report.still_queued:
                self.call_from_thread(setattr, self, "db_state", "ok")
            if report.saved:
                text = ngettext("{count} queued wrap-up saved", "{count} queued wrap-ups saved", report.saved)
                self.call_from_thread(self.notify, text.format(count=report.saved), markup=False)

    def action_resume_wrapup(self) -> None:
        """ctrl+w: back to the oldest open wrap-up, from any screen but a wrap-up (where ctrl+w
        deletes a word, as in every text box)."""
        if not self._wrapups or isinstance(self.screen, WrapUpScreen | ConfirmQuitScreen):
            raise SkipAction()
        self._show_wrapup(self._wrapups[0])

    def _flush_drafts(self) -> None:
        for wrapup in self._wrapups:
            wrapup.flush_draft(wait=True)
