"""What the wrap-up keeps while it is typed: a local draft ~300 ms after each change, at once
before another screen covers it, on quit and on hang-up; never after the save owns the local file
(`_sealed`). A base of the wrap-up screen (screens/wrapup.py), which says what the draft is."""

from __future__ import annotations

import threading

from textual import on, work
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Select, TextArea

from screens.context import context_of
from screens.i18n import _
from screens.outage import LocalFileProblem
from store.pan import redact
from store.wrapup import Draft, LocalFileError, OutcomeConfig, WrapUpForm, save_draft

DRAFT_DEBOUNCE_S = 0.3


class DraftKeepingScreen(Screen[None]):
    """Keeps `_draft()` in the seat's local file; the screen sets `_config` once it has loaded."""

    def __init__(self) -> None:
        super().__init__()
        self._config: OutcomeConfig | None = None
        self._draft_timer: Timer | None = None
        self._local_lock = threading.Lock()
        self._sealed = False  # set once the save owns the local file: no draft may follow it

    def _draft(self) -> Draft:
        """The form as typed now (the wrap-up screen builds it)."""
        raise NotImplementedError

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

    def _keep_draft(self) -> None:
        self._draft_timer = None
        self._write_draft(self._draft())

    @work(thread=True, exclusive=True, group="wrapup-draft")
    def _write_draft(self, draft: Draft) -> None:
        self._store_draft(draft)

    def _store_draft(self, draft: Draft) -> None:
        with self._local_lock:
            if self._sealed:
                return
            try:
                save_draft(context_of(self.app).data_dir, draft)
            except LocalFileError as error:
                self.post_message(LocalFileProblem(_("keeping the wrap-up draft"), error.detail))

    def flush_draft(self, *, wait: bool = False) -> None:
        """Keep the draft now instead of after the debounce: before another screen covers this
        one (in a worker, if typing is pending), or on quit and hang-up (`wait`: always, here,
        before the process ends, behind any draft write still running)."""
        if self._config is None or self._sealed or (self._draft_timer is None and not wait):
            return
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        if wait:
            self._store_draft(self._draft())
        else:
            self._write_draft(self._draft())

    def on_screen_suspend(self) -> None:
        self.flush_draft()


def card_data_notice(form: WrapUpForm) -> str | None:
    """Card numbers are masked and CVVs removed before anything is stored: what to say when the
    form held some (None when it held none)."""
    found = redact("\n".join([form.notes, form.ticket_subject]))
    if not found.changed:
        return None
    if found.cvvs:
        return _(
            "Card data is never stored: a card number was masked to its first 6 / last 4 digits"
            " and a security code removed."
        )
    return _("Card data is never stored: a card number was masked to its first 6 / last 4 digits.")
