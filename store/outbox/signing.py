"""Signing a webhook request the way Stripe does, so receivers can use the same few lines.

`X-Callpop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`.
The timestamp is inside the signed text, so a receiver that rejects old timestamps also rejects
a replayed request; `X-Callpop-Event-Id` is what it dedupes on (a retry repeats the id).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Callpop-Signature"
EVENT_ID_HEADER = "X-Callpop-Event-Id"
EVENT_TYPE_HEADER = "X-Callpop-Event-Type"
TOLERANCE_S = 300


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The header value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: float, tolerance: float = TOLERANCE_S) -> bool:
    """Whether `header` signs `body` with `secret` and is at most `tolerance` seconds old
    (the receiver's side; callpop's tests check their deliveries with it)."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    stamps = fields.get("t", [])
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance:
        return False
    expected = signature(secret, body, int(stamps[0])).partition(",v1=")[2]
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))
