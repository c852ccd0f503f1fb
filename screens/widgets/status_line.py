"""One line on top of every console screen: who and where, the wrap-up mode, the database, and
how many wrap-ups are open, so a wrap-up hidden under another screen is never forgotten."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.signal import Signal
from textual.widgets import Static

from screens.i18n import N_, _, ngettext
from screens.language import LanguageChanged
from store.sanitize import clean_line

MODES = {"mandatory": N_("mandatory"), "timeboxed": N_("timeboxed"), "optional": N_("optional")}
"""The wrap-up modes (store.wrapup.WrapUpMode) as the operator reads them."""
DATABASE_STATES = {"ok": N_("ok"), "unavailable": N_("unavailable")}
PRESENCE_STATES = {
    "ready": N_("ready"),
    "on_call": N_("on call"),
    # TRANSLATORS: after-call work (a wrap-up is open), kept short for the status line
    "acw": N_("ACW"),
    "break": N_("break"),
    "locked": N_("locked"),
}
"""store.presence.PresenceState's values, short, as the status line shows them."""


class StatusLine(Static):
    """ "anna · ext 100 · mandatory · db ok · ready · 1 wrap-up open · ctrl+w resume". Reads the
    app's `presence_state`, `open_wrapups` and `db_state` reactives, again at each publish of its
    `status_changed_signal`; a screen that is itself the wrap-up sets `SHOWS_WRAPUP` and gets no
    resume hint."""

    DEFAULT_CSS = """
    StatusLine { dock: top; height: 1; background: $panel; color: $text-muted; }
    StatusLine.-wrapups { color: $warning; text-style: bold; }
    """

    def __init__(self, *, operator: str, extension: str, mode: str) -> None:
        super().__init__(markup=False)
        self._operator, self._extension, self._mode = (
            clean_line(operator)[:20],
            clean_line(extension)[:10],
            mode,
        )

    def on_mount(self) -> None:
        if (status := self._status_changed()) is not None:
            status.subscribe(self, lambda _: self._show())
        self._show()

    def on_unmount(self) -> None:
        if (status := self._status_changed()) is not None:
            status.unsubscribe(self)  # the app outlives every screen: it must not keep this line

    def _status_changed(self) -> Signal[None] | None:
        signal: Signal[None] | None = getattr(self.app, "status_changed_signal", None)
        return signal

    @on(LanguageChanged)
    def _relabel(self) -> None:
        self._show()

    def _show(self) -> None:
        count: int = getattr(self.app, "open_wrapups", 0)
        database: str = getattr(self.app, "db_state", "")
        mode = MODES.get(self._mode)
        presence: str = getattr(self.app, "presence_state", "")
        seat = [
            self._operator,
            _("ext {extension}").format(extension=self._extension),
            _(mode) if mode else self._mode,
        ]
        parts = (
            seat + [_("db {state}").format(state=_(DATABASE_STATES.get(database, database)))]
            if database
            else seat
        )
        if presence:
            parts.append(_(PRESENCE_STATES.get(presence, presence)))
        if count:
            parts.append(ngettext("{count} wrap-up open", "{count} wrap-ups open", count).format(count=count))
            if not getattr(self.screen, "SHOWS_WRAPUP", False):
                parts.append(_("ctrl+w resume"))
        self.set_class(bool(count), "-wrapups")
        self.update(Text(" · ".join(parts), no_wrap=True, overflow="ellipsis"))
