"""The profile's list sections as DataTables that grow a page at a time and keep their place.

Every cell is a `rich.text.Text` built from cleaned strings, so customer data never reaches the
markup parser. A reload (live refresh) refills the table and puts the cursor and the scroll
position back where the operator left them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from screens.formatting import format_amount
from screens.i18n import N_, _, said, said_status
from screens.widgets.sized_columns import sized_columns
from store.profile import CampaignRow, HoldingRow, Page, TimelineRow, WarrantyRow
from store.sanitize import clean_line
from store.status_words import category_words

Cells = tuple[Text, ...]


def cell(value: object, style: str = "") -> Text:
    """One table cell: dates, money and text shown plainly, never parsed as markup."""
    if value is None:
        return Text("")
    if isinstance(value, datetime):
        return Text(f"{value:%Y-%m-%d %H:%M}", style=style)
    if isinstance(value, date):
        return Text(f"{value:%Y-%m-%d}", style=style)
    if isinstance(value, Decimal):
        return Text(format_amount(value), style=style, justify="right")
    return Text(clean_line(str(value)), style=style)


_STATUS_STYLE = {"arrears": "bold red", "closed": "dim"}


def holding_cells(row: HoldingRow) -> Cells:
    amount = row.balance if row.is_bank else row.price_paid
    payment = _next_payment(row)
    return (
        cell(row.product),
        cell(row.reference),
        cell(said_status(row.status), _STATUS_STYLE.get(row.status, "")),
        cell(amount),
        cell(payment),
        cell(row.opened_on),
        cell(said(category_words(row.category))),
    )


def _next_payment(row: HoldingRow) -> str:
    """'1,234.00 on 2026-12-01', or just the date when the amount is not known yet."""
    if row.next_payment_on is None:
        return ""
    if row.next_payment_amount is None:
        return _("due {date}").format(date=f"{row.next_payment_on:%Y-%m-%d}")
    return _("{amount} on {date}").format(
        amount=format_amount(row.next_payment_amount), date=f"{row.next_payment_on:%Y-%m-%d}"
    )


def warranty_cells(row: WarrantyRow) -> Cells:
    style = "bold yellow" if row.expiring else ("dim" if row.status_text.startswith("expired") else "")
    return (
        cell(said(row.status_text), style),
        cell(row.ends_on),
        cell(row.product),
        cell(row.reference),
        cell(said_status(row.kind)),
        cell(row.covers),
        cell(row.claims),
    )


def timeline_cells(row: TimelineRow) -> Cells:
    marker = "● " + _("open") if row.pinned else said_status(row.status)
    return (
        cell(row.at),
        cell(said_status(row.kind)),
        cell(marker, "bold" if row.pinned else ""),
        cell(said_status(row.channel)),
        cell(row.title),
        cell(row.who),
    )


def campaign_cells(row: CampaignRow) -> Cells:
    return (
        cell(row.sent_on),
        cell(row.code),
        cell(row.name),
        cell(said_status(row.channel)),
        cell(row.coupon_code),
        cell(_("returned") if row.returned_mail else "", "bold red"),
    )


SECTION_COLUMNS: dict[str, tuple[tuple[str, ...], Callable[[Any], Cells]]] = {
    "holdings": (
        (
            N_("Product"),
            N_("Number"),
            N_("Status"),
            N_("Balance/price"),
            N_("Next payment"),
            N_("Since"),
            N_("Type"),
        ),
        holding_cells,
    ),
    "warranties": (
        (N_("Status"), N_("Ends"), N_("Product"), N_("Serial"), N_("Kind"), N_("Covers"), N_("Claims")),
        warranty_cells,
    ),
    "timeline": (
        (N_("When"), N_("What"), N_("Status"), N_("Channel"), N_("Subject"), N_("Who")),
        timeline_cells,
    ),
    "campaigns": (
        (N_("Sent"), N_("Campaign"), N_("Name"), N_("Channel"), N_("Coupon"), N_("Mail")),
        campaign_cells,
    ),
}


class SectionTable(DataTable[Text]):
    """A paged section: `fill` replaces the rows (keeping the cursor), `extend` appends a page."""

    def __init__(self, section: str, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.section = section
        self.total = 0
        self.payloads: list[Any] = []
        """The row objects behind the table's rows, in order (the timeline opens tickets from them)."""

    @property
    def shown(self) -> int:
        return len(self.payloads)

    @property
    def has_more(self) -> bool:
        return self.shown < self.total

    def fill(self, page: Page) -> None:
        """Replace every row with `page` and put the cursor and scroll back."""
        row, scroll = self.cursor_row, self.scroll_offset
        labels, to_cells = SECTION_COLUMNS[self.section]
        rows = [to_cells(payload) for payload in page.rows]
        sized_columns(self, labels, rows)
        self.payloads = []
        self._append(page, rows)
        if self.row_count and row:
            self.move_cursor(row=min(row, self.row_count - 1), animate=False, scroll=False)
        self.call_after_refresh(self.scroll_to, scroll.x, scroll.y, animate=False)

    def extend(self, page: Page) -> None:
        """Append the next page of rows (columns keep their widths; longer text is cut)."""
        self._append(page, [SECTION_COLUMNS[self.section][1](payload) for payload in page.rows])

    def _append(self, page: Page, rows: list[Cells]) -> None:
        for payload, cells in zip(page.rows, rows, strict=True):
            self.add_row(*cells)
            self.payloads.append(payload)
        self.total = page.total

    def current(self) -> Any | None:
        """The row object under the cursor."""
        if not self.payloads or not 0 <= self.cursor_row < len(self.payloads):
            return None
        return self.payloads[self.cursor_row]
