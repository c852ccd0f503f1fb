"""The wrap-up: reason x outcome, notes, a ticket, a callback and a quoted campaign code.

Nothing typed here may be lost: the form is kept as a local draft ~300 ms after each change, and
ctrl+s moves it to the seat's journal before writing the database (store.journal), so the screen
says "saved" only after the commit and "queued" when the database is locked or away.
The common case is five keys: enter (reason), enter (outcome), a short note, ctrl+s.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import datetime

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option
from textual.widgets.select import InvalidSelectValueError

from screens.context import context_of
from screens.messages import WrapUpFinished
from screens.outage import local_file_guard
from screens.widgets.call_timer import CallTimer
from screens.widgets.wrapup_extras import INPUTS, SELECTS, WrapUpExtras
from store.drafts import Draft, discard_draft, load_draft, save_draft
from store.journal import SaveStatus, commit_wrapup
from store.offers.responses import OfferResponse
from store.outcomes import (
    OutcomeConfig,
    OutcomesError,
    Seat,
    TicketRule,
    WrapUpMode,
    build_wrapup,
    load_outcomes,
    offers_from_form,
)
from store.sanitize import clean_line
from store.tickets import FollowUpError, OpenTicket, open_tickets
from store.timeutil import utcnow
from store.wrapup import CallFacts, WrapUp, load_call_facts

DRAFT_DEBOUNCE_S = 0.3
_STATUS_TEXT = {
    SaveStatus.SAVED: "saved",
    SaveStatus.ALREADY_SAVED: "saved (it was already in the database)",
    SaveStatus.QUEUED: "queued: the database is unavailable, it will be saved when it is back",
}


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
    status: SaveStatus


class WrapUpScreen(Screen[None]):
    """Log the outcome of one call (`call_id`), or of a contact started by hand (`call_id` None)."""

    CSS_PATH = "wrapup.tcss"
    BINDINGS = [
        Binding("enter", "pick", "Pick", id="wrapup.pick", show=False, priority=True),
        Binding("ctrl+s", "save", "Save", id="wrapup.save", priority=True),
        Binding("ctrl+n", "go('notes')", "Notes", id="wrapup.notes", priority=True),
        Binding("ctrl+t", "go('ticket-action')", "Ticket", id="wrapup.ticket", priority=True),
        Binding("ctrl+b", "go('callback-when')", "Callback", id="wrapup.callback", priority=True),
        Binding("escape", "skip", "Skip", id="wrapup.skip"),
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
        self._config: OutcomeConfig | None = None
        self._reason = self._outcome = ""
        self._started_at = self._acw_started = utcnow()
        self._draft_timer: Timer | None = None
        self._saving_hint = Timer(self, 0.15, name="saving hint")  # replaced by each save
        self._local_lock = threading.Lock()
        self._sealed = False  # set once the save owns the local file: no draft may follow it
        self.finished = False
        """Saved, queued or skipped: the app closes this screen once it is on top."""
        self._saving = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="wrapup-head"):
            yield Static(Text("Wrap-up"), id="wrapup-title")
            yield CallTimer(id="timer")
        with Horizontal(id="picks"):
            yield OptionList(id="reasons", compact=True)
            yield OptionList(id="outcomes", compact=True)
        yield Static(Text(""), id="picked")
        yield TextArea(id="notes", compact=True, soft_wrap=True, tab_behavior="focus")
        yield WrapUpExtras(id="extras")
        yield Static(Text("loading…"), id="save-status")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="wrapup-load")
    def _load(self) -> None:
        context = context_of(self.app)
        try:
            config = load_outcomes(context.outcomes_file)
        except OutcomesError as error:
            self.post_message(_Problem(str(error)))
            return
        draft = load_draft(context.data_dir, self.call_id)
        customer_id = self._customer_id or (draft.customer_id if draft else None)
        try:
            facts = load_call_facts(context.engine, self.call_id, customer_id)
            tickets = open_tickets(context.engine, facts.customer_id) if facts.customer_id else []
            notice = ""
        except SQLAlchemyError:
            facts = CallFacts(None, None, "voice", self._direction, customer_id, "", False)
            tickets, notice = [], "database unavailable: the wrap-up will be queued and saved later"
        self.post_message(_Loaded(config, facts, tickets, draft, notice))

    @on(_Loaded)
    def _show(self, message: _Loaded) -> None:
        config, facts, draft = message.config, message.facts, message.draft
        self._config, self._customer_id, self._channel = config, facts.customer_id, facts.channel
        self._direction = facts.direction
        fields = draft.fields if draft else {}
        self._offers = self._offers or offers_from_form(fields)
        self._direction = fields.get("direction", self._direction)
        self._started_at = draft.started_at if draft else facts.answered_at or self._started_at
        if fields.get("acw_started"):
            self._acw_started = datetime.fromisoformat(fields["acw_started"])
        elif facts.ended_at:
            self._acw_started = facts.ended_at
        timer = self.query_one(CallTimer)
        timer.acw_limit = config.acw_seconds if config.mode is WrapUpMode.TIMEBOXED else None
        timer.start(self._started_at, self._acw_started)
        who = clean_line(facts.customer_name) or ("unknown caller" if facts.customer_id is None else "")
        self.query_one("#wrapup-title", Static).update(Text(f"Wrap-up · {who} · {self.call_id[:8]}"))
        reasons = self.query_one("#reasons", OptionList)
        reasons.add_options([Option(Text(reason.label), id=reason.key) for reason in config.reasons])
        ticket_options = [("No ticket", "none"), ("New ticket", "new")] + [
            (Text(clean_line(f"{t.number} {t.subject} ({t.status})")), str(t.id)) for t in message.tickets
        ]
        self.query_one("#ticket-action", Select).set_options(ticket_options)
        self._restore(fields)
        if config.mode is WrapUpMode.TIMEBOXED:
            remaining = config.acw_seconds - timer.acw_seconds()
            self.set_timer(max(0.1, remaining), self._acw_timeout)
        self.refresh_bindings()
        reasons.focus()
        status = message.notice or ("draft restored" if draft else "")
        self._set_status("this call is already wrapped up" if facts.already_wrapped else status)

    def _restore(self, fields: dict[str, str]) -> None:
        assert self._config is not None
        keys = [reason.key for reason in self._config.reasons]
        reasons = self.query_one("#reasons", OptionList)
        reasons.highlighted = keys.index(fields["reason"]) if fields.get("reason") in keys else 0
        self._reason = fields.get("reason", "") if fields.get("reason") in keys else ""
        self._fill_outcomes(fields.get("outcome", ""))
        self.query_one("#notes", TextArea).text = fields.get("notes", "")
        for field_id in INPUTS:
            self.query_one(f"#{field_id}", Input).value = fields.get(field_id, "")
        for field_id in SELECTS:
            if field_id in fields:
                with suppress(InvalidSelectValueError):  # a ticket closed since the draft was kept
                    self.query_one(f"#{field_id}", Select).value = fields[field_id]
        self._show_picked()

    def _fill_outcomes(self, keep: str) -> None:
        assert self._config is not None
        offered = self._config.outcomes_for(self._reason)
        outcomes = self.query_one("#outcomes", OptionList)
        outcomes.clear_options()
        outcomes.add_options([Option(Text(outcome.label), id=outcome.key) for outcome in offered])
        keys = [outcome.key for outcome in offered]
        self._outcome = keep if keep in keys else ""
        outcomes.highlighted = keys.index(keep) if keep in keys else 0

    def _show_picked(self) -> None:
        assert self._config is not None
        reason, outcome = self._config.reason(self._reason), self._config.outcome(self._outcome)
        text = f"Reason: {reason.label if reason else '-'}   Outcome: {outcome.label if outcome else '-'}"
        if self._offers:
            text += "   Offers: " + ", ".join(f"{o.offer_code} {o.response}" for o in self._offers)
        self.query_one("#picked", Static).update(Text(text))

    def action_pick(self) -> None:
        """Enter on the reason or outcome list picks and moves focus at once, inside the key's
        own handling: keys typed ahead (a fast typist, an SSH burst) land in the next field
        instead of the list. Anywhere else Enter does what the focused widget does."""
        focused = self.focused  # (`has_focus` lags behind a focus set in this same burst)
        if not isinstance(focused, OptionList) or focused.id not in ("reasons", "outcomes"):
            raise SkipAction()
        if focused.highlighted is None:
            raise SkipAction()
        self._picked(focused.id or "", focused.get_option_at_index(focused.highlighted).id or "")

    @on(OptionList.OptionSelected, "#reasons, #outcomes")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self._picked(event.option_list.id or "", event.option.id or "")

    def _picked(self, list_id: str, key: str) -> None:
        if list_id == "reasons":
            self._reason = key
            self._fill_outcomes(self._outcome)
            after = self.query_one("#outcomes")
        else:
            self._outcome = key
            after = self._field_after_outcome()
        self._show_picked()
        self.set_focus(after)
        self._changed()

    def _field_after_outcome(self) -> Widget:
        """Where the outcome leads: a required ticket, a callback time, or the notes."""
        assert self._config is not None
        outcome = self._config.outcome(self._outcome)
        action = self.query_one("#ticket-action", Select)
        if outcome and outcome.ticket is TicketRule.REQUIRED and action.value == "none":
            action.value = "new"
            return action
        return self.query_one("#callback-when" if outcome and outcome.callback else "#notes")

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def _changed(self) -> None:
        """Debounce: the draft is written once typing pauses for DRAFT_DEBOUNCE_S."""
        if self._config is None or self._sealed:
            return
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DEBOUNCE_S, self._keep_draft)

    def _form(self) -> dict[str, str]:
        fields = {field_id: self.query_one(f"#{field_id}", Input).value for field_id in INPUTS}
        fields |= {field_id: str(self.query_one(f"#{field_id}", Select).value) for field_id in SELECTS}
        return fields | {
            "reason": self._reason,
            "outcome": self._outcome,
            "notes": self.query_one("#notes", TextArea).text,
            "direction": self._direction,
            "acw_started": self._acw_started.isoformat(),
            "offers": json.dumps([asdict(offer) for offer in self._offers]),
        }

    def _keep_draft(self) -> None:
        operator = context_of(self.app).operator
        self._write_draft(Draft(self.call_id, operator, self._customer_id, self._started_at, self._form()))

    @work(thread=True, exclusive=True, group="wrapup-draft")
    def _write_draft(self, draft: Draft) -> None:
        with self._local_lock:
            if not self._sealed:
                with local_file_guard(self, "keeping the wrap-up draft"):
                    save_draft(context_of(self.app).data_dir, draft)

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
        try:
            wrapup = build_wrapup(self._config, seat, self._form(), timed_out=timed_out)
        except FollowUpError as error:
            self._set_status(str(error), "-error")
            return
        self._saving = True
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._commit(wrapup)
        # Said only if the save is slow: repainting now would compete with the commit for the GIL.
        self._saving_hint = self.set_timer(0.15, lambda: self._set_status("saving…"))

    def _acw_timeout(self) -> None:
        if not self._sealed:
            self.action_save(timed_out=True)

    @work(thread=True, exclusive=True, group="wrapup-save")
    def _commit(self, wrapup: WrapUp) -> None:
        context = context_of(self.app)
        with self._local_lock:
            self._sealed = True
            try:
                status = commit_wrapup(context.engine, context.data_dir, wrapup)
            except (ValueError, SQLAlchemyError) as error:  # refused for good, not an outage
                self._sealed = False
                self.post_message(_Problem(f"not saved: {str(error).splitlines()[0]}"))
                return
        self.post_message(_Committed(status))

    @on(_Committed)
    def _committed(self, message: _Committed) -> None:
        self._saving_hint.stop()
        queued = message.status is SaveStatus.QUEUED
        self._set_status(_STATUS_TEXT[message.status], "-queued" if queued else "-saved")
        severity = "warning" if queued else "information"
        self.app.notify(f"Wrap-up {'queued' if queued else 'saved'}", severity=severity, markup=False)
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
            discard_draft(context_of(self.app).data_dir, self.call_id)
        self.app.call_from_thread(self._finish)

    def _finish(self) -> None:
        self.finished = True
        self.post_message(WrapUpFinished(self.call_id))

    def on_screen_resume(self) -> None:
        """Finished while a chat's screen covered it (a time-boxed save): say so again on top."""
        if self.finished:
            self.post_message(WrapUpFinished(self.call_id))

    def _set_status(self, text: str, kind: str = "") -> None:
        status = self.query_one("#save-status", Static)
        status.set_classes(kind)
        status.update(Text(text))
