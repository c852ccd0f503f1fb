"""`find_duplicates` on both databases: real duplicates found, households and strangers not."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from console.cli import main
from store.dedupe import find_duplicates, likely_duplicates
from store.models import Role
from store.policy import Actor, Forbidden
from tests.factories import make_customer
from tests.test_import_customers import ADMIN

BORN = date(1980, 2, 3)


def test_duplicates_are_found_with_reasons_and_households_are_not(engine: Engine) -> None:
    """Regression: a household sharing a landline is not one person. You should see the typo'd
    re-registration (same mobile, same birth date) and the same e-mail pair, not the household."""
    maria = make_customer(
        engine, "Maria", "Rossi", phones=("+393471234567", "+390612345678"), birth_date=BORN
    )
    again = make_customer(engine, "Maria", "Rosi", phones=("+393471234567",), birth_date=BORN)
    make_customer(engine, "Luca", "Rossi", phones=("+390612345678",))  # same landline: household
    ana = make_customer(engine, "Ana", "Lopes", emails=("ana@example.com",))
    ana2 = make_customer(engine, "Ana Maria", "Lopes", emails=("ana@example.com",))
    make_customer(engine, "Sean", "Rossi", birth_date=BORN)  # same birth date and initial only

    pairs = find_duplicates(engine, actor=ADMIN, min_score=70)

    found = {(p.a.id, p.b.id): p for p in pairs}
    assert set(found) == {(maria.id, again.id), (ana.id, ana2.id)}
    assert {"same phone", "same birth date"} <= set(found[(maria.id, again.id)].reasons)
    assert "same e-mail" in found[(ana.id, ana2.id)].reasons
    assert all(0 <= p.score <= 100 for p in pairs)
    only = find_duplicates(engine, actor=ADMIN, min_score=70, only={ana2.id})  # type: ignore[arg-type]
    assert [(p.a.id, p.b.id) for p in only] == [(ana.id, ana2.id)]
    with pytest.raises(Forbidden):
        find_duplicates(engine, actor=Actor("op", Role.OPERATOR))


def test_a_customers_likely_duplicates_come_as_lookup_rows(engine: Engine) -> None:
    """Regression: the merge picker listed a customer's likely duplicate with its name and score
    only (phone, city, age and status blank). You should see it as the lookup shows a customer,
    with the pair's reasons, and only the pairs of that customer."""
    maria = make_customer(engine, "Maria", "Rossi", phones=("+393471234567",), birth_date=BORN, city="Roma")
    again = make_customer(engine, "Maria", "Rosi", phones=("+393471234567",), birth_date=BORN, city="Milano")
    make_customer(engine, "Ana", "Lopes", emails=("ana@example.com",))
    make_customer(engine, "Ana Maria", "Lopes", emails=("ana@example.com",))
    assert maria.id is not None

    (match, reasons), *others = likely_duplicates(engine, actor=ADMIN, customer_id=maria.id, min_score=60)

    assert others == [] and match.customer_id == again.id and "same phone" in reasons
    assert (match.city, match.status, match.matched_on) == ("Milano", "active", "dedupe")
    assert match.masked_phone.endswith("4567") and match.age is not None


def test_dedupe_verb_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import json

    from store.db import make_engine
    from tests.test_import_cli import acting_database

    url = acting_database(tmp_path, Role.SUPERVISOR)  # supervisors may list duplicates
    engine = make_engine(url)
    make_customer(engine, "Maria", "Rossi", phones=("+393471234567",), birth_date=BORN)
    make_customer(engine, "Maria", "Rosi", phones=("+393471234567",), birth_date=BORN)
    engine.dispose()
    capsys.readouterr()

    assert main(["dedupe", "--json", "--database", url]) == 0
    pairs = json.loads(capsys.readouterr().out)
    assert len(pairs) == 1 and pairs[0]["score"] >= 80 and pairs[0]["a"]["phones"] == ["+393471234567"]
