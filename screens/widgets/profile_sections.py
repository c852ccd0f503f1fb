"""The profile's tabs: their names, the widgets each one shows and the table its keys work on.

Only the first tab's widgets are built with the screen, the others the first time they are shown:
building every tab up front made the pop several times slower.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Static

from screens.i18n import N_
from screens.widgets.profile_contacts import ContactsTable
from screens.widgets.profile_tables import SectionTable

TABS = {
    "holdings": N_("Products"),
    "warranties": N_("Warranties"),
    "timeline": N_("Timeline"),
    "purchases": N_("Buying"),
    "contacts": N_("Contacts"),
}
"""Tab id -> label (marked N_, translated where shown), in the order of their number keys."""
TABLE = {tab: "table-campaigns" if tab == "purchases" else f"table-{tab}" for tab in TABS}
"""The table of each tab (the cursor and the "m"/"o" keys work on it)."""
PAGED = ("holdings", "warranties", "timeline", "campaigns")
"""Sections loaded a page at a time (their tab label says how many are shown)."""


def section_widgets(tab: str) -> list[Widget]:
    """New widgets for `tab`, classed `section tab-<tab>` so the screen can show and hide them."""
    classes = f"section tab-{tab}"
    if tab == "purchases":
        return [
            Static(id="purchase-summary", classes=classes),
            SectionTable("campaigns", id="table-campaigns", classes=classes),
        ]
    if tab == "contacts":
        return [ContactsTable(id="table-contacts", classes=classes)]
    return [SectionTable(tab, id=f"table-{tab}", classes=classes)]


def count_text(shown: int, total: int) -> str:
    """ " 50/4000" while some rows are not loaded, else " 4000"."""
    return f" {shown}/{total}" if shown < total else f" {total}"
