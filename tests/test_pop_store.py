"""Who a ring is from (both databases), and prospects made from unknown callers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from store.call_events import IncomingCall
from store.db import read_session
from store.models import Channel, Customer, Email, Phone
from store.pop import PopKind, decide
from store.prospects import create_prospect
from tests.factories import make_customer


def _call(caller: str, *, channel: Channel = Channel.VOICE, email: str = "") -> IncomingCall:
    return IncomingCall(call_id="c-1", caller=caller, extension="100", channel=channel, email=email)


def test_one_several_none(engine: Engine) -> None:
    rossi = make_customer(engine, "Maria", "Rossi", phones=("+390612345678",))
    make_customer(engine, "Ugo", "Conti", phones=("+390611112222",))
    make_customer(engine, "Eva", "Conti", phones=("+390611112222",))
    one = decide(engine, _call("0039 06 1234 5678"), "IT")
    several = decide(engine, _call("06 1111 2222"), "IT")
    none = decide(engine, _call("06 9999 0000"), "IT")
    assert (one.kind, [m.customer_id for m in one.matches]) == (PopKind.ONE, [rossi.id])
    assert (several.kind, sorted(m.display_name for m in several.matches)) == (
        PopKind.SEVERAL,
        ["Eva Conti", "Ugo Conti"],
    )
    assert (none.kind, none.key, none.matches) == (PopKind.NONE, "+390699990000", [])
    assert "+390699990000" in none.notice


@pytest.mark.parametrize("caller", ["", "anonymous", "Withheld", "PRIVATE"])
def test_withheld_number_never_matches(engine: Engine, caller: str) -> None:
    make_customer(engine, "Maria", "Rossi", phones=("+390612345678",))
    decision = decide(engine, _call(caller), "IT")
    assert (decision.kind, decision.key) == (PopKind.WITHHELD, "")
    assert "withheld" in decision.notice.lower()


def test_exact_number_beats_the_same_national_number_abroad(engine: Engine) -> None:
    italy = make_customer(engine, "Maria", "Rossi", phones=("+390612345678",))
    make_customer(engine, "Marie", "Roux", phones=("+330612345678",))
    decision = decide(engine, _call("+390612345678"), "IT")
    assert [m.customer_id for m in decision.matches] == [italy.id]


def test_chat_pops_by_email_then_by_phone(engine: Engine) -> None:
    neri = make_customer(engine, "Sara", "Neri", phones=("+390633334444",), emails=("sara@example.com",))
    by_email = decide(engine, _call("", channel=Channel.CHAT, email="sara@example.com"), "IT")
    by_phone = decide(engine, _call("0633334444", channel=Channel.CHAT, email="other@example.com"), "IT")
    unknown = decide(engine, _call("", channel=Channel.CHAT, email="new@example.com"), "IT")
    assert [m.customer_id for m in by_email.matches] == [neri.id]
    assert [m.customer_id for m in by_phone.matches] == [neri.id]
    assert (unknown.kind, unknown.key) == (PopKind.NONE, "new@example.com")


def test_prospect_is_made_once_per_number_in_any_format(engine: Engine) -> None:
    first = create_prospect(engine, phone_e164="06 5555 1234", region="IT")
    again = create_prospect(engine, phone_e164="+390655551234")
    assert first == again
    with read_session(engine) as session:
        customer = session.get(Customer, first)
        phones = session.exec(select(Phone.e164)).all()
    assert customer is not None and customer.status == "prospect" and customer.display_name == "New prospect"
    assert phones == ["+390655551234"]
    assert decide(engine, _call("0655551234"), "IT").kind is PopKind.ONE


def test_concurrent_prospects_for_one_number_make_one_customer(engine: Engine) -> None:
    """Regression: two operators pressing "new prospect" for the same caller at once. You should
    see one customer, returned to both."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(lambda _: create_prospect(engine, phone_e164="+390655559999"), range(4)))
    assert len(set(ids)) == 1
    with read_session(engine) as session:
        assert len(session.exec(select(Customer)).all()) == 1


def test_prospect_by_email_and_bad_input(engine: Engine) -> None:
    by_mail = create_prospect(engine, email=" New@Example.com ", given_name="Ada\x1b[2J", family_name="Lo")
    with read_session(engine) as session:
        customer = session.get(Customer, by_mail)
        addresses = session.exec(select(Email.address)).all()
    assert customer is not None and customer.display_name == "Ada Lo"
    assert addresses == ["new@example.com"]
    with pytest.raises(ValueError):
        create_prospect(engine, phone_e164="12")
    with pytest.raises(ValueError):
        create_prospect(engine)


def test_a_chat_without_e_mail_or_number_says_so(engine: Engine) -> None:
    """Regression: a chat with neither an e-mail nor a number said "Number withheld". You should see
    a notice about a chat without e-mail or number."""
    decision = decide(engine, _call("", channel=Channel.CHAT), "IT")
    assert decision.kind is PopKind.WITHHELD
    assert "chat without e-mail or number" in decision.notice.lower()
    assert "withheld" not in decision.notice.lower()
