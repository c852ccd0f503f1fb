"""What an imported row points at, looked up a chunk at a time: customers by external id (a
merged-away id finds the survivor; an erased person is found by nobody), products by code,
holdings by product and reference."""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa
from sqlmodel import col

from store.models import Customer, Holding, Product
from store.models.data import CustomerAlias, CustomerErasure


def customer_ids(connection: sa.Connection, external_ids: set[str]) -> dict[str, int]:
    if not external_ids:
        return {}
    wanted = sorted(external_ids)
    erased = sa.select(col(CustomerErasure.customer_id))
    rows = connection.execute(
        sa.select(col(Customer.external_id), col(Customer.id)).where(
            col(Customer.external_id).in_(wanted), col(Customer.id).not_in(erased)
        )
    )
    found = {external_id: cast(int, customer_id) for external_id, customer_id in rows}
    missing = [key for key in wanted if key not in found]
    if missing:
        found.update(
            connection.execute(
                sa.select(col(CustomerAlias.old_external_id), col(CustomerAlias.customer_id)).where(
                    col(CustomerAlias.old_external_id).in_(missing)
                )
            ).all()
        )
    return found


def products(connection: sa.Connection, codes: set[str]) -> dict[str, tuple[int, str]]:
    """Product code -> (id, category)."""
    rows = connection.execute(
        sa.select(col(Product.code), col(Product.id), col(Product.category)).where(
            col(Product.code).in_(sorted(codes))
        )
    )
    return {code: (cast(int, product_id), str(category)) for code, product_id, category in rows}


def holding_ids(connection: sa.Connection, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(product code, reference) -> holding id."""
    if not pairs:
        return {}
    rows = connection.execute(
        sa.select(col(Product.code), col(Holding.reference), col(Holding.id))
        .join(Product, col(Product.id) == col(Holding.product_id))
        .where(sa.tuple_(col(Product.code), col(Holding.reference)).in_(sorted(pairs)))
    )
    return {(code, reference): cast(int, holding_id) for code, reference, holding_id in rows}


def unknown(reason: str, value: str) -> str:
    return f"{reason} {value[:40]!r} is not in callpop"
