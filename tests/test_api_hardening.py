"""The call-event API against hostile clients: token guessing, deep JSON, slow connections,
replays that change the call, short tokens; and real rings still get through."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from console.api import make_api, serve_in_background
from console.api_guard import FAILED_TOKEN_LIMIT, GuardedH11
from console.commands import UserError, serve
from console.config import load_settings
from tests.test_api import AUTH, RING, TOKEN, _args


def _client(engine: Engine, address: str = "10.1.1.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=make_api(engine, TOKEN), client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://callpop.test")


@pytest.fixture
async def client(sqlite_engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(sqlite_engine) as client:
        yield client


async def test_a_client_guessing_tokens_gets_429_and_others_do_not(sqlite_engine: Engine) -> None:
    """Regression: unlimited token guesses. You should see 429 with Retry-After after the limit,
    even for the right token from that client, while another client still rings."""
    app = make_api(sqlite_engine, TOKEN)
    guesser = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("10.0.0.66", 1)), base_url="http://t"
    )
    switch = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("10.0.0.10", 1)), base_url="http://t"
    )
    async with guesser, switch:
        for _ in range(FAILED_TOKEN_LIMIT):
            assert (
                await guesser.post("/calls", json=RING, headers={"Authorization": "Bearer guess"})
            ).status_code == 401
        throttled = await guesser.post("/calls", json=RING, headers=AUTH)
        assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
        assert (await switch.post("/calls", json=RING, headers=AUTH)).status_code == 201


async def test_failed_tokens_are_logged_without_the_token(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await client.post("/calls", json=RING, headers={"Authorization": "Bearer my-secret-guess"})
    assert "refused an API call from 10.1.1.1" in caplog.text and "my-secret-guess" not in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        "[" * 5000 + "]" * 5000,
        json.dumps({**RING, "email": None})[:-1] + ', "x": ' + "[" * 3000 + "]" * 3000 + "}",
    ],
)
async def test_deeply_nested_json_is_a_400_not_a_500(client: httpx.AsyncClient, body: str) -> None:
    """Regression: 16 KiB of brackets exhausted the parser's recursion: 500. You should see 400."""
    response = await client.post("/calls", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert (response.status_code, response.json()["error"]) == (400, "bad_json")


async def test_media_type_is_compared_case_insensitively(client: httpx.AsyncClient) -> None:
    headers = {**AUTH, "Content-Type": "Application/JSON; Charset=UTF-8"}
    assert (await client.post("/calls", content=json.dumps(RING), headers=headers)).status_code == 201


@pytest.mark.parametrize("change", [{"channel": "chat"}, {"email": "someone@example.com"}])
async def test_a_replayed_call_id_that_changes_the_call_is_409(
    engine: Engine, change: dict[str, str]
) -> None:
    """Regression: a call_id replayed with another channel or e-mail answered a silent 200. You
    should see 409 and the same replay still 200."""
    async with _client(engine) as client:
        assert (await client.post("/calls", json=RING, headers=AUTH)).status_code == 201
        assert (await client.post("/calls", json=RING, headers=AUTH)).status_code == 200
        assert (await client.post("/calls", json={**RING, **change}, headers=AUTH)).status_code == 409


def test_serve_refuses_short_tokens_and_half_tls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CALLPOP_API_TOKEN", "x" * 31)
    with pytest.raises(UserError, match="at least 32"):
        serve.run(_args(serve, "--port", "1"), load_settings())
    monkeypatch.setenv("CALLPOP_API_TOKEN", "x" * 32)
    with pytest.raises(UserError, match="both --certfile and --keyfile"):
        serve.run(_args(serve, "--port", "1", "--certfile", str(tmp_path / "c.pem")), load_settings())


def _slow_client(port: int, source: str) -> socket.socket:
    """A connection that sends half a request line and then nothing (slowloris)."""
    sock = socket.socket()
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"POST /calls HTTP/1.1\r\nHost: x\r\n")
    return sock


def _closed(sock: socket.socket) -> bool:
    sock.settimeout(0.05)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def test_slow_clients_are_capped_and_dropped_while_rings_still_pop(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: 300 slow connections stopped every ring. You should see 300 half-sent requests
    from 10 loopback addresses held, each address capped at its connection limit, a real ring
    from another address answered at once, and every slow connection dropped at the deadline."""
    monkeypatch.setattr(GuardedH11, "header_timeout_s", 2.0)
    with serve_in_background(make_api(sqlite_engine, TOKEN)) as base:
        port = int(base.rsplit(":", 1)[1])
        slow = [_slow_client(port, f"127.0.0.{2 + i % 10}") for i in range(300)]
        over = [_slow_client(port, "127.0.0.2") for _ in range(GuardedH11.per_client)]
        answer = httpx.post(f"{base}/calls", json=RING, headers=AUTH, timeout=5)
        assert answer.status_code == 201
        deadline = time.monotonic() + 2
        while not all(_closed(sock) for sock in over[-2:]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(_closed(sock) for sock in over[-2:])  # 30 + 32 > the cap for 127.0.0.2
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and not all(_closed(sock) for sock in slow[::37]):
            time.sleep(0.1)
        assert all(_closed(sock) for sock in slow[::37])
        for sock in slow + over:
            sock.close()
