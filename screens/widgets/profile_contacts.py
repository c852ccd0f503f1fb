"""The profile's contact details (phones, e-mails, addresses) and the purchase summary."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from screens.formatting import format_amount
from screens.i18n import N_, _, said_status
from screens.widgets.profile_tables import cell
from screens.widgets.sized_columns import sized_columns
from store.profile import AddressRow, EmailRow, PhoneRow, Profile

COLUMNS = (N_("Contact"), N_("Kind"), N_("Value"), N_("Note"))


def purchases_text(profile: Profile) -> Text:
    """Count, total, last purchase and favourite category, then the campaign response counts."""
    summary = profile.purchases
    last = f"{summary.last_purchase:%Y-%m-%d}" if summary.last_purchase else _("never")
    text = Text()
    text.append(_("Purchases") + " ", style="bold")
    total = format_amount(summary.total)
    text.append(
        _("{count} · total {total} · last {last}").format(count=summary.count, total=total, last=last)
    )
    favourite = summary.favourite_category.replace("_", " ") or "-"
    text.append(" · " + _("favourite {category}").format(category=favourite) + "\n")
    text.append(_("Campaigns") + " ", style="bold")
    text.append(
        _("{mailings} mailings · {coupons} coupons used · {returned} returned mail").format(
            mailings=profile.campaigns.total, coupons=profile.coupons_used, returned=profile.returned_mail
        )
    )
    return text


def _contact_cells(row: PhoneRow | EmailRow | AddressRow) -> tuple[Text, ...]:
    if isinstance(row, PhoneRow):
        return (
            cell(_("phone")),
            cell(said_status(row.kind)),
            cell(row.e164),
            cell(_("primary") if row.is_primary else ""),
        )
    if isinstance(row, EmailRow):
        return cell(_("e-mail")), cell(""), cell(row.address), cell(_("primary") if row.is_primary else "")
    reason = row.undeliverable_reason
    if row.undeliverable and row.undeliverable_on:
        when = f"{row.undeliverable_on:%Y-%m-%d}"
        state = cell(_("UNDELIVERABLE since {date}: {reason}").format(date=when, reason=reason), "bold red")
    elif row.undeliverable:
        state = cell(_("UNDELIVERABLE: {reason}").format(reason=reason), "bold red")
    elif row.valid_to:
        state = cell(_("old, until {date}").format(date=f"{row.valid_to:%Y-%m-%d}"), "dim")
    else:
        state = cell(_("current"))
    return cell(_("address")), cell(said_status(row.kind)), cell(row.text), state


class ContactsTable(DataTable[Text]):
    """Phones, e-mails and addresses in one table; the cursor picks an address to flag."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.payloads: list[PhoneRow | EmailRow | AddressRow] = []

    def fill(self, profile: Profile) -> None:
        row = self.cursor_row
        self.payloads = [*profile.phones, *profile.emails, *profile.addresses]
        rows = [_contact_cells(payload) for payload in self.payloads]
        sized_columns(self, COLUMNS, rows)
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
