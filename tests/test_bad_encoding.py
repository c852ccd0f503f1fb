"""One badly encoded name (a bad import: bytes that are not UTF-8, or Latin-1 mojibake with C1
controls) must not break the search for everyone, nor drop a pop on a line that person shares."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.search import find_by_phone, find_customers, rebuild_index
from tests.factories import make_customer

SHARED_LINE = "+390612345678"


def _spoil_name(engine: Engine, customer_id: int) -> None:
    """Write the name as a bad import would, past the ORM: SQLite stores bytes that are not UTF-8
    (it never checks); PostgreSQL refuses those, so there it is mojibake with a C1 control."""
    if engine.dialect.name == "sqlite":
        bad = "CAST(x'4c75ff6361' AS TEXT)"  # "Lu", 0xFF, "ca"
    else:
        bad = "convert_from('\\x4c75c29f63c3a1'::bytea, 'UTF8')"  # "Lu", U+009F, "cá"
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                f"UPDATE customer SET given_name = {bad}, display_name = {bad} || ' Rossi' WHERE id = :id"
            ),
            {"id": customer_id},
        )


def test_a_badly_encoded_name_breaks_neither_search_nor_a_shared_line_pop(engine: Engine) -> None:
    """Regression: one customer name with an invalid UTF-8 byte made every search that touched it
    fail ("search unavailable") and dropped the pop on the line that customer shares. You should
    see the search find both Rossis, the bad bytes shown as U+FFFD, and the pop list both callers."""
    maria = make_customer(engine, "Maria", "Rossi", phones=(SHARED_LINE,))
    luca = make_customer(engine, "Luca", "Rossi", phones=(SHARED_LINE,))
    assert luca.id is not None
    _spoil_name(engine, luca.id)
    rebuild_index(engine)  # what a bulk import runs next

    result = find_customers(engine, "Rossi", region="IT")
    assert {match.customer_id for match in result.matches} == {maria.id, luca.id}, result.hint
    shown = next(match.display_name for match in result.matches if match.customer_id == luca.id)
    assert shown.startswith("Lu") and shown.endswith(" Rossi")
    assert "\x9f" not in shown and "\udcff" not in shown

    callers = find_by_phone(engine, SHARED_LINE, region="IT")
    assert {match.customer_id for match in callers} == {maria.id, luca.id}
