"""Real webhook receivers on 127.0.0.1 for the outbox tests. The flaky one: per event id it first
answers 500, then takes the event and hangs past the sender's timeout (the answer is lost), then
answers 200 to the repeat, which it recognises by `X-Callpop-Event-Id` and does not take again.
The holding one takes every event and holds each request unanswered until `release` is set."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from store.outbox.signing import EVENT_ID_HEADER, SIGNATURE_HEADER


@dataclass
class Received:
    """One request as it arrived."""

    event_id: str
    signature: str
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    taken: Counter[str] = field(default_factory=Counter)
    """How many times each event id was acted on (the receiver's dedupe keeps it at 1)."""
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attempts(self, event_id: str) -> int:
        with self.lock:
            return sum(1 for r in self.requests if r.event_id == event_id)


@contextmanager
def flaky_receiver() -> Iterator[Receiver]:
    """The receiver on an ephemeral port; the hung requests are let go when the block ends."""
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            event_id = self.headers.get(EVENT_ID_HEADER, "")
            with receiver.lock:
                receiver.requests.append(Received(event_id, self.headers.get(SIGNATURE_HEADER, ""), body))
                seen = sum(1 for r in receiver.requests if r.event_id == event_id)
                if seen >= 2 and receiver.taken[event_id] == 0:
                    receiver.taken[event_id] += 1
            if seen == 1:
                self._answer(500)
                return
            if seen == 2:
                receiver.release.wait(30)  # far past the sender's timeout
            self._answer(200)

        def _answer(self, status: int) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    with _serving(receiver, Handler):
        yield receiver


@contextmanager
def holding_receiver() -> Iterator[Receiver]:
    """The receiver that answers nothing until `release` is set (a sender killed meanwhile never
    hears back), then 200; each event id is taken once however often it arrives."""
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            event_id = self.headers.get(EVENT_ID_HEADER, "")
            with receiver.lock:
                receiver.requests.append(Received(event_id, self.headers.get(SIGNATURE_HEADER, ""), body))
                receiver.taken[event_id] = 1
            receiver.release.wait(60)
            try:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender is gone

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    with _serving(receiver, Handler):
        yield receiver


@contextmanager
def _serving(receiver: Receiver, handler: type[BaseHTTPRequestHandler]) -> Iterator[None]:
    """Serve `handler` on an ephemeral port (its URL into `receiver`); held requests are let go
    when the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}/hooks"
    try:
        yield
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
