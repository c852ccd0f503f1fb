"""What keeps the call-event API up against slow, greedy or guessing clients.

- `GuardedH11`, uvicorn's HTTP/1.1 protocol with a header deadline (a client that has not sent
  its request headers `HEADER_TIMEOUT_S` after connecting, or after its previous response, is
  disconnected) and a cap of `PER_CLIENT_CONNECTIONS` open connections per client address, so
  one slow or flooding host cannot hold every connection while real rings wait.
- `server_config`: that protocol, a global connection cap (503 beyond it), keep-alive and TLS.
- `FailedTokens`: a client that sent `FAILED_TOKEN_LIMIT` wrong tokens within
  `FAILED_TOKEN_WINDOW_S` gets 429 until the window passes; failures are logged, never the token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 10.0
"""The whole body must arrive within this (console.api)."""
PER_CLIENT_CONNECTIONS = 32
MAX_CONNECTIONS = 1_000
KEEP_ALIVE_S = 5
FAILED_TOKEN_LIMIT = 10
FAILED_TOKEN_WINDOW_S = 60.0
MIN_TOKEN_LENGTH = 32

log = logging.getLogger("console.api")


class GuardedH11(H11Protocol):
    """uvicorn's h11 protocol with a request-header deadline and a per-client connection cap."""

    header_timeout_s = HEADER_TIMEOUT_S
    per_client = PER_CLIENT_CONNECTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._peer = ""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._peer = self.client[0] if self.client else "?"
        counts = _open_connections(self.server_state)
        counts[self._peer] += 1
        if counts[self._peer] > self.per_client:
            log.warning("refused a connection from %s: %d already open", self._peer, self.per_client)
            transport.close()
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        counts = _open_connections(self.server_state)
        counts[self._peer] -= 1
        if counts[self._peer] <= 0:
            del counts[self._peer]
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm()  # the headers are in: the body has its own deadline (console.api)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # a kept-alive connection's next request must come in time too

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        if not self.transport.is_closing():
            log.warning("dropped %s: no request headers within %.0f s", self._peer, self.header_timeout_s)
            self.transport.close()


def _open_connections(server_state: Any) -> Counter[str]:
    """Per-address open connections of one server (kept on uvicorn's per-server state)."""
    counts = getattr(server_state, "callpop_clients", None)
    if counts is None:
        counts = server_state.callpop_clients = Counter()
    return counts


def server_config(
    app: Any, *, host: str, port: int, certfile: Path | None = None, keyfile: Path | None = None, **extra: Any
) -> uvicorn.Config:
    """The uvicorn configuration `callpop serve` runs with (and the tests' background server)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=GuardedH11,
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=KEEP_ALIVE_S,
        h11_max_incomplete_event_size=16 * 1024,
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
        access_log=False,
        lifespan="off",
        **extra,
    )


class FailedTokens:
    """Wrong tokens per client address in a sliding window."""

    def __init__(self, limit: int = FAILED_TOKEN_LIMIT, window_s: float = FAILED_TOKEN_WINDOW_S) -> None:
        self.limit, self.window_s = limit, window_s
        self._seen: dict[str, deque[float]] = {}

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._seen.setdefault(client, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def retry_after(self, client: str) -> int:
        """Seconds until `client` may try again; 0 when it is not throttled."""
        now = time.monotonic()
        times = self._recent(client, now)
        if len(times) < self.limit:
            if not times:
                self._seen.pop(client, None)
            return 0
        return max(1, int(times[0] + self.window_s - now) + 1)

    def failed(self, client: str) -> None:
        self._recent(client, time.monotonic()).append(time.monotonic())
        if len(self._seen) > 10_000:  # a spoofing flood must not grow memory without bound
            self._seen.pop(next(iter(self._seen)))
