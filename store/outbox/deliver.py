"""The dispatcher: claim due deliveries, POST them signed (SENDERS at a time), record what came back.

A 2xx is delivered (and never sent again); anything else, a timeout or a refused connection is a
failed attempt, retried after an exponential backoff with jitter (so endpoints that come back
are not hit by every dispatcher at once) until `RetryPolicy.max_attempts`, then dead. Redirects
are not followed (a signed body must not land somewhere the file does not name). The error kept
is the status code or the error's class and message, with the endpoint's URL and secret cut out.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from store.models.outbox import DeliveryStatus
from store.outbox.config import Endpoint
from store.outbox.ledger import BATCH, Claimed, Outcome, claim_due, fan_out, prune, record_outcomes
from store.outbox.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signature
from store.timeutil import utcnow

log = logging.getLogger("callpop.outbox")
IDLE_S = 1.0
"""How long an idle dispatcher waits before looking for due work again."""
SENDERS = 8
"""Requests in flight at once: a hanging endpoint holds up one sender, not the whole batch."""
PRUNE_EVERY_S = 3600.0
"""How often a running dispatcher deletes events delivered long ago (`ledger.prune`)."""


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed delivery is tried again: `base_s` x 2^(attempt-1), capped at `cap_s`, times
    a random factor in [0.5, 1); dead after `max_attempts` (the defaults span about a day)."""

    base_s: float = 10.0
    cap_s: float = 3600.0
    max_attempts: int = 30
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def next_attempt(self, attempt: int, now: datetime) -> datetime | None:
        if attempt >= self.max_attempts:
            return None
        delay = min(self.cap_s, self.base_s * 2 ** min(attempt - 1, 32))
        return now + timedelta(seconds=delay * (0.5 + self.rng.random() / 2))


@dataclass
class Round:
    """What one `deliver_once` did."""

    fanned_out: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0

    def count(self, status: DeliveryStatus, kept: bool) -> None:
        """One attempt's outcome, if it was kept (its claim still held)."""
        if not kept:
            return
        if status is DeliveryStatus.DELIVERED:
            self.delivered += 1
        elif status is DeliveryStatus.FAILED:
            self.failed += 1
        else:
            self.dead += 1

    @property
    def busy(self) -> bool:
        return bool(self.fanned_out or self.delivered or self.failed or self.dead)


def lease_for(endpoints: Sequence[Endpoint], seconds: float | None = None) -> timedelta:
    """How long a claim holds its deliveries (a killed dispatcher's are due again after it):
    `seconds` when set (`CALLPOP_OUTBOX_LEASE_SECONDS`), else longer than a whole claimed batch
    may take (BATCH requests, SENDERS at a time, each at most twice its timeout: connect, then
    read) plus 30 s, so a live dispatcher never loses a claim."""
    if seconds is not None:
        return timedelta(seconds=seconds)
    rounds = -(-BATCH // SENDERS)
    return timedelta(seconds=rounds * 2 * _slowest(endpoints) + 30)


def claim_size(endpoints: Sequence[Endpoint], lease: timedelta) -> int:
    """How many deliveries one claim takes: what SENDERS can finish within `lease` (BATCH with
    the default lease), at least one. A lease shorter than one request (twice the timeout) may
    see that request sent twice, with the same event id; never lost."""
    slowest = 2 * _slowest(endpoints)
    if slowest <= 0:
        return BATCH
    return max(1, min(BATCH, SENDERS * int(lease.total_seconds() // slowest)))


def _slowest(endpoints: Sequence[Endpoint]) -> float:
    return max((endpoint.timeout for endpoint in endpoints), default=0.0)


def deliver_once(
    engine: Engine,
    endpoints: Sequence[Endpoint],
    *,
    policy: RetryPolicy | None = None,
    client: httpx.Client | None = None,
    clock: Callable[[], datetime] = utcnow,
    lease_s: float | None = None,
) -> Round:
    """Fan out new events, then send every delivery due now (one claim of at most a batch).
    `client` is kept open for the caller (the loop reuses its connections); `clock` is now;
    `lease_s` overrides the lease (`lease_for`)."""
    policy = policy or RetryPolicy()
    done = Round(fanned_out=fan_out(engine, endpoints, clock()))
    lease = lease_for(endpoints, lease_s)
    claims = claim_due(engine, endpoints, clock(), lease, limit=claim_size(endpoints, lease))
    if not claims:
        return done
    by_name = {endpoint.name: endpoint for endpoint in endpoints}
    owned = httpx.Client(follow_redirects=False) if client is None else None
    http = client or owned
    assert http is not None
    with owned or nullcontext(), ThreadPoolExecutor(min(SENDERS, len(claims)), "callpop-send") as pool:
        sending = {pool.submit(_send, http, by_name[claim.endpoint], claim): claim for claim in claims}
        waiting = set(sending)
        while waiting:  # outcomes are kept as they arrive, those that arrived together in one commit
            finished, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            outcomes = [_outcome(sending[future], future.result(), policy, clock()) for future in finished]
            for outcome, kept in zip(outcomes, record_outcomes(engine, outcomes), strict=True):
                done.count(outcome.status, kept)
    return done


def _outcome(claim: Claimed, error: str | None, policy: RetryPolicy, now: datetime) -> Outcome:
    if error is None:
        return Outcome(claim, now)
    return Outcome(claim, now, error, policy.next_attempt(claim.attempt, now))


def _send(http: httpx.Client, endpoint: Endpoint, claim: Claimed) -> str | None:
    """POST one delivery; None on a 2xx, else what went wrong (no URL, secret or body in it)."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "callpop-outbox",
        SIGNATURE_HEADER: signature(endpoint.secret, claim.body, int(time.time())),
        EVENT_ID_HEADER: claim.event_id,
        EVENT_TYPE_HEADER: claim.event_type,
    }
    try:
        response = http.post(endpoint.url, content=claim.body, headers=headers, timeout=endpoint.timeout)
    except httpx.HTTPError as error:
        text = f"{type(error).__name__}: {error}"
        for secret in (endpoint.url, endpoint.secret):
            text = text.replace(secret, "[hidden]")
        return text
    if response.is_success:
        return None
    return f"HTTP {response.status_code} {response.reason_phrase}"


def run(
    engine: Engine,
    endpoints: Sequence[Endpoint],
    stop: threading.Event,
    *,
    policy: RetryPolicy | None = None,
    idle_s: float = IDLE_S,
    lease_s: float | None = None,
) -> None:
    """Deliver until `stop` is set (`callpop serve`'s background thread, `callpop outbox deliver`).
    A database outage is logged and waited out; nothing is lost, the rows are still there."""
    policy = policy or RetryPolicy()
    pruned_at = -PRUNE_EVERY_S
    with httpx.Client(follow_redirects=False) as http:
        while not stop.is_set():
            try:
                if time.monotonic() - pruned_at >= PRUNE_EVERY_S:
                    prune(engine, utcnow())
                    pruned_at = time.monotonic()
                busy = deliver_once(engine, endpoints, policy=policy, client=http, lease_s=lease_s).busy
            except DBAPIError as error:
                log.warning("outbox: database unavailable (%s); retrying", type(error.orig).__name__)
                busy = False
            if not busy:
                stop.wait(idle_s)
