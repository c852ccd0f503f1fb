"""The time-boxed wrap-up's clock: when the ACW time is up, the defaults are saved with what was
typed, but never unseen and never in the middle of a sentence. A base of the wrap-up screen
(screens/wrapup.py), which saves (`action_save`) and says how the save stands (`_set_status`)."""

from __future__ import annotations

import time

from textual import on

from screens.i18n import _
from screens.widgets.call_timer import CallTimer
from screens.wrapup_draft import DRAFT_DEBOUNCE_S, DraftKeepingScreen

ACW_GRACE_S = 10
"""A time-boxed wrap-up whose time ran out while hidden saves this long after it is back; one whose
time ran out while the operator was typing in it waits, at most this long, for the typing to pause."""


class TimeBoxedScreen(DraftKeepingScreen):
    """Saves with `timed_out=True` when the call timer says the ACW time is up (`CallTimer.TimeUp`)."""

    def __init__(self) -> None:
        super().__init__()
        self._saving = False
        self._acw_due = False  # the time-boxed clock ran out while another screen covered this one
        self._acw_ran_out: float | None = None  # when it ran out on top, while typing went on

    def action_save(self, timed_out: bool = False) -> None:
        raise NotImplementedError

    def _set_status(self, text: str, kind: str = "") -> None:
        raise NotImplementedError

    @on(CallTimer.TimeUp)
    def _acw_timeout(self) -> None:
        """Save the defaults when the ACW time is up, but never unseen: under another screen it
        waits, and once back on top the operator gets ACW_GRACE_S to see it first. While the
        operator is typing in it, it waits for a pause (at most ACW_GRACE_S)."""
        if self._sealed:
            return
        if self.app.screen is not self:
            self._acw_due = True
            return
        now = time.monotonic()
        self._acw_ran_out = self._acw_ran_out or now
        if self._draft_timer is not None and now - self._acw_ran_out < ACW_GRACE_S:
            # typed in the last DRAFT_DEBOUNCE_S: saved now, the rest of the sentence would be lost
            # and its keys would land on the screen the closing wrap-up leaves on top
            self.set_timer(DRAFT_DEBOUNCE_S, self._acw_timeout)
            return
        self.action_save(timed_out=True)

    def _resume_acw(self) -> None:
        """Back on top: a clock that ran out meanwhile saves after a grace the operator sees."""
        if self._acw_due and not self._saving:
            self._acw_due = False
            self._set_status(
                _("ACW time is up: saving in {seconds} s (ctrl+s saves now)").format(seconds=ACW_GRACE_S),
                "-queued",
            )
            self.set_timer(ACW_GRACE_S, self._acw_timeout)
