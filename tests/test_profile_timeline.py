"""A saved wrap-up shows once in the customer's timeline, with the outcome labels the operator picked."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from store.profile import load_profile
from store.wrapup import WrapUp, save_wrapup
from tests.factories import make_customer


def test_a_wrap_up_shows_once_with_labels(engine: Engine) -> None:
    """Regression: a wrap-up showed twice in the timeline (the call and its interaction), with raw
    codes ("warranty_claim resolved"). You should see one row: "Warranty claim · Resolved first
    contact: <the note>"."""
    customer = make_customer(engine)
    assert customer.id is not None
    wrapup = WrapUp("c-t1", "anna", customer_id=customer.id, reason="warranty_claim", outcome="resolved",
                    notes="Replacement sent")  # fmt: skip
    save_wrapup(engine, wrapup)
    profile = load_profile(engine, customer.id, today=date.today())
    assert profile is not None
    titles = [row.title for row in profile.timeline.rows]
    assert titles == ["Warranty claim · Resolved first contact: Replacement sent"]
    assert profile.timeline.total == 1
    assert not any("warranty_claim" in title or "resolved " in title for title in titles)
