"""The profile's first lines: who the customer is and what the operator must not miss."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from store.profile import Header
from store.sanitize import clean_line


def header_text(header: Header) -> Text:
    """Name and flags (in reverse red); status, age and segment; loyalty, language and consents."""
    text = Text(no_wrap=False)
    text.append(clean_line(header.name) or "(no name)", style="bold")
    for flag in header.flags:
        text.append("  ")
        text.append(f" {flag} ", style="bold white on dark_red")
    text.append("\n")
    age = f"{header.age} y" if header.age is not None else "age unknown"
    if header.birth_date is not None:  # only roles allowed to see it get one (store.permissions)
        age += f" (born {header.birth_date:%Y-%m-%d})"
    text.append(f"{header.status} · {age} · {clean_line(header.segment)} · #{clean_line(header.external_id)}")
    text.append("\n")
    text.append(f"Loyalty {clean_line(header.loyalty_tier)} {header.loyalty_points} pts")
    if header.points_expiring:
        when = f" on {header.points_expire_on:%d %b %Y}" if header.points_expire_on else ""
        text.append(f" ({header.points_expiring} expire{when})", style="bold yellow")
    text.append(f" · speaks {clean_line(header.preferred_language)} · prefers {header.preferred_channel}")
    text.append(" · marketing: " + (", ".join(header.consents) or "none"))
    return text


class ProfileHeader(Static):
    """Three lines (more only when the terminal is narrow), always above the fold."""

    def show(self, header: Header) -> None:
        self.update(header_text(header))
