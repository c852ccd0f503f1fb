"""Textual's Footer, showing each Binding description in the console's language.

Binding descriptions are class attributes, fixed at import: screens mark them with `N_()` and this
footer translates them each time it composes, which it does whenever a screen's bindings are
refreshed (a language switch refreshes them all). Use it instead of `textual.widgets.Footer`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

from screens.i18n import N_, _

TEXTUAL_DESCRIPTIONS = (N_("palette"),)
"""Descriptions of Textual's own bindings that this footer shows, so the catalogues have them."""


class Footer(TextualFooter):
    """The footer, in the operator's language."""

    def compose(self) -> ComposeResult:
        self._forget_removed_keys()
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description) if widget.description else ""
                if isinstance(widget.tooltip, str) and widget.tooltip:
                    widget.tooltip = _(widget.tooltip)
            yield widget

    def _forget_removed_keys(self) -> None:
        """Textual's footer binds each key's `compact` to its own, and the binding (the key with its
        setter) stays in the footer's watchers after a recompose removes the key: Textual drops
        it only when `compact` changes, which it never does here. So a footer that lives all
        session (the lookup's) kept every key it had shown, ~18 widgets each time it recomposed
        (issue #14: RSS per console). Runs as the footer composes, its old keys just removed."""
        watchers = getattr(self, "__watchers", {}).get("compact")
        if watchers:
            watchers[:] = [(node, callback) for node, callback in watchers if node.is_attached]
