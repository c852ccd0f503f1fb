"""The profile's "next best offer" panel: the top offers, why each one, and the customer's answers.

The ranking runs in a thread worker (it reads the database); the panel only keeps the answers the
operator gives with a/d/l (bound by the screen that holds the panel, so they work wherever focus
is: `OFFER_BINDINGS`) and hands them over through `responses`, so they are written with the
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
from screens.formatting import format_percent, marked_fallback
from screens.i18n import N_, _, current_language, said
from screens.language import LanguageChanged
from store.offers import OfferResponse, OfferSuggestion, rank_offers
from store.sanitize import clean_line

DECLINE_REASONS = (N_("not interested"), N_("too expensive"), N_("has one"), N_("bad timing"))
"""Pressing d again on a declined offer moves to the next reason (stored in English, shown translated)."""
WIDE = 100
"""From this content width on, the acceptance so far gets its own column."""


_OFFER_GROUP = Binding.Group(N_("Offer"))
OFFER_BINDINGS = [
    Binding(key, f"offer('{response}')", description, id=f"offer-{name}", group=_OFFER_GROUP)
    for key, response, description, name in (
        ("a", "accepted", N_("Accept offer"), "accept"),
        ("d", "declined", N_("Decline offer (again: next reason)"), "decline"),
        ("l", "maybe_later", N_("Maybe later"), "later"),
        ("x", "", N_("Clear answer"), "clear"),
    )
]
"""The answer keys, for the screen holding the panel: its `action_offer` calls `OffersPanel.answer`."""
_SAID = {"accepted": N_("accepted"), "maybe_later": N_("maybe later"), "": N_("answer cleared")}


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
    OffersPanel > #offer-script { height: auto; max-height: 3; color: $text-muted; }
    """
    """Five lines at most (up to three offers, the script below), to fit the profile at 80x24; a
    "why" too long for its column is repeated in full before the script."""

    def __init__(
        self,
        customer_id: int,
        call_id: str | None = None,
        *,
        suggestions: list[OfferSuggestion] | None = None,
        id: str | None = None,
    ) -> None:
        """`suggestions`: already ranked (a preloaded pop), shown from the first paint; None ranks them."""
        super().__init__(id=id)
        self.customer_id = customer_id
        self.call_id = call_id
        self._ranked = suggestions
        self.suggestions: list[OfferSuggestion] = []
        self._filled_width: int | None = None
        """The width the rows were last drawn for (a resize to the same width redraws nothing)."""
        self._answers: dict[str, OfferResponse] = {}
        self._loading = True
        self._failure = ""
        self.customer_language: str | None = None
        """The customer's preferred language: the script is read out in it when the offer has it."""

    def show_for(self, customer_language: str | None) -> None:
        """The customer's language is known (the profile loaded): redraw the script in it."""
        if customer_language != self.customer_language:
            self.customer_language = customer_language
            self._fill()

    @on(LanguageChanged)
    def _relabel(self) -> None:
        if self._failure:
            self._failed(OffersFailed(self._failure))
        elif self._loading:
            self._say(Text(_("Looking for offers…")))
        else:
            self._loaded(OffersLoaded(self.suggestions))

    @property
    def looking(self) -> bool:
        """Whether the offers are still being looked for (neither listed nor failed yet); not
        Textual's `loading`, which would cover the panel with a spinner."""
        return self._loading

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
        yield Static(Text(_("Looking for offers…")), id="offer-script", markup=False)

    def on_mount(self) -> None:
        if self._ranked is not None:
            self._loaded(OffersLoaded(self._ranked))
            self._ranked = None
        else:
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
        self._loading = False
        self.suggestions = message.suggestions
        self._fill()
        if not self.suggestions:
            self._say(Text(_("No offer for this customer now.")))

    @on(OffersFailed)
    def _failed(self, message: OffersFailed) -> None:
        message.stop()
        self._loading = False
        self._failure = message.error
        self._say(Text(_("Offers unavailable: {error}").format(error=message.error), style="bold red"))

    def on_resize(self, _event: events.Resize) -> None:
        if self.content_size.width != self._filled_width:
            self._fill()

    def _width(self) -> int:
        """The content width; before the first layout (offers given at mount), the one it will
        get: the screen's width less the border and padding (a resize redraws if it differs)."""
        return self.content_size.width or max(0, self.app.size.width - self.styles.gutter.width)

    def _fill(self) -> None:
        """(Re)draw the rows for the current width. The "why" gets what the others leave; when narrow
        (80 columns) the answer is a mark before the title (and in words on the script line) and the
        acceptance so far is on the script line, so the why is not cut."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        width = self._filled_width = self._width()
        if not self.suggestions:
            return
        wide = width >= WIDE
        fixed = {"so_far": 10, "answer": 16} if wide else {}
        rest = max(24, width - sum(fixed.values()) - 2 * (len(fixed) + 2))
        title_width = min(34, rest * 2 // 5) if wide else min(24, rest // 3)
        # Text, not str: a str header is parsed as markup, with emoji codes (rich's 1.4 MB table)
        table.add_column(Text(_("Offer")), width=title_width, key="title")
        table.add_column(Text(_("Why")), width=rest - title_width, key="why")
        for key, width in fixed.items():
            table.add_column(Text(key), width=width, key=key)
        for suggestion in self.suggestions:
            table.add_row(*self._cells(suggestion, wide=wide), key=suggestion.offer_code)
        table.move_cursor(row=min(max(row, 0), len(self.suggestions) - 1))
        self._show_script()

    def _cells(self, suggestion: OfferSuggestion, *, wide: bool) -> tuple[Text, ...]:
        answer = self._answers.get(suggestion.offer_code)
        title = Text(clean_line(self._title(suggestion)), style="bold", overflow="ellipsis", no_wrap=True)
        why = Text(clean_line("; ".join(said(w) for w in suggestion.why)), overflow="ellipsis", no_wrap=True)
        if wide:
            return title, why, Text(_so_far(suggestion), style="dim"), _answer_text(answer)
        mark = _answer_text(answer)
        return (Text.assemble(mark[:1], " ", title) if mark else title), why

    @staticmethod
    def _title(suggestion: OfferSuggestion) -> str:
        """The offer's title in the operator's language, marked when only English has one."""
        return marked_fallback(suggestion.title_in(current_language()))

    def _script(self, suggestion: OfferSuggestion) -> str:
        """The script in the customer's language first (they hear it), then the operator's."""
        return marked_fallback(suggestion.script_in(self.customer_language, current_language()))

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
            rate = (
                _("new offer")
                if current.acceptance_rate is None
                else _("{so_far} accepted").format(so_far=_so_far(current))
            )
            narrow = self._width() < WIDE
            so_far = f" ({rate})" if narrow else ""
            answer = _answer_text(self._answers.get(current.offer_code)) if narrow else Text("")
            why = clean_line("; ".join(said(w) for w in current.why))
            table = self.query_one(DataTable)
            cut = len(table.columns) > 1 and len(why) > table.ordered_columns[1].width
            self._say(
                Text.assemble(
                    *(((_("Why"), "bold"), f" {why} · ") if cut else ()),
                    *((answer, " · ") if answer else ()),
                    (_("Say"), "bold"),
                    (so_far, "dim"),
                    ": ",
                    clean_line(self._script(current)),
                )  # fmt: skip
            )

    def _say(self, text: Text) -> None:
        self.query_one("#offer-script", Static).update(text)

    def answer(self, response: str) -> None:
        """Record `response` ("accepted", "declined", "maybe_later"; "" clears) for the highlighted
        offer and say so; "declined" again moves to the next reason."""
        current = self._current()
        if current is None:
            self.notify(
                _("Offers are still loading.") if self._loading else _("No offer to answer."), timeout=2
            )
            return
        if response == "declined":
            before = self._answers.get(current.offer_code)
            again = before is not None and before.response == "declined"
            index = DECLINE_REASONS.index(before.reason) + 1 if again and before else 0
            reason = DECLINE_REASONS[index % len(DECLINE_REASONS)]
            self._answers[current.offer_code] = OfferResponse(current.offer_code, "declined", reason)
            said = _("declined: {reason} (d again: next reason)").format(reason=_(reason))
        elif response:
            self._answers[current.offer_code] = OfferResponse(current.offer_code, response)
            said = _(_SAID[response])
        else:
            self._answers.pop(current.offer_code, None)
            said = _(_SAID[""])
        self._changed(current)
        self.notify(f"{clean_line(self._title(current))}: {said}", timeout=3, markup=False)

    def _changed(self, suggestion: OfferSuggestion) -> None:
        """Redraw the answered row (its answer cell, or its title with the mark when narrow)."""
        table = self.query_one(DataTable)
        wide = len(table.columns) > 2
        cells = self._cells(suggestion, wide=wide)
        if wide:
            table.update_cell(suggestion.offer_code, "answer", cells[3])
        else:
            table.update_cell(suggestion.offer_code, "title", cells[0])
            self._show_script()


def _so_far(suggestion: OfferSuggestion) -> str:
    rate = suggestion.acceptance_rate
    if rate is None:
        return _("new")
    return _("{rate} of {count}").format(rate=format_percent(rate), count=suggestion.presented_count)


def _answer_text(answer: OfferResponse | None) -> Text:
    if answer is None:
        return Text("")
    if answer.response == "accepted":
        return Text("✓ " + _("accepted"), style="bold green")
    if answer.response == "maybe_later":
        return Text("… " + _("later"), style="yellow")
    return Text(f"✗ {_(answer.reason)}", style="red")
