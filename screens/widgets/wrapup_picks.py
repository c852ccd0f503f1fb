"""The wrap-up's two lists: the reason, and the outcomes that reason offers."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets.option_list import Option

from screens.formatting import marked_fallback
from screens.i18n import N_, _, current_language
from screens.widgets.pick_list import PickList
from store.wrapup import OutcomeConfig
from store.wrapup.config import Outcome, Reason, label_in

_TITLES = {"reasons": N_("Reason"), "outcomes": N_("Outcome")}


def shown_label(entry: Reason | Outcome) -> str:
    """A reason's or outcome's label in the operator's language, marked when only English has it."""
    return marked_fallback(label_in(entry, current_language()))


class WrapUpPicks(Horizontal):
    """Enter on the reason narrows the outcomes and moves there; Enter on an outcome calls
    `on_pick("outcomes")` (the screen decides where typing goes next). Both run inside the key's
    own handling, so the rest of a burst of keys lands where the operator expects."""

    def __init__(self, *, on_pick: Callable[[str], None], id: str | None = None) -> None:
        super().__init__(id=id)
        self._on_pick = on_pick
        self._config: OutcomeConfig | None = None
        self.reason = ""
        self.outcome = ""

    def compose(self) -> ComposeResult:
        for list_id in _TITLES:
            yield PickList(id=list_id, on_pick=self._picked)

    def on_mount(self) -> None:
        self._title()

    def _title(self) -> None:
        for picks in self.query(PickList):
            picks.border_title = _(_TITLES[picks.id or ""])

    def show(self, config: OutcomeConfig, reason: str, outcome: str) -> None:
        """Fill and title the lists in the operator's language from `config`, with a restored
        draft's picks (or none) highlighted."""
        self._config = config
        self._title()
        reasons = self.query_one("#reasons", PickList)
        reasons.clear_options()
        reasons.add_options([Option(Text(shown_label(entry)), id=entry.key) for entry in config.reasons])
        keys = [entry.key for entry in config.reasons]
        reasons.highlighted = keys.index(reason) if reason in keys else 0
        self.reason = reason if reason in keys else ""
        self._fill_outcomes(outcome)

    def _fill_outcomes(self, keep: str) -> None:
        assert self._config is not None
        offered = self._config.outcomes_for(self.reason)
        outcomes = self.query_one("#outcomes", PickList)
        outcomes.clear_options()
        outcomes.add_options([Option(Text(shown_label(entry)), id=entry.key) for entry in offered])
        keys = [entry.key for entry in offered]
        self.outcome = keep if keep in keys else ""
        outcomes.highlighted = keys.index(keep) if keep in keys else 0

    def _picked(self, picks: PickList, key: str) -> None:
        if picks.id == "reasons":
            self.reason = key
            self._fill_outcomes(self.outcome)
            self.screen.set_focus(self.query_one("#outcomes"))
        else:
            self.outcome = key
        self._on_pick(picks.id or "")
