"""Tables of the customer search index (kept current by `store.search.sync`, whose flush hook
`store.search.install_index_hook` registers).

They are plain Core tables: the index is written and read in bulk with Core statements, never as
ORM objects. Token and digit columns compare byte-wise ("C" collation on PostgreSQL, SQLite's
binary default) so a prefix is a range query on the index.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

import store.models.customers  # noqa: F401  (foreign keys: the index points at customer and phone)


def bytewise_string(length: int) -> sa.types.TypeEngine[str]:
    """A VARCHAR that sorts by code point on both backends, so `>= p AND < p'` finds prefixes."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


search_token = sa.Table(
    "search_token",
    SQLModel.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token", bytewise_string(64), nullable=False),
    sa.Column("df", sa.Integer, nullable=False, default=0),  # customers holding it: an estimate
    sa.Index("ix_search_token_token", "token", unique=True),
)

search_token_key = sa.Table(  # deletion neighbourhood: hash of a token with 0-2 letters deleted
    "search_token_key",
    SQLModel.metadata,
    sa.Column("key", sa.BigInteger, nullable=False),
    sa.Column("token_id", sa.Integer, nullable=False),
    sa.Index("ix_search_token_key_key", "key", "token_id"),
)

search_posting = sa.Table(
    "search_posting",
    SQLModel.metadata,
    sa.Column("token_id", sa.Integer, nullable=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
    sa.Index("ix_search_posting_token", "token_id", "customer_id"),
    sa.Index("ix_search_posting_customer", "customer_id", "token_id"),
)

search_name = sa.Table(  # each customer's tokens as " tok1 tok2 ": checked with LIKE on a few candidates
    "search_name",
    SQLModel.metadata,
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tokens", sa.Text, nullable=False),
    sa.Column("changed", sa.Float, nullable=True),  # epoch seconds, database clock (trigger, 0020)
    sa.Index("ix_search_name_changed", "changed"),
)

search_phone = sa.Table(
    "search_phone",
    SQLModel.metadata,
    sa.Column("phone_id", sa.Integer, sa.ForeignKey("phone.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
    sa.Column("nsn", bytewise_string(20), nullable=False),  # national significant number
    sa.Column("rdigits", bytewise_string(20), nullable=False),  # E.164 digits reversed: suffix = prefix
    sa.Index("ix_search_phone_customer", "customer_id"),
    sa.Index("ix_search_phone_nsn", "nsn"),
    sa.Index("ix_search_phone_rdigits", "rdigits"),
)

search_purge = sa.Table(  # one row per erasure (no personal data): the name engines' purge generation
    "search_purge",
    SQLModel.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),  # epoch seconds, database clock
)

REBUILT_INDEXES = (
    "ix_search_token_key_key",
    "ix_search_posting_token",
    "ix_search_posting_customer",
    "ix_search_phone_customer",
    "ix_search_phone_nsn",
    "ix_search_phone_rdigits",
)
"""Indexes a full rebuild on SQLite drops before its bulk insert and creates again after (one
sort instead of a B-tree insert per row); its readers keep their snapshot meanwhile. Not on
PostgreSQL: DROP INDEX locks the table until commit, and every console's search and every ring's
pop would wait for the rebuild (a 1,000,000-customer rebuild there takes ~8 s longer instead)."""
