"""Card numbers never stored in full: test PANs typed into every free-text field are masked to
first 6 / last 4 (CVVs removed) in the database, the drafts file and the local journal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.contacts import AddressInput, record_address
from store.pan import mask_pan, redact
from store.prospects import create_prospect
from store.tickets import TicketChange
from store.wrapup import CallbackRequest, WrapUp, WrapUpForm, save_wrapup
from store.wrapup.drafts import Draft, save_draft
from store.wrapup.journal import enqueue
from store.wrapup.local_file import LOCAL_FILE
from tests.factories import make_customer

# Public test card numbers (Visa 16 and 13, Mastercard, Amex, Discover, JCB, Visa 19).
TEST_PANS = [
    "4111111111111111",
    "4222222222222",
    "5555555555554444",
    "378282246310005",
    "6011111111111117",
    "3530111333300000",
    "4000000000000000006",
]
SPACINGS = [
    lambda p: p,
    lambda p: " ".join(p[i : i + 4] for i in range(0, len(p), 4)),
    lambda p: "-".join(p[i : i + 4] for i in range(0, len(p), 4)),
]  # noqa: E501


@pytest.mark.parametrize("pan", TEST_PANS)
@pytest.mark.parametrize("spacing", range(len(SPACINGS)))
def test_every_test_pan_in_any_spacing_is_masked(pan: str, spacing: int) -> None:
    result = redact(f"customer read me {SPACINGS[spacing](pan)} cvv 123, thanks")
    assert result.text == f"customer read me {mask_pan(pan)} [cvv removed], thanks"
    assert (result.cards, result.cvvs) == (1, 1)
    assert mask_pan(pan)[:6] == pan[:6] and mask_pan(pan)[-4:] == pan[-4:]


@pytest.mark.parametrize(
    "text",
    [
        "call me on +39 06 1234 5678",
        "order 4111111111111112",
        "ticket 2026-11-30",
        "IBAN IT60X0542811101000000123456",
    ],
)
def test_numbers_that_are_not_cards_are_left_alone(text: str) -> None:
    assert redact(text).text == text and not redact(text).changed


def _everywhere(engine: Engine) -> str:
    """Every text column of every table, as one string."""
    seen = []
    with engine.connect() as connection:
        for table in sa.inspect(engine).get_table_names():
            seen += [str(row) for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))]
    return "\n".join(seen)


def test_a_pan_typed_in_any_free_text_field_is_never_stored_in_full(engine: Engine, tmp_path: Path) -> None:
    """Regression: a card number typed into a note was stored in clear six times. You should find
    no full PAN in any table, nor in the local drafts/journal file, only first 6 / last 4."""
    pan, spaced = "4111111111111111", "4111 1111 1111 1111"
    customer = make_customer(engine)
    assert customer.id is not None
    callback = CallbackRequest(datetime.now(UTC) + timedelta(hours=1), "anna", note=f"card {spaced} cvv 123")
    wrapup = WrapUp(
        "call-pan-1",
        "anna",
        customer_id=customer.id,
        notes=f"paid with {spaced}, CVV: 321",
        ticket=TicketChange(subject=f"refund to {pan}"),
        callback=callback,
    )
    save_draft(
        tmp_path, Draft("call-pan-2", "anna", customer.id, datetime.now(UTC), WrapUpForm(notes=f"card {pan}"))
    )
    enqueue(tmp_path, wrapup)
    assert save_wrapup(engine, wrapup)
    record_address(
        engine,
        customer.id,
        1,
        AddressInput("home", f"Via {pan}", "Roma", "IT"),
        today=datetime.now(UTC).date(),
        operator="anna",
    )
    create_prospect(engine, email="p@example.com", given_name=f"Card {pan}", family_name=spaced)
    stored = _everywhere(engine)
    local = b"".join(path.read_bytes() for path in tmp_path.glob(f"{LOCAL_FILE}*"))
    for where in (stored, local.decode("utf-8", "replace")):
        assert pan not in where.replace(" ", "").replace("-", "")
        assert "411111******1111" in where
    assert "CVV: 321" not in stored and "cvv 123" not in stored and "[cvv removed]" in stored
