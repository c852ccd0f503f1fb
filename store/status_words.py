"""The words the screens show for the store's status values (customer, ticket, priority, call,
holding, callback, operator), the timeline's kinds, channels, phone/address/warranty kinds, the
profile's flags and the product categories, marked for the console's catalogue.

The values themselves stay English identifiers (the database, the CLI, JSON and filters use them);
`status_word` gives the Phrase a screen translates with `screens.i18n.said`. A value without an
entry (a new status) is shown as it is.
"""

from __future__ import annotations

from store.messages import N_, pgettext

STATUS_WORDS = {
    # customers
    "prospect": N_("prospect"), "active": N_("active"), "former": N_("former"),
    # tickets and callbacks
    "open": N_("open"), "pending": N_("pending"), "resolved": N_("resolved"), "closed": N_("closed"),
    "done": N_("done"), "cancelled": N_("cancelled"),
    # priorities
    "low": pgettext("priority", "low"), "normal": pgettext("priority", "normal"),
    "high": pgettext("priority", "high"), "urgent": pgettext("priority", "urgent"),
    # calls
    "ringing": N_("ringing"), "answered": N_("answered"), "wrap_up": N_("wrap-up"),
    "missed": N_("missed"), "abandoned": N_("abandoned"),
    # holdings and operators
    "arrears": N_("arrears"), "disabled": N_("disabled"),
    # the timeline's kinds and the channels
    "ticket": N_("ticket"), "interaction": N_("interaction"), "call": N_("call"),
    "voice": N_("voice"), "chat": N_("chat"), "email": N_("e-mail"), "sms": N_("SMS"), "post": N_("post"),
    # phone, address and warranty kinds
    "mobile": N_("mobile"), "home": N_("home"), "work": N_("work"), "office": N_("office"),
    "billing": N_("billing"),
    "standard": N_("standard"), "extended": N_("extended"),
    # profile flags
    "address undeliverable": N_("address undeliverable"), "open complaint": N_("open complaint"),
    "VIP": N_("VIP"), "collections": N_("collections"),
}  # fmt: skip


def status_word(value: object) -> str:
    """The marked word for `value` (an enum member or its string), else `value` as text."""
    text = str(value)
    return STATUS_WORDS.get(text, text)


_CATEGORY_WORDS = {
    "current_account": N_("current account"), "credit_card": N_("credit card"), "mortgage": N_("mortgage"),
    "car_loan": N_("car loan"), "insurance": N_("insurance"), "appliance": N_("appliance"),
    "service": N_("service"),
}  # fmt: skip


def category_words(category: str) -> str:
    """A product category as words ("car loan", in an offer's reason or the holdings list), a
    Phrase the screen translates."""
    return _CATEGORY_WORDS.get(category) or category.replace("_", " ")
