"""search: 4-letter tokens get their 2-deletion keys (two typos are tolerated from 4 letters on);
names in other scripts are re-indexed under their transliteration ("Иванов" is found as "ivanov")

Revision ID: 0008_search
Revises: 0008_auth

The deletion and hashing rules are copied here, not imported, so the key step keeps doing what it
did when store.search.fold changes later. The re-index step uses store.search itself (the tokens
are whatever the search reads now); its downgrade leaves them, as the older search finds Latin
tokens too.
"""

from __future__ import annotations

from hashlib import blake2b

import sqlalchemy as sa
from alembic import op

revision = "0008_search"
down_revision = "0008_auth"
branch_labels = None
depends_on = None

BATCH = 5_000


def _key(text: str) -> int:
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def _two_deletions(token: str) -> set[str]:
    """Strings made from a 4-letter token by deleting exactly two letters (one was stored already)."""
    return {token[:i] + token[i + 1 : j] + token[j + 1 :] for i in range(4) for j in range(i + 1, 4)}


def _apply(statement: str) -> None:
    """Run `statement` once per 2-deletion key of every 4-letter token."""
    connection = op.get_bind()
    tokens = connection.execute(sa.text("SELECT id, token FROM search_token WHERE length(token) = 4")).all()
    rows = [{"key": _key(d), "token_id": i} for i, token in tokens for d in _two_deletions(token)]
    for start in range(0, len(rows), BATCH):
        connection.execute(sa.text(statement), rows[start : start + BATCH])


def _reindex_changed_names() -> None:
    """Re-post every customer whose tokens as the search now folds them differ from the stored ones."""
    from store.search.sync import customer_tokens, name_row, reindex_customer

    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT c.id, c.given_name, c.family_name, c.display_name, n.tokens FROM customer c "
            "JOIN search_name n ON n.customer_id = c.id"
        ).execution_options(yield_per=BATCH)  # on the statement: the re-index must not use a cursor
    )
    changed = []  # read all first: the rows stream while the re-index writes
    for row in rows:
        tokens = customer_tokens(row.given_name, row.family_name, row.display_name)
        if name_row(row.id, tokens)["tokens"] != row.tokens:
            changed.append((row.id, tokens))
    for customer_id, tokens in changed:
        reindex_customer(connection, customer_id, tokens)


def upgrade() -> None:
    _apply("INSERT INTO search_token_key (key, token_id) VALUES (:key, :token_id)")
    _reindex_changed_names()


def downgrade() -> None:
    _apply("DELETE FROM search_token_key WHERE key = :key AND token_id = :token_id")
