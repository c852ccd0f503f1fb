"""The business's texts and the profile's header in the operator's language (no Pilot: the text
builders themselves, as every screen calls them)."""

from __future__ import annotations

from datetime import date

from screens.i18n import _, set_language
from screens.widgets.offers_panel import OffersPanel
from screens.widgets.profile_header import header_text
from screens.widgets.wrapup_picks import shown_label
from store.offers import OfferSuggestion
from store.profile import Header
from store.wrapup.config import Outcome

HEADER = Header(
    customer_id=1, external_id="C-1", name="Ana Ruiz", status="active", age=41, birth_date=None,
    segment="retail", loyalty_tier="gold", loyalty_points=5400, points_expiring=600,
    points_expire_on=date(2026, 12, 31), preferred_language="es", preferred_channel="voice",
    consents=("email",), flags=(), version=3,
)  # fmt: skip
OFFER = OfferSuggestion(
    offer_code="PAPERLESS", title="Paperless statements", script="Would you like statements in the app?",
    value=1.0, why=["has an account"], acceptance_rate=None, presented_count=0, score=1.0,
    titles={"it": "Estratti conto digitali"}, scripts={"es": "¿Quiere los extractos en la app?"},
)  # fmt: skip


def test_the_header_names_the_customer_language_in_the_operator_language() -> None:
    """Regression: an Italian console showed "speaks es" and "Loyalty". You should see the
    customer's language named in Italian ("spagnolo") and the month in Italian."""
    set_language("it")
    text = header_text(HEADER).plain
    assert "parla spagnolo" in text
    assert "Fedeltà gold 5400 punti" in text
    assert "31 dic 2026" in text


def test_outcome_labels_come_from_the_file_in_the_operator_language() -> None:
    """Regression: the wrap-up lists showed the English outcome labels in a German console. You
    should see the file's German label, and an English-only label marked [EN]."""
    translated = Outcome("resolved", "Resolved", labels=(("de", "Gelöst"),))
    english_only = Outcome("escalated", "Escalated")
    set_language("de")
    assert shown_label(translated) == "Gelöst"
    assert shown_label(english_only) == "[EN] Escalated"
    set_language("en")
    assert shown_label(english_only) == "Escalated"


def test_offer_title_in_the_operator_language_and_script_in_the_customer_language() -> None:
    """Regression: the offers panel showed the English title and script. You should see the
    title in the operator's language and the script in the customer's (Spanish here), falling
    back to the operator's language and then to English marked [EN]."""
    set_language("it")
    panel = OffersPanel(1)
    assert panel._title(OFFER) == "Estratti conto digitali"
    panel.customer_language = "es"
    assert panel._script(OFFER) == "¿Quiere los extractos en la app?"
    panel.customer_language = None
    assert panel._script(OFFER) == "[EN] Would you like statements in the app?"


def test_an_empty_text_stays_empty() -> None:
    """Regression: gettext answers "" with the catalogue's header (Project-Id-Version...), which a
    key without a description would have shown. You should see "" in every language."""
    set_language("pt_BR")
    assert _("") == ""
