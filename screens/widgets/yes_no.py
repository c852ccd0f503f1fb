"""A question put before something that cannot be taken back: y or Enter says yes, n or Escape no.

Each question is a subclass that names its two answers in BINDINGS (ids `<name>.yes`/`<name>.no`,
actions `answer(True)`/`answer(False)`) and passes its lines, already in the operator's language.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class YesNoScreen(ModalScreen[bool]):
    """Dismissed with True (yes) or False (no); its lines are shown as plain text."""

    DEFAULT_CSS = """
    YesNoScreen { align: center middle; }
    YesNoScreen > Vertical {
        width: 70; height: auto; max-width: 100%; border: round $warning; padding: 0 1;
        background: $surface;
    }
    """

    def __init__(self, *lines: str) -> None:
        super().__init__()
        self._lines = lines

    def compose(self) -> ComposeResult:
        with Vertical():
            for line in self._lines:
                yield Static(Text(line), markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
