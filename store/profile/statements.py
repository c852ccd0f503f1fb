"""What the profile's statements built once share: the customer and the page are parameters.

Building a statement (the union behind the timeline above all) cost more than running it, on every
profile read; built once, each read only binds `customer_id` (and `offset`, `limit`, `today`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from store.models import TicketStatus

CUSTOMER = sa.bindparam("customer_id", type_=sa.Integer)
"""The customer of a statement built once: given as a parameter when it is executed."""
OPEN_STATUSES = (TicketStatus.OPEN.value, TicketStatus.PENDING.value)


def paged(query: Any) -> Any:
    """`query` with its page (`offset`, `limit`) given when it is executed."""
    return query.offset(sa.bindparam("offset", type_=sa.Integer)).limit(
        sa.bindparam("limit", type_=sa.Integer)
    )
