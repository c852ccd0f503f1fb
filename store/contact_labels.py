"""What the contact form calls each field, and what it says about a wrong birth date: the store's
error messages and the screens both name fields by these (Phrases, so the screens show them in the
operator's language)."""

from __future__ import annotations

from datetime import date

from store.messages import N_

OLDEST_BIRTH = date(1900, 1, 1)

LABELS = {  # N_: the screens show these in the operator's language
    "given_name": N_("First name"),
    "family_name": N_("Family name"),
    "birth_date": N_("Birth date (YYYY-MM-DD)"),
    "mobile": N_("Mobile phone"),
    "home_phone": N_("Home phone"),
    "work_phone": N_("Work phone"),
    "email": N_("E-mail"),
    "email_2": N_("Second e-mail"),
    "preferred_language": N_("Language"),
    "preferred_channel": N_("Preferred channel"),
    "consent_voice": N_("Marketing calls"),
    "consent_email": N_("Marketing e-mail"),
    "consent_sms": N_("Marketing SMS"),
    "consent_post": N_("Marketing post"),
}


def birth_date_error(text: str, today: date) -> dict[str, str]:
    """{"birth_date": why} when `text` is not a plausible birth date by `today`, else {}."""
    try:
        born = date.fromisoformat(text)
    except ValueError:
        return {"birth_date": N_("Write the date as YYYY-MM-DD, for example 1984-02-29.")}
    if born > today:
        return {"birth_date": N_("That date is in the future.")}
    if born < OLDEST_BIRTH:
        return {"birth_date": N_("A birth date before 1900 is surely a typo.")}
    return {}
