"""The profile's "next best offer" panel: the top offers, why each one, and the customer's answers.

The ranking runs in a thread worker (it reads the database); the panel only keeps the answers the
operator gives with a/d/l and hands them over through `responses`, so they are written with the
call's wrap-up in one transaction (store.offers.record_responses). Every string shown is a
cleaned `rich.text.Text`: offer scripts come from a file the business edits, and the "why" names
the customer's own products.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from screens.context import context_of
from store.offers import OfferResponse, OfferSuggestion, rank_offers
from store.sanitize import clean_line

DECLINE_REASONS = ("not interested", "too expensive", "has one", "bad timing")
"""Pressing d again on a declined offer moves to the next reason."""
WIDE = 100
"""From this content width on, the acceptance so far gets its own column."""


@dataclass
class OffersLoaded(Message):
    suggestions: list[OfferSuggestion]


@dataclass
class OffersFailed(Message):
    error: str


class OffersPanel(Vertical):
    """Top 1-3 offers for `customer_id` during `call_id`; `responses` is what to record at wrap-up."""

    DEFAULT_CSS = """
    OffersPanel { height: auto; border-left: thick $accent; padding: 0 0 0 1; }
    OffersPanel > DataTable { height: auto; max-height: 3; }
    OffersPanel > #offer-script { height: auto; max-height: 2; color: $text-muted; }
    """
    """Five lines at most (three offers and two of script), to fit the profile at 80x24."""
    BINDINGS = [
        Binding("a", "answer('accepted')", "Accept offer", id="offer-accept"),
        Binding("d", "decline", "Decline offer", id="offer-decline"),
        Binding("l", "answer('maybe_later')", "Maybe later", id="offer-later"),
        Binding("x", "answer('')", "Clear answer", id="offer-clear"),
    ]

    def __init__(self, customer_id: int, call_id: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.customer_id = customer_id
        self.call_id = call_id
        self.suggestions: list[OfferSuggestion] = []
        self._answers: dict[str, OfferResponse] = {}

    @property
    def responses(self) -> list[OfferResponse]:
        """One response per offer shown: the operator's answer, or "not_presented" if none."""
        return [
            self._answers.get(s.offer_code, OfferResponse(s.offer_code, "not_presented"))
            for s in self.suggestions
        ]

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="row", show_header=False, id="offer-table")
        yield table
        yield Static(Text("Looking for offers…"), id="offer-script", markup=False)

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="offers")
    def _load(self) -> None:
        try:
            suggestions = rank_offers(context_of(self.app).engine, self.customer_id, call_id=self.call_id)
        except SQLAlchemyError as error:
            self.post_message(OffersFailed(clean_line(str(error).splitlines()[0])))
            return
        self.post_message(OffersLoaded(suggestions))

    @on(OffersLoaded)
    def _loaded(self, message: OffersLoaded) -> None:
        message.stop()
        self.suggestions = message.suggestions
        self._fill()
        if not self.suggestions:
            self._say(Text("No offer for this customer now."))

    @on(OffersFailed)
    def _failed(self, message: OffersFailed) -> None:
        message.stop()
        self._say(Text(f"Offers unavailable: {message.error}", style="bold red"))

    def on_resize(self, _event: events.Resize) -> None:
        self._fill()

    def _fill(self) -> None:
        """(Re)draw the rows for the current width: the "why" column gets what the others leave, and
        the acceptance column only shows when there is room (else it is on the script line)."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        if not self.suggestions:
            return
        wide = self.content_size.width >= WIDE
        fixed = {"so_far": 10, "answer": 16} if wide else {"answer": 16}
        rest = max(24, self.content_size.width - sum(fixed.values()) - 2 * (len(fixed) + 2))
        title_width = min(34, rest * 2 // 5)
        table.add_column("Offer", width=title_width, key="title")
        table.add_column("Why", width=rest - title_width, key="why")
        for key, width in fixed.items():
            table.add_column(key, width=width, key=key)
        for suggestion in self.suggestions:
            cells = self._cells(suggestion)
            table.add_row(*(cells if wide else cells[:2] + cells[3:]), key=suggestion.offer_code)
        table.move_cursor(row=min(max(row, 0), len(self.suggestions) - 1))
        self._show_script()

    def _cells(self, suggestion: OfferSuggestion) -> tuple[Text, ...]:
        answer = self._answers.get(suggestion.offer_code)
        return (
            Text(clean_line(suggestion.title), style="bold", overflow="ellipsis", no_wrap=True),
            Text(clean_line("; ".join(suggestion.why)), overflow="ellipsis", no_wrap=True),
            Text(_so_far(suggestion), style="dim"),
            _answer_text(answer),
        )

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_script()

    def _current(self) -> OfferSuggestion | None:
        table = self.query_one(DataTable)
        if not self.suggestions or table.row_count == 0:
            return None
        return self.suggestions[min(table.cursor_row, len(self.suggestions) - 1)]

    def _show_script(self) -> None:
        current = self._current()
        if current is not None:
            rate = "new offer" if current.acceptance_rate is None else f"{_so_far(current)} accepted"
            so_far = "" if self.content_size.width >= WIDE else f" ({rate})"
            self._say(Text.assemble(("Say", "bold"), (so_far, "dim"), ": ", clean_line(current.script)))

    def _say(self, text: Text) -> None:
        self.query_one("#offer-script", Static).update(text)

    def action_answer(self, response: str) -> None:
        current = self._current()
        if current is None:
            return
        if response:
            self._answers[current.offer_code] = OfferResponse(current.offer_code, response)
        else:
            self._answers.pop(current.offer_code, None)
        self._changed(current)

    def action_decline(self) -> None:
        current = self._current()
        if current is None:
            return
        before = self._answers.get(current.offer_code)
        index = DECLINE_REASONS.index(before.reason) + 1 if before and before.response == "declined" else 0
        reason = DECLINE_REASONS[index % len(DECLINE_REASONS)]
        self._answers[current.offer_code] = OfferResponse(current.offer_code, "declined", reason)
        self._changed(current)

    def _changed(self, suggestion: OfferSuggestion) -> None:
        table = self.query_one(DataTable)
        table.update_cell(
            suggestion.offer_code, "answer", _answer_text(self._answers.get(suggestion.offer_code))
        )


def _so_far(suggestion: OfferSuggestion) -> str:
    rate = suggestion.acceptance_rate
    return "new" if rate is None else f"{rate:.0%} of {suggestion.presented_count}"


def _answer_text(answer: OfferResponse | None) -> Text:
    if answer is None:
        return Text("")
    if answer.response == "accepted":
        return Text("✓ accepted", style="bold green")
    if answer.response == "maybe_later":
        return Text("… later", style="yellow")
    return Text(f"✗ {answer.reason}", style="red")
