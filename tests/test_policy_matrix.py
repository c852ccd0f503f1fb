"""The role matrix: every role x every action x own/other's object, through the store functions
that enforce it, on both databases. A leak (a refused role getting data) or a wrong refusal fails.

Actions whose store function belongs to another part of the product (export, merge, erase,
reassign, load offers, load demo, database admin) are checked at their one gate,
`store.policy.require`, which those functions and the CLI verbs call.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from store import access, audit, sessions
from store.db import write_session
from store.identity import list_operators
from store.models import Callback, ProductCategory, Role
from store.models.products import Holding
from store.outbox.ledger import list_deliveries
from store.policy import POLICY, Action, Actor, Forbidden, Reach, allowed, require
from store.replica import Engines
from store.returned_mail_worklist import worklist_page
from store.tickets import close_callback
from tests.factories import make_customer, make_product
from tests.harness import sign_in

TODAY = date(2026, 11, 22)
CARD = "4111111111111111"


class World:
    """One customer with every protected field, and a callback per operator."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.actors = {role: sign_in(engine, f"{role.value}1", extension=str(300 + i), role=role)
                       for i, role in enumerate(Role)}  # fmt: skip
        self.other = sign_in(engine, "someone", extension="399")
        customer = make_customer(engine, birth_date=date(1980, 5, 6), city="Roma")
        assert customer.id is not None
        self.customer_id = customer.id
        card = make_product(engine, "gold_card", ProductCategory.CREDIT_CARD)
        with write_session(engine) as session:
            session.add(Holding(customer_id=customer.id, product_id=card.id, reference=CARD,
                                opened_on=date(2024, 1, 1), balance=Decimal("1234.56")))  # fmt: skip

    def callback(self, assignee: str) -> int:
        with write_session(self.engine) as session:
            row = Callback(
                customer_id=self.customer_id, assignee=assignee, due_at=datetime.now(UTC) + timedelta(hours=1)
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id


def _did(call: Callable[[], object]) -> bool:
    try:
        call()
    except Forbidden:
        return False
    return True


def _profile(world: World, actor: Actor):  # noqa: ANN202
    profile = access.view_profile(Engines.single(world.engine), actor, world.customer_id, today=TODAY)
    assert profile is not None
    return profile


def _probe(world: World, action: Action, actor: Actor, own: bool) -> bool:
    """Whether `actor` got to do `action` (on its own object, or someone else's)."""
    engine, customer_id = world.engine, world.customer_id
    match action:
        case Action.SEE_BIRTH_DATE:
            return _profile(world, actor).header.birth_date is not None
        case Action.SEE_FULL_ADDRESS:
            return "Via Roma 1" in _profile(world, actor).addresses[0].text
        case Action.SEE_BALANCES:
            return _profile(world, actor).holdings.rows[0].balance is not None
        case Action.SEE_CARD_DIGITS:
            return _profile(world, actor).holdings.rows[0].reference.startswith(CARD[:6])
        case Action.SEARCH:
            return _did(lambda: access.search(Engines.single(engine), actor, "Rossi", region="IT"))
        case Action.VIEW_CUSTOMER:
            return _did(lambda: access.view_profile(Engines.single(engine), actor, customer_id, today=TODAY))
        case Action.CLOSE_CALLBACK:
            callback_id = world.callback(actor.username if own else world.other.username)
            return _did(lambda: close_callback(engine, actor, callback_id))
        case Action.MANAGE_OPERATORS:
            return _did(lambda: list_operators(engine, actor))
        case Action.MANAGE_SESSIONS:
            return _did(lambda: sessions.list_open(engine, actor))
        case Action.MANAGE_OUTBOX:
            return _did(lambda: list_deliveries(engine, actor))
        case Action.READ_AUDIT:
            return _did(lambda: audit.search(engine, actor, customer_id=customer_id))
        case Action.RETURNED_MAIL_WORKLIST:
            return _did(lambda: worklist_page(Engines.single(engine), actor))
        case _:
            owner = actor.username if own else world.other.username
            return _did(lambda: require(actor, action, owner=owner))


def test_every_role_action_and_owner_on_both_databases(engine: Engine) -> None:
    """Regression: roles were decided by the seat's --operator flag and any seat closed anyone's
    callbacks. You should see each store function hand over exactly what the policy table says."""
    world = World(engine)
    wrong = []
    cases = 0
    for role in Role:
        actor = world.actors[role]
        for action in Action:
            for own in (True, False):
                cases += 1
                if _probe(world, action, actor, own) != allowed(role, action, own=own):
                    wrong.append((role.value, action.value, "own" if own else "other's"))
    assert cases == len(Role) * len(Action) * 2
    assert wrong == []


def test_every_action_has_a_rule_for_every_role() -> None:
    """Regression guard: an action added without a rule would fail open or crash at the check."""
    assert set(POLICY) == set(Action)
    assert all(set(rules) == set(Role) for rules in POLICY.values())


@pytest.mark.parametrize("action", [Action.SEE_BALANCES, Action.SEE_CARD_DIGITS, Action.SEE_FULL_ADDRESS])
def test_a_field_the_table_withholds_is_not_handed_over(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch, action: Action
) -> None:
    """Regression: a field rule that only screens honoured. You should see the store itself drop
    the balance, the card's first six digits or the street once the table says NONE."""
    world = World(sqlite_engine)
    operator = world.actors[Role.OPERATOR]
    assert _probe(world, action, operator, True)
    monkeypatch.setitem(POLICY, action, {**POLICY[action], Role.OPERATOR: Reach.NONE})
    assert not _probe(world, action, operator, True)
    profile = _profile(world, operator)
    shown = f"{profile.holdings.rows[0]} {profile.addresses[0].text}"
    assert CARD[:6] not in shown or action is not Action.SEE_CARD_DIGITS
    assert "1234.56" not in shown or action is not Action.SEE_BALANCES
