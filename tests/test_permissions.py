"""Field-level permission: an operator sees a customer's age, a supervisor also the birth date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from screens.messages import OpenProfile
from screens.profile import ProfileScreen
from screens.widgets.profile_header import ProfileHeader
from store.db import write_session
from store.models import Operator, Role
from store.profile import load_profile
from tests.factories import make_customer
from tests.harness import console, until

TODAY = date(2026, 11, 22)
BORN = date(1982, 3, 4)


def _staff(engine: Engine) -> None:
    with write_session(engine) as session:
        session.add(Operator(username="anna", display_name="Anna", role=Role.OPERATOR, extension="100"))
        session.add(Operator(username="sofia", display_name="Sofia", role=Role.SUPERVISOR, extension="200"))


def test_birth_date_is_handed_only_to_roles_that_may_see_it(engine: Engine) -> None:
    customer = make_customer(engine, birth_date=BORN)
    assert customer.id is not None
    as_operator = load_profile(engine, customer.id, today=TODAY)
    as_supervisor = load_profile(engine, customer.id, today=TODAY, role=Role.SUPERVISOR)
    assert as_operator is not None and as_supervisor is not None
    assert (as_operator.header.age, as_operator.header.birth_date) == (44, None)
    assert as_supervisor.header.birth_date == BORN


async def _header_of(engine: Engine, tmp_path: Path, operator: str, customer_id: int) -> str:
    app = console(engine, tmp_path, operator=operator)
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(OpenProfile(customer_id))
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
        return app.screen.query_one(ProfileHeader).render().plain  # type: ignore[union-attr]


@pytest.mark.parametrize(("operator", "shows_birth_date"), [("anna", False), ("sofia", True)])
async def test_console_shows_the_birth_date_by_role(
    sqlite_engine: Engine, tmp_path: Path, operator: str, shows_birth_date: bool
) -> None:
    _staff(sqlite_engine)
    customer = make_customer(sqlite_engine, birth_date=BORN)
    assert customer.id is not None
    header = await _header_of(sqlite_engine, tmp_path, operator, customer.id)
    assert " y" in header
    assert ("born 1982-03-04" in header) is shows_birth_date
