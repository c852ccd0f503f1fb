"""What the reports screen calls each report, column and grouping, in the operator's language.

The store names them by stable keys (`store.reports`); a test holds this table to every key the
registry has, so a new report or column cannot reach the screen untranslated.
"""

from __future__ import annotations

from screens.i18n import N_
from store.reports import By
from store.reports.calls import NO_CUSTOMER, NOT_SCORED

REPORT_TITLES = {
    "calls": N_("Calls by reason and outcome"),
    "handling": N_("Handle time, after-call work, first-contact resolution"),
    "callbacks": N_("Callbacks due, kept and missed"),
    "offers": N_("Offers presented and accepted"),
    "tickets": N_("Tickets opened, resolved and overdue"),
    "campaigns": N_("Campaign responses"),
    "segments": N_("Segment mix"),
}

COLUMN_TITLES = {
    "group": N_("Group"),
    "reason": N_("Reason"),
    "outcome": N_("Outcome"),
    "calls": N_("Calls"),
    "answered": N_("Answered"),
    "handle_avg_s": N_("Avg handle (s)"),
    "acw_avg_s": N_("Avg after-call work (s)"),
    "resolved": N_("Resolved"),
    "fcr_pct": N_("First-contact resolution %"),
    "due": N_("Due"),
    "kept": N_("Kept"),
    "missed": N_("Missed"),
    "pending": N_("Pending"),
    "kept_pct": N_("Kept %"),
    "offer": N_("Offer"),
    "segment": N_("Segment"),
    "presented": N_("Presented"),
    "accepted": N_("Accepted"),
    "conversion_pct": N_("Conversion %"),
    "opened": N_("Opened"),
    "overdue": N_("Overdue"),
    "campaign": N_("Campaign"),
    "responses": N_("Responses"),
    "customers": N_("Customers"),
    "share_pct": N_("Share %"),
}

GROUPINGS = {
    By.OPERATOR: N_("By operator"),
    By.TEAM: N_("By team"),
    By.DAY: N_("By day"),
    By.HOUR: N_("By hour of day"),
}

SEGMENT_VALUES = {
    NO_CUSTOMER: N_("(no customer)"),
    NOT_SCORED: N_("(not scored)"),
}
"""The segment mix's labels for calls without a computed segment (the CLI and CSV keep the
store's English, which scripts match)."""
