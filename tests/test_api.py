"""The call-event API: events apply idempotently; anything malformed is a 4xx that stores nothing."""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console.api import MAX_BODY_BYTES, make_api
from console.commands import Unavailable, UserError, ring, serve
from console.config import load_settings
from store.call_events import load_call
from store.db import make_engine

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
RING = {"call_id": "c-1", "caller": "+390612345678", "extension": "100", "channel": "voice"}


@pytest.fixture
async def client(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_api(engine, TOKEN))
    async with httpx.AsyncClient(transport=transport, base_url="http://callpop.test") as client:
        yield client


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def _statuses(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text("SELECT call_id, status FROM call"))]


async def test_ring_creates_the_call_once_and_tells_its_extension(
    engine: Engine, client: httpx.AsyncClient
) -> None:
    first = await client.post("/calls", json=RING, headers=AUTH)
    replay = await client.post("/calls", json=RING, headers=AUTH)
    assert (first.status_code, first.json()) == (
        201,
        {"call_id": "c-1", "status": "ringing", "changed": True},
    )
    assert (replay.status_code, replay.json()["changed"]) == (200, False)
    with engine.connect() as connection:
        topics = connection.execute(sa.text("SELECT topic, key FROM change_event ORDER BY id")).all()
    assert [tuple(t) for t in topics] == [("ring:100", "c-1"), ("call", "c-1")]


async def test_answered_then_ended_goes_to_wrap_up_and_replays_are_harmless(
    engine: Engine, client: httpx.AsyncClient
) -> None:
    await client.post("/calls", json=RING, headers=AUTH)
    answered = await client.post("/calls", json={"event": "answered", "call_id": "c-1"}, headers=AUTH)
    ended = await client.post("/calls", json={"event": "ended", "call_id": "c-1"}, headers=AUTH)
    again = await client.post("/calls", json={"event": "ended", "call_id": "c-1"}, headers=AUTH)
    late = await client.post("/calls", json={"event": "answered", "call_id": "c-1"}, headers=AUTH)
    assert [r.status_code for r in (answered, ended, again, late)] == [200, 200, 200, 200]
    assert [r.json()["status"] for r in (answered, ended)] == ["answered", "wrap_up"]
    assert again.json()["changed"] is False and late.json()["changed"] is False
    assert _statuses(engine) == [("c-1", "wrap_up")]


async def test_unanswered_call_that_ends_is_missed(engine: Engine, client: httpx.AsyncClient) -> None:
    """Regression (issue 9, defect 7): a popped call nobody answered stayed `ringing` or became
    `done` as if handled. You should see `missed`, and a late `answered` refused."""
    await client.post("/calls", json=RING, headers=AUTH)
    ended = await client.post("/calls", json={"event": "ended", "call_id": "c-1"}, headers=AUTH)
    refused = await client.post("/calls", json={"event": "answered", "call_id": "c-1"}, headers=AUTH)
    assert (ended.status_code, ended.json()["status"]) == (200, "missed")
    assert refused.status_code == 409
    assert "already ended" in refused.json()["detail"]
    assert _statuses(engine) == [("c-1", "missed")]


@pytest.mark.parametrize(("event", "status"), [("missed", "missed"), ("abandoned", "abandoned")])
async def test_missed_and_abandoned_events_give_the_call_its_state(
    engine: Engine, client: httpx.AsyncClient, event: str, status: str
) -> None:
    """Regression (issue 9, defect 7): the API knew only answered/ended. You should see the call
    take the state the platform names, a replay change nothing, and the change on the feed."""
    await client.post("/calls", json=RING, headers=AUTH)
    first = await client.post("/calls", json={"event": event, "call_id": "c-1"}, headers=AUTH)
    replay = await client.post("/calls", json={"event": "ended", "call_id": "c-1"}, headers=AUTH)
    assert (first.status_code, first.json()) == (200, {"call_id": "c-1", "status": status, "changed": True})
    assert (replay.status_code, replay.json()["changed"], replay.json()["status"]) == (200, False, status)
    assert _statuses(engine) == [("c-1", status)]
    with engine.connect() as connection:
        keys = connection.execute(sa.text("SELECT topic, key FROM change_event ORDER BY id")).all()
    assert [tuple(k) for k in keys][-1] == ("call", "c-1")


async def test_an_answered_call_cannot_be_missed(engine: Engine, client: httpx.AsyncClient) -> None:
    await client.post("/calls", json=RING, headers=AUTH)
    await client.post("/calls", json={"event": "answered", "call_id": "c-1"}, headers=AUTH)
    refused = await client.post("/calls", json={"event": "abandoned", "call_id": "c-1"}, headers=AUTH)
    assert (refused.status_code, refused.json()["error"]) == (409, "CallConflict")
    assert _statuses(engine) == [("c-1", "answered")]


async def test_unknown_call_and_reused_call_id_are_refused(engine: Engine, client: httpx.AsyncClient) -> None:
    unknown = await client.post("/calls", json={"event": "answered", "call_id": "nope"}, headers=AUTH)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "UnknownCall")
    await client.post("/calls", json=RING, headers=AUTH)
    reused = await client.post("/calls", json={**RING, "extension": "200"}, headers=AUTH)
    assert reused.status_code == 409
    assert _count(engine, "call") == 1


async def test_chat_keeps_the_email_and_caller_text_is_sanitised(
    engine: Engine, client: httpx.AsyncClient
) -> None:
    body = {"call_id": "chat-1", "caller": "Bob\x1b]52;c;ZWNo\x07", "extension": "100", "channel": "chat"}
    response = await client.post("/calls", json={**body, "email": "Ana@Example.COM"}, headers=AUTH)
    assert response.status_code == 201
    call = load_call(engine, "chat-1")
    assert call is not None
    assert (call.caller, call.email, call.channel) == ("Bob", "ana@example.com", "chat")


