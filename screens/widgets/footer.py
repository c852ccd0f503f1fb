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
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description) if widget.description else ""
                if isinstance(widget.tooltip, str) and widget.tooltip:
                    widget.tooltip = _(widget.tooltip)
            yield widget
