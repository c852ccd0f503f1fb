"""Crypto-shredding for the audit log: what a row says about a person can be forgotten without
changing the row.

The append-only, hash-chained log (store.audit) cannot delete what it holds. So the personal
fields of a row about a customer (`target`, `detail`) are stored sealed with that customer's own
AES-256-GCM key, as `k1:<key id>:<base64(nonce | ciphertext | tag)>`, the row's seq, action,
customer id and the field's name as associated data (a sealed value copied to another row or
field does not open). The chain hashes what is stored, so deleting the key (an erasure) leaves
`verify` intact and the values unreadable: they read `[erased]`. Keys live in `audit_key`, one or
more per customer (a merge moves the other record's keys to the survivor). Limits: docs/SECURITY.md.
`cryptography` is imported where a key is made or a value sealed or opened: a row about no
customer (`callpop find`'s search row) needs none, and the import is ~8 ms of its start-up.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa

from store.models.auth import AuditKey
from store.models.base import table_of
from store.models.customers import Customer
from store.timeutil import utcnow

ERASED = "[erased]"
"""What a sealed value reads once its key is gone."""
UNREADABLE = "[unreadable]"
"""What a sealed value reads when it does not open with its key (it was changed)."""
SEALED_FIELDS = ("target", "detail")
"""The audit row's fields that can name, number or quote a person."""
_SEALED = re.compile(r"k1:(\d+):([A-Za-z0-9+/]+={0,2})")
_NONCE = 12
_BATCH = 5_000
_KEYS = table_of(AuditKey)

Key = tuple[int, bytes]
"""A key's id and its 32 bytes."""


def _newest(bind: sa.Connection, customer_ids: Collection[int]) -> dict[int, Key]:
    found: dict[int, Key] = {}
    ids = sorted(customer_ids)
    for start in range(0, len(ids), _BATCH):
        query = (
            sa.select(_KEYS.c.id, _KEYS.c.customer_id, _KEYS.c.key)
            .where(_KEYS.c.customer_id.in_(ids[start : start + _BATCH]))
            .order_by(_KEYS.c.id)
        )
        found |= {row.customer_id: (row.id, bytes(row.key)) for row in bind.execute(query)}
    return found


def keys_for(bind: sa.Connection, customer_ids: Collection[int]) -> dict[int, Key]:
    """Each customer's newest key, created in `bind`'s transaction for those who have none. An
    erased customer, or an id no customer has, gets no key: nothing personal is left to seal.
    Called before the appenders' lock: the new key's foreign key waits for a merge or erasure
    holding the customer row, and that merge or erasure must not then wait for the lock."""
    if not customer_ids:
        return {}
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from store.models.data import CustomerErasure  # only a row about a customer needs it

    found = _newest(bind, customer_ids)
    missing = sorted(set(customer_ids) - found.keys())
    customers, erased = table_of(Customer), table_of(CustomerErasure)
    for start in range(0, len(missing), _BATCH):
        live = bind.scalars(
            sa.select(customers.c.id).where(
                customers.c.id.in_(missing[start : start + _BATCH]),
                ~sa.exists().where(erased.c.customer_id == customers.c.id),
            )
        ).all()
        if live:
            now = utcnow()
            new = [
                {"customer_id": c, "key": AESGCM.generate_key(bit_length=256), "created_at": now}
                for c in live
            ]
            bind.execute(sa.insert(_KEYS), new)
            found |= _newest(bind, live)
    return found


def _associated(seq: int, action: str, customer_id: int | None, name: str) -> bytes:
    return json.dumps([seq, action, customer_id, name], separators=(",", ":")).encode()


def seal_fields(fields: dict[str, Any], seq: int, keys: Mapping[int, Key]) -> dict[str, Any]:
    """`fields` (an audit row's, before hashing) with its personal fields sealed under its
    customer's key from `keys`; unchanged without one, and an empty field stays empty."""
    key = keys.get(fields["customer_id"])
    if key is None:
        return fields
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key_id, secret = key
    sealed = dict(fields)
    for name in SEALED_FIELDS:
        text = str(fields[name])
        if text:
            nonce = os.urandom(_NONCE)
            aad = _associated(seq, fields["action"], fields["customer_id"], name)
            body = nonce + AESGCM(secret).encrypt(nonce, text.encode(), aad)
            sealed[name] = f"k1:{key_id}:{base64.b64encode(body).decode()}"
    return sealed


def key_ids(values: Collection[str]) -> set[int]:
    """The ids of the keys that sealed these stored values."""
    return {int(m.group(1)) for m in map(_SEALED.fullmatch, values) if m}


def load_keys(bind: sa.Connection, ids: Collection[int]) -> dict[int, bytes]:
    """The keys with these ids that still exist."""
    found: dict[int, bytes] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), _BATCH):
        query = sa.select(_KEYS.c.id, _KEYS.c.key).where(_KEYS.c.id.in_(wanted[start : start + _BATCH]))
        found |= {row.id: bytes(row.key) for row in bind.execute(query)}
    return found


def open_field(stored: str, row: Mapping[str, Any], name: str, keys: Mapping[int, bytes]) -> str:
    """A stored field as written: clear text as is, sealed text opened, or `[erased]` /
    `[unreadable]` when its key is gone or it does not open."""
    match = _SEALED.fullmatch(stored)
    if match is None:
        return stored
    secret = keys.get(int(match.group(1)))
    if secret is None:
        return ERASED
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        body = base64.b64decode(match.group(2), validate=True)
        aad = _associated(row["seq"], row["action"], row["customer_id"], name)
        return AESGCM(secret).decrypt(body[:_NONCE], body[_NONCE:], aad).decode()
    except (InvalidTag, ValueError, binascii.Error):
        return UNREADABLE
