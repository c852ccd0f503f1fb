"""The wrap-up: reason x outcome, notes, a ticket, a callback and a quoted campaign code.

Nothing typed here may be lost: the form is kept as a local draft ~300 ms after each change, and
ctrl+s moves it to the seat's journal before writing the database (store.wrapup), so the screen
says "saved" only after the commit and "queued" when the database is locked or away.
The common case is five keys: enter (reason), enter (outcome), a short note, ctrl+s.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Select, Static, TextArea

from screens.context import context_of
from screens.i18n import N_, _, said_error, said_status
from screens.language import LanguageChanged
from screens.messages import CallEnded, WrapUpFinished
from screens.outage import LocalFileProblem
from screens.widgets.call_timer import CallTimer
from screens.widgets.footer import Footer
from screens.widgets.held_keys import HeldKeys
from screens.widgets.typed import TypedTextArea
from screens.widgets.wrapup_extras import WrapUpExtras
from screens.widgets.wrapup_picks import WrapUpPicks, shown_label
from screens.wrapup_draft import card_data_notice
from screens.wrapup_timebox import TimeBoxedScreen
from store.notify import call_subject
from store.offers.responses import RESPONSE_LABELS, OfferResponse
from store.sanitize import clean_line
from store.tickets import OpenTicket, open_tickets
from store.timeutil import utcnow
from store.wrapup import (
    CallFacts,
    Draft,
    LocalFileError,
    OutcomeConfig,
    OutcomesError,
    SaveResult,
    SaveStatus,
    Seat,
    WrapUpForm,
    WrapUpMode,
    WrapUpRejected,
    discard_draft,
    load_call_facts,
    load_draft,
    load_outcomes,
    submit_wrapup,
)

_STATUS_TEXT = {
    SaveStatus.SAVED: N_("saved"),
    SaveStatus.ALREADY_SAVED: N_("saved (it was already in the database)"),
    SaveStatus.QUEUED: N_("queued: the database is unavailable, it will be saved when it is back"),
}
NOTES_TITLE = N_("Notes")


@dataclass
class _Loaded(Message):
    config: OutcomeConfig
    facts: CallFacts
    tickets: list[OpenTicket]
    draft: Draft | None
    notice: str = ""


@dataclass
class _Problem(Message):
    """Loading or saving failed for a reason the operator must see (bad config, refused save)."""

    error: str


@dataclass
class _Committed(Message):
    result: SaveResult


class WrapUpScreen(TimeBoxedScreen):
    """Log the outcome of one call (`call_id`), or of a contact started by hand (`call_id` None)."""

    CSS_PATH = "wrapup.tcss"
    SHOWS_WRAPUP = True
    """The status line drops its "ctrl+w resume" hint here."""
    AUTO_FOCUS = ""
    """Nothing takes keys until the lists are filled: keys typed before that are held, in order."""
    BINDINGS = [  # not priority: a key typed after others must not act before them
        Binding("ctrl+s", "save", N_("Save"), id="wrapup.save"),
        Binding("ctrl+n", "go('notes')", N_("Notes"), id="wrapup.notes"),
        Binding("ctrl+t", "go('ticket-action')", N_("Ticket"), id="wrapup.ticket"),
        Binding("ctrl+b", "go('callback-when')", N_("Callback"), id="wrapup.callback"),
        Binding("escape", "skip", N_("Skip"), id="wrapup.skip"),
    ]

    def __init__(
        self,
        *,
        call_id: str | None = None,
        customer_id: int | None = None,
        offer_responses: Sequence[OfferResponse] = (),
    ) -> None:
        super().__init__()
        self._offers = tuple(offer_responses)
        self.call_id = call_id or str(uuid.uuid4())
        self._customer_id = customer_id
        self._direction = "manual" if call_id is None else "inbound"
        self._channel = "voice"
        self._facts: CallFacts | None = None
        self._started_at = self._acw_started = utcnow()
        self._saving_hint = Timer(self, 0.15, name="saving hint")  # replaced by each save
        self.finished = False
        """Saved, queued or skipped: the app closes this screen once it is on top."""
        self._early_keys = HeldKeys()

    @property
    def customer_id(self) -> int | None:
        return self._customer_id

    def compose(self) -> ComposeResult:
        with Horizontal(id="wrapup-head"):
            yield Static(Text(_("Wrap-up")), id="wrapup-title")
            yield CallTimer(id="timer")
        yield WrapUpPicks(id="picks", on_pick=self._picked)
        yield Static(Text(""), id="picked")
        yield TypedTextArea(id="notes", compact=True, soft_wrap=True, tab_behavior="focus")
        yield WrapUpExtras(id="extras")
        yield Static(Text(_("loading…")), id="save-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#notes").border_title = _(NOTES_TITLE)
        self._load()

    @work(thread=True, exclusive=True, group="wrapup-load")
    def _load(self) -> None:
        context = context_of(self.app)
        try:
            config = load_outcomes(context.outcomes_file)
        except OutcomesError as error:
            self.post_message(_Problem(str(error)))
            return
        notice = ""
        try:
            draft = load_draft(context.data_dir, self.call_id)
        except LocalFileError as error:
            notice = _("the local drafts file failed ({detail}): saving still works").format(
                detail=error.detail
            )
            draft = None
        customer_id = self._customer_id or (draft.customer_id if draft else None)
        try:
            facts = load_call_facts(context.engine, self.call_id, customer_id)
            tickets = open_tickets(context.engine, facts.customer_id) if facts.customer_id else []
        except SQLAlchemyError:
            facts = CallFacts(None, None, "voice", self._direction, customer_id, "", False)
            tickets, notice = [], _("database unavailable: the wrap-up will be queued and saved later")
        self.post_message(_Loaded(config, facts, tickets, draft, notice))

    @on(_Loaded)
    def _show(self, message: _Loaded) -> None:
        config, facts, draft = message.config, message.facts, message.draft
        self._config, self._customer_id, self._channel = config, facts.customer_id, facts.channel
        self._direction = facts.direction
        form = draft.form if draft else WrapUpForm()
        self._offers = self._offers or form.offers
        self._started_at = draft.started_at if draft else facts.answered_at or self._started_at
        if draft:  # a restored draft is shown to the operator with the ACW clock restarted
            self._acw_started = utcnow()
        elif facts.ended_at:
            self._acw_started = facts.ended_at
        timer = self.query_one(CallTimer)
        timer.acw_limit = config.acw_seconds if config.mode is WrapUpMode.TIMEBOXED else None
        timer.start(self._started_at, self._acw_started)
        self._facts = facts
        self._show_title()
        ticket_options = [(_("No ticket"), "none"), (_("New ticket"), "new")] + [
            (Text(clean_line(f"{t.number} {t.subject} ({said_status(t.status)})")), str(t.id))
            for t in message.tickets
        ]
        self.query_one("#ticket-action", Select).set_options(ticket_options)
        self._restore(form)
        self.refresh_bindings()
        reasons = self.query_one("#reasons")
        self.set_focus(reasons)
        self._early_keys.replay(reasons)
        status = message.notice or (_("draft restored") if draft else "")
        self._set_status(_("this call is already wrapped up") if facts.already_wrapped else status)

    def on_key(self, event: events.Key) -> None:
        """A key reaching the screen itself: typed while it was loading, or unhandled below. The
        console's own keys (F1 and the like) act at once: they leave the wrap-up open behind."""
        if event.key not in {binding.key for binding in self.app.BINDINGS if isinstance(binding, Binding)}:
            self._early_keys.route(event, self.focused)

    def _show_title(self) -> None:
        facts = self._facts
        if facts is None:
            return
        who = clean_line(facts.customer_name) or (_("unknown caller") if facts.customer_id is None else "")
        title = _("Wrap-up · {who} · {call}").format(who=who, call=self.call_id[:8])
        self.query_one("#wrapup-title", Static).update(Text(title))

    @on(LanguageChanged)
    def _relabel(self) -> None:
        """The lists, titles and the picked line in the new language; what is picked stays."""
        self.query_one("#notes").border_title = _(NOTES_TITLE)
        if self._config is None:
            return
        self._show_title()
        picks = self.query_one(WrapUpPicks)
        picks.show(self._config, picks.reason, picks.outcome)
        self._show_picked()

    def _restore(self, form: WrapUpForm) -> None:
        assert self._config is not None
        self.query_one(WrapUpPicks).show(self._config, form.reason, form.outcome)
        self.query_one("#notes", TextArea).text = form.notes
        self.query_one(WrapUpExtras).show(form)
        self._show_picked()

    def _show_picked(self) -> None:
        assert self._config is not None
        picks = self.query_one(WrapUpPicks)
        reason, outcome = self._config.reason(picks.reason), self._config.outcome(picks.outcome)
        text = _("Reason: {reason}   Outcome: {outcome}").format(
            reason=shown_label(reason) if reason else "-", outcome=shown_label(outcome) if outcome else "-"
        )
        if self._offers:
            said = ", ".join(
                f"{o.offer_code} {_(RESPONSE_LABELS.get(o.response, o.response))}" for o in self._offers
            )
            text += "   " + _("Offers: {answers}").format(answers=said)
        self.query_one("#picked", Static).update(Text(text))

    def _picked(self, list_id: str) -> None:
        """A reason or outcome was picked (inside that key's handling)."""
        if list_id == "outcomes":
            assert self._config is not None
            outcome = self._config.outcome(self.query_one(WrapUpPicks).outcome)
            if outcome and (hint := self.query_one(WrapUpExtras).prepare_for(outcome)):
                self._set_status(hint)
            self.set_focus(self.query_one("#notes"))  # typing after the outcome goes into the notes
        self._show_picked()
        self._changed()

    def _form(self) -> WrapUpForm:
        notes = self.query_one("#notes", TextArea).text
        typed = self.query_one(WrapUpExtras).typed()
        picks = self.query_one(WrapUpPicks)
        return WrapUpForm(picks.reason, picks.outcome, notes, offers=self._offers, **typed)

    def _draft(self) -> Draft:
        operator = context_of(self.app).operator
        return Draft(self.call_id, operator, self._customer_id, self._started_at, self._form())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "skip":
            return self._config is not None and self._config.mode is WrapUpMode.OPTIONAL
        if action == "save":
            return None if self._saving or self._config is None else True
        return True

    def action_go(self, widget_id: str) -> None:
        self.query_one(f"#{widget_id}").focus()

    def action_save(self, timed_out: bool = False) -> None:
        if self._config is None or self._saving:
            return
        ctx = context_of(self.app)
        contact = (self._customer_id, self._channel, self._direction, self._started_at)
        seat = Seat(self.call_id, ctx.operator, ctx.extension, *contact)
        self._saving = True
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        form = self._form()
        if notice := card_data_notice(form):
            self.app.notify(notice, severity="warning")
        self._commit(self._config, seat, form, timed_out)
        # Said only if the save is slow: repainting now would compete with the commit for the GIL.
        self._saving_hint = self.set_timer(0.15, lambda: self._set_status(_("saving…")))

    @work(thread=True, exclusive=True, group="wrapup-save")
    def _commit(self, config: OutcomeConfig, seat: Seat, form: WrapUpForm, timed_out: bool) -> None:
        context = context_of(self.app)
        with self._local_lock:
            self._sealed = True
            try:
                result = submit_wrapup(
                    context.engine, context.data_dir, config, seat, form, timed_out=timed_out
                )
            except WrapUpRejected as error:
                self._sealed = False
                self.post_message(_Problem(said_error(error)))
                return
            except LocalFileError as error:
                self._sealed = False
                self.post_message(
                    _Problem(
                        _("not saved: local file failed ({detail}): ctrl+s again").format(detail=error.detail)
                    )
                )
                return
        self.post_message(_Committed(result))

    @on(_Committed)
    def _committed(self, message: _Committed) -> None:
        self._saving_hint.stop()
        status = message.result.status
        queued = status is SaveStatus.QUEUED
        self._set_status(_(_STATUS_TEXT[status]), "-queued" if queued else "-saved")
        if queued:
            self.app.notify(_("Wrap-up queued"), severity="warning", markup=False)
        else:
            self.app.notify(_("Wrap-up saved"), markup=False)
        if message.result.local_problem:
            self.post_message(LocalFileProblem(_("journaling the wrap-up"), message.result.local_problem))
        self._finish()

    @on(_Problem)
    def _problem(self, message: _Problem) -> None:
        self._saving = False
        self._saving_hint.stop()
        self._set_status(message.error, "-error")
        self._changed()  # a refused save left the journal: keep the form as a draft again

    def action_skip(self) -> None:
        """Optional wrap-up only: leave without logging an outcome, forgetting the draft."""
        self._sealed = True
        self._forget()

    @work(thread=True, exclusive=True, group="wrapup-save")
    def _forget(self) -> None:
        with self._local_lock:
            try:
                discard_draft(context_of(self.app).data_dir, self.call_id)
            except LocalFileError as error:  # a stale draft reopens at the next start: harmless
                self.post_message(LocalFileProblem(_("forgetting the skipped draft"), error.detail))
        self.app.call_from_thread(self._finish)

    def _finish(self) -> None:
        self.finished = True
        self.post_message(WrapUpFinished(self.call_id))

    def live_subjects(self) -> Collection[str]:
        """The app tells this wrap-up when its call ends (`CallEnded`)."""
        return (call_subject(self.call_id),)

    @on(CallEnded)
    def _call_ended(self, message: CallEnded) -> None:
        if not self.finished:
            self._set_status(_("{event}: finish the wrap-up").format(event=message.says))

    def on_screen_resume(self) -> None:
        """Finished while another screen covered it (a save that was still running): say so again
        on top. A time-boxed clock that ran out meanwhile saves after a grace the operator sees."""
        if self.finished:
            self.post_message(WrapUpFinished(self.call_id))
        else:
            self._resume_acw()

    def _set_status(self, text: str, kind: str = "") -> None:
        status = self.query_one("#save-status", Static)
        status.set_classes(kind)
        status.update(Text(text))
