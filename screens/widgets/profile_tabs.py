"""The profile's tab bar: one line of section labels, the active one highlighted.

A single `Static` rendering one `Text` instead of `TabbedContent` (Tabs, a tab widget per label,
an underline, a pane per section): on the customer 360 that widget tree alone cost more than the
rest of the screen to build, style and paint. The labels are ours (names and row counts, never
customer text); a click picks a tab like its number key does.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

ACTIVE = "bold reverse"


class SectionTabs(Static):
    """ "1 Products 3 │ 2 Warranties │ …" with `active` highlighted; `show` redraws it."""

    @dataclass
    class Picked(Message):
        """The operator clicked the label of `tab`."""

        tab: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(markup=False, id=id)
        self._spans: list[tuple[int, int, str]] = []
        """(start, end, tab) of each label on the line, for clicks."""

    def show(self, labels: dict[str, str], active: str) -> None:
        """Draw `labels` (tab id -> label text) in order, `active` highlighted."""
        text = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        for tab, label in labels.items():
            if text:
                text.append("│", style="dim")
            start = len(text)
            text.append(f" {label} ", style=ACTIVE if tab == active else "")
            self._spans.append((start, len(text), tab))
        self.update(text)

    def on_click(self, event: events.Click) -> None:
        for start, end, tab in self._spans:
            if start <= event.x < end:
                self.post_message(self.Picked(tab))
                return