BAD_REQUESTS = {
    "no token": (401, {}, json.dumps(RING)),
    "wrong token": (401, {"Authorization": "Bearer nope"}, json.dumps(RING)),
    "basic auth": (401, {"Authorization": "Basic czNjcmV0"}, json.dumps(RING)),
    "bad json": (400, AUTH, '{"call_id": "c-1",'),
    "not an object": (422, AUTH, json.dumps([RING])),
    "unknown field": (422, AUTH, json.dumps({**RING, "priority": "high"})),
    "missing field": (422, AUTH, json.dumps({k: v for k, v in RING.items() if k != "extension"})),
    "wrong type": (422, AUTH, json.dumps({**RING, "extension": 100})),
    "bad channel": (422, AUTH, json.dumps({**RING, "channel": "fax"})),
    "bad event": (422, AUTH, json.dumps({"event": "transferred", "call_id": "c-1"})),
    "extension with markup": (422, AUTH, json.dumps({**RING, "extension": "[b]100"})),
    "caller too long": (422, AUTH, json.dumps({**RING, "caller": "1" * 33})),
    "oversized": (413, AUTH, json.dumps({**RING, "email": "x" * (MAX_BODY_BYTES + 1)})),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
async def test_bad_request_is_a_clear_4xx_and_stores_nothing(
    engine: Engine, client: httpx.AsyncClient, case: str
) -> None:
    status, headers, body = BAD_REQUESTS[case]
    response = await client.post(
        "/calls", content=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["error"] and response.json()["detail"]
    assert _count(engine, "call") == 0
    assert _count(engine, "change_event") == 0


async def test_oversized_chunked_body_without_length_is_refused(
    engine: Engine, client: httpx.AsyncClient
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 1024

    response = await client.post("/calls", content=chunks(), headers=AUTH)
    assert response.status_code == 413
    assert _count(engine, "call") == 0


async def test_wrong_content_type_and_unknown_route_answer_json(client: httpx.AsyncClient) -> None:
    form = await client.post("/calls", data={"call_id": "c-1"}, headers=AUTH)
    assert (form.status_code, form.json()["error"]) == (415, "unsupported_media_type")
    missing = await client.get("/nowhere", headers=AUTH)
    assert (missing.status_code, missing.json()["error"]) == (404, "http_error")
    wrong_method = await client.get("/calls", headers=AUTH)
    assert wrong_method.status_code == 405


async def test_openapi_schema_describes_the_events(client: httpx.AsyncClient) -> None:
    assert (await client.get("/openapi.json")).status_code == 401
    schema = (await client.get("/openapi.json", headers=AUTH)).json()
    post = schema["paths"]["/calls"]["post"]
    assert {"200", "201", "400", "401", "404", "409", "413", "422"} <= set(post["responses"])
    ring_schema = schema["components"]["schemas"]["RingBody"]
    assert set(ring_schema["required"]) == {"call_id", "caller", "extension", "channel"}
    assert ring_schema["additionalProperties"] is False
    state_events = schema["components"]["schemas"]["StateBody"]["properties"]["event"]["enum"]
    assert set(state_events) == {"answered", "ended", "missed", "abandoned"}
    statuses = schema["components"]["schemas"]["CallState"]["properties"]["status"]["enum"]
    assert {"missed", "abandoned", "wrap_up"} <= set(statuses)


def _args(command: ModuleType, *argv: str) -> argparse.Namespace:
    """`argv` parsed by the verb's own parser (the handlers are called the way the CLI calls them)."""
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers(), [])
    return parser.parse_args([command.__name__.rsplit(".", 1)[-1], *argv])


def test_serve_refuses_to_start_without_a_token() -> None:
    with pytest.raises(UserError, match="CALLPOP_API_TOKEN"):
        serve.run(_args(serve, "--port", "1"), load_settings())


def test_ring_says_when_the_server_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    """No server is not a typing mistake: Unavailable (exit 1), not UserError (exit 2)."""
    monkeypatch.setenv("CALLPOP_API_TOKEN", TOKEN)
    args = _args(ring, "100", "+390612345678", "--url", "http://127.0.0.1:9/calls")
    with pytest.raises(Unavailable, match="is `callpop serve` running"):
        ring.run(args, load_settings())


async def test_database_failure_is_a_503_json(tmp_path: Path) -> None:
    unmigrated = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    transport = httpx.ASGITransport(app=make_api(unmigrated, TOKEN))
    async with httpx.AsyncClient(transport=transport, base_url="http://callpop.test") as client:
        response = await client.post("/calls", json=RING, headers=AUTH)
    assert (response.status_code, response.json()["error"]) == (503, "unavailable")
    unmigrated.dispose()


async def test_hostile_caller_and_email_are_stored_clean(
    engine: Engine, client: httpx.AsyncClient, hostile: str
) -> None:
    """Every hostile string as the caller and the chat e-mail: accepted or refused with a 4xx,
    and whatever is stored carries no escape sequence, control character or bidi override."""
    body = {"call_id": "c-h", "caller": hostile[:200], "extension": "100", "channel": "chat",
            "email": hostile[:200]}  # fmt: skip
    response = await client.post("/calls", json=body, headers=AUTH)
    assert response.status_code in (201, 422)
    call = load_call(engine, "c-h")
    if response.status_code == 422:
        assert call is None
        return
    assert call is not None
    for stored in (call.caller, call.email):
        assert not any(ch in stored for ch in "\x1b\x9b\x00\x07\u202e\n\r")
