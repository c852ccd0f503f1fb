"""The profile's contact details (phones, e-mails, addresses) and the purchase summary."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from screens.widgets.profile_tables import cell, sized_columns
from store.profile import AddressRow, EmailRow, PhoneRow, Profile


def purchases_text(profile: Profile) -> Text:
    """Count, total, last purchase and favourite category, then the campaign response counts."""
    summary = profile.purchases
    last = f"{summary.last_purchase:%Y-%m-%d}" if summary.last_purchase else "never"
    text = Text()
    text.append("Purchases ", style="bold")
    text.append(f"{summary.count} · total {summary.total:,.2f} · last {last}")
    text.append(f" · favourite {summary.favourite_category.replace('_', ' ') or '-'}\n")
    text.append("Campaigns ", style="bold")
    text.append(
        f"{profile.campaigns.total} mailings · {profile.coupons_used} coupons used · "
        f"{profile.returned_mail} returned mail"
    )
    return text


def _contact_cells(row: PhoneRow | EmailRow | AddressRow) -> tuple[Text, ...]:
    if isinstance(row, PhoneRow):
        return cell("phone"), cell(row.kind), cell(row.e164), cell("primary" if row.is_primary else "")
    if isinstance(row, EmailRow):
        return cell("e-mail"), cell(""), cell(row.address), cell("primary" if row.is_primary else "")
    if row.undeliverable:
        since = f" since {row.undeliverable_on:%Y-%m-%d}" if row.undeliverable_on else ""
        state = cell(f"UNDELIVERABLE{since}: {row.undeliverable_reason}", "bold red")
    elif row.valid_to:
        state = cell(f"old, until {row.valid_to:%Y-%m-%d}", "dim")
    else:
        state = cell("current")
    return cell("address"), cell(row.kind), cell(row.text), state


class ContactsTable(DataTable[Text]):
    """Phones, e-mails and addresses in one table; the cursor picks an address to flag."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.payloads: list[PhoneRow | EmailRow | AddressRow] = []

    def fill(self, profile: Profile) -> None:
        row = self.cursor_row
        self.payloads = [*profile.phones, *profile.emails, *profile.addresses]
        rows = [_contact_cells(payload) for payload in self.payloads]
        sized_columns(self, ("Contact", "Kind", "Value", "Note"), rows)
        for cells in rows:
            self.add_row(*cells)
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1), animate=False, scroll=False)

    def current_address(self) -> AddressRow | None:
        """The address under the cursor, or None."""
        if 0 <= self.cursor_row < len(self.payloads):
            payload = self.payloads[self.cursor_row]
            return payload if isinstance(payload, AddressRow) else None
        return None
