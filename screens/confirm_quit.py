"""ctrl+q while a wrap-up is open: say what happens to it and ask before closing the console."""

from __future__ import annotations

from textual.binding import Binding

from screens.i18n import N_, _, ngettext
from screens.widgets.yes_no import YesNoScreen


class ConfirmQuitScreen(YesNoScreen):
    """Dismissed with True to quit (y or Enter), False to stay (n or Escape)."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", N_("Quit"), id="confirm_quit.yes"),
        Binding("n,escape", "answer(False)", N_("Stay"), id="confirm_quit.no"),
    ]

    def __init__(self, open_wrapups: int) -> None:
        what = ngettext(
            "{count} wrap-up is open and not saved.", "{count} wrap-ups are open and not saved.", open_wrapups
        )
        super().__init__(
            what.format(count=open_wrapups),
            _("It is kept as a draft and reopens at the next start."),
            _("Quit anyway? y quit · n stay"),
        )
