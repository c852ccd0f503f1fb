"""The profile's first lines: who the customer is and what the operator must not miss."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from screens.formatting import format_date, language_name
from screens.i18n import _, said, said_status
from store.churn import reasons as churn_reasons
from store.profile import Header
from store.sanitize import clean_line
from store.segments.summary import Marketing


def header_text(header: Header) -> Text:
    """Name and flags (in reverse red); status, age and segment; loyalty, language and consents."""
    text = Text(no_wrap=False)
    text.append(clean_line(header.name) or _("(no name)"), style="bold")
    for flag in header.flags:
        text.append("  ")
        text.append(f" {said_status(flag)} ", style="bold white on dark_red")
    text.append("\n")
    age = _("{age} y").format(age=header.age) if header.age is not None else _("age unknown")
    if header.birth_date is not None:  # only roles allowed to see it get one (store.permissions)
        age += " " + _("(born {date})").format(date=f"{header.birth_date:%Y-%m-%d}")
    status, segment = said_status(header.status), clean_line(header.segment)
    text.append(f"{status} · {age} · {segment} · #{clean_line(header.external_id)}")
    text.append("\n")
    loyalty = _("Loyalty {tier} {points} pts")
    text.append(loyalty.format(tier=clean_line(header.loyalty_tier), points=header.loyalty_points))
    if header.points_expiring:
        if header.points_expire_on:
            when = format_date(header.points_expire_on, length="dd MMM y")
            expiring = _("({points} expire on {date})").format(points=header.points_expiring, date=when)
        else:
            expiring = _("({points} expire)").format(points=header.points_expiring)
        text.append(" " + expiring, style="bold yellow")
    speaks = _("speaks {language} · prefers {channel}")
    language = language_name(header.preferred_language)
    text.append(" · " + speaks.format(language=language, channel=header.preferred_channel))
    text.append(" · " + _("marketing: {consents}").format(consents=", ".join(header.consents) or _("none")))
    if header.marketing.known:
        text.append("\n")
        text.append(marketing_text(header.marketing))
    return text


def marketing_text(marketing: Marketing) -> Text:
    """ "Segments champions (RFM 545), lapsed_card_holders · churn risk high: 2 complaints in 60 days"."""
    text = Text()
    names = [f"{marketing.rfm_segment} (RFM {marketing.rfm_score})"] if marketing.rfm_segment else []
    names += list(marketing.segments)
    if names:
        text.append(_("Segments {names}").format(names=", ".join(names)))
    if marketing.churn_risk is not None:
        if names:
            text.append(" · ")
        band = {"high": _("high"), "medium": _("medium"), "low": _("low")}[marketing.churn_band]
        risk = _("churn risk {band}").format(band=band)
        if marketing.churn_reasons and marketing.churn_band != "low":
            risk += ": " + "; ".join(said(reason) for reason in churn_reasons.read(marketing.churn_reasons))
        text.append(risk, style="bold yellow" if marketing.churn_band == "high" else "")
    return text


class ProfileHeader(Static):
    """Three lines (more only when the terminal is narrow), always above the fold."""

    def show(self, header: Header) -> None:
        self.update(header_text(header))
