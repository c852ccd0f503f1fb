"""The call-event HTTP API (`callpop serve`): the telephony switch or chat gateway posts here.

One endpoint, `POST /calls`, takes every event of a call, told apart by `event`:

    {"event": "ring", "call_id": "c-1", "caller": "+390612345678", "extension": "100",
     "channel": "voice" | "chat", "email": "a@b.example"}        # event and email optional
    {"event": "answered" | "ended" | "missed" | "abandoned", "call_id": "c-1"}

`ended`: the call or chat is over (answered: it waits for its wrap-up, `wrap_up`; never answered:
`missed`). `missed`: it rang out unanswered at this extension. `abandoned`: the caller hung up or
left the chat before an answer. The first end decides; later ends are replays (`changed` false).
A ring answers 201 (200 when replayed), the others 200; unknown call 404, contradiction 409.
Anything malformed (bad JSON, JSON nested deeper than `MAX_DEPTH`, unknown or mistyped fields,
no or wrong token, a body over `MAX_BODY_BYTES` or slower than its deadline) gets a 4xx JSON
`{"error": ..., "detail": ...}` and stores nothing; a client that keeps sending wrong tokens
gets 429 (console.api_guard). The schema is served at `GET /openapi.json`, to token holders.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

import uvicorn
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from console.api_guard import BODY_TIMEOUT_S, FailedTokens, server_config
from store.call_events import CallEvent, CallEventError, Ring, advance, ring
from store.models import CallStatus, Channel

MAX_BODY_BYTES = 16 * 1024
MAX_DEPTH = 8
"""Deepest JSON nesting accepted; a call event is flat."""

log = logging.getLogger(__name__)

CallId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
Extension = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_.-]+$")]


class RingBody(BaseModel):
    """A call or chat starts ringing at `extension`. `caller` may be "" or "anonymous" (withheld)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    event: Literal["ring"] = "ring"
    call_id: CallId
    caller: Annotated[str, StringConstraints(max_length=32)]
    extension: Extension
    channel: Literal["voice", "chat"]
    email: Annotated[str, StringConstraints(max_length=254)] = ""


class StateBody(BaseModel):
    """A known call was answered, or ended (`ended`, `missed`, `abandoned`)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    event: Literal["answered", "ended", "missed", "abandoned"]
    call_id: CallId


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail, self.extra = status, error, detail, extra

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        if self.status == 429:
            headers = {"Retry-After": str(self.extra["retry_after"])}
        body = {"error": self.error, "detail": self.detail, **self.extra}
        return JSONResponse(body, status_code=self.status, headers=headers)


def make_api(engine: Engine, token: str) -> Starlette:
    """The ASGI app, storing into `engine` and requiring `Authorization: Bearer <token>`."""
    if not token:
        raise ValueError("the call-event API needs a token")
    failures = FailedTokens()

    def authorise(request: Request) -> None:
        client = request.client.host if request.client else "?"
        wait = failures.retry_after(client)
        if wait:
            raise ApiError(
                429, "too_many_failures", f"too many wrong tokens: retry in {wait} s", retry_after=wait
            )
        try:
            _authorise(request, token)
        except ApiError as refused:
            failures.failed(client)
            log.warning("refused an API call from %s: %s", client, refused.detail)  # never the token
            raise

    async def post_call(request: Request) -> JSONResponse:
        try:
            authorise(request)
            body = _validated(await _json_body(request))
            if isinstance(body, RingBody):
                event = Ring(body.call_id, body.caller, body.extension, Channel(body.channel), body.email)
                state = await run_in_threadpool(ring, engine, event)
                status = 201 if state.changed else 200
            else:
                state = await run_in_threadpool(advance, engine, body.call_id, CallEvent(body.event))
                status = 200
        except ApiError as error:
            return error.response()
        except CallEventError as error:
            return ApiError(error.status, type(error).__name__, str(error)).response()
        except SQLAlchemyError:
            log.exception("call event not stored")
            return ApiError(503, "unavailable", "the database is unavailable; retry the event").response()
        return JSONResponse(
            {"call_id": state.call_id, "status": str(state.status), "changed": state.changed},
            status_code=status,
        )

    async def openapi(request: Request) -> JSONResponse:
        try:
            authorise(request)
        except ApiError as error:
            return error.response()
        return JSONResponse(openapi_schema())

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return ApiError(exc.status_code, "http_error", str(exc.detail)).response()

    return Starlette(
        routes=[
            Route("/calls", post_call, methods=["POST"]),
            Route("/openapi.json", openapi, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error},
    )


@contextmanager
def serve_in_background(app: Starlette, host: str = "127.0.0.1") -> Iterator[str]:
    """Run `app` under uvicorn in a thread on a free port; yields its base URL (tests, benchmark)."""
    sock = socket.socket()
    sock.bind((host, 0))
    server = uvicorn.Server(server_config(app, host=host, port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.01)
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _authorise(request: Request, token: str) -> None:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <CALLPOP_API_TOKEN>")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(401, "unauthorized", "wrong API token")


async def _json_body(request: Request) -> Any:
    """The body parsed as JSON, refusing more than `MAX_BODY_BYTES` before reading it all."""
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send Content-Type: application/json")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", f"the body must be at most {MAX_BODY_BYTES} bytes")
    data = bytearray()
    try:
        async with asyncio.timeout(BODY_TIMEOUT_S):
            async for chunk in request.stream():
                data += chunk
                if len(data) > MAX_BODY_BYTES:
                    raise ApiError(413, "too_large", f"the body must be at most {MAX_BODY_BYTES} bytes")
    except TimeoutError:
        raise ApiError(408, "timeout", f"the body must arrive within {BODY_TIMEOUT_S:.0f} s") from None
    if _depth(data) > MAX_DEPTH:
        raise ApiError(400, "bad_json", f"the body nests deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ApiError(400, "bad_json", f"the body is not valid JSON: {error}") from None


def _depth(data: bytes | bytearray) -> int:
    """How deep `[`/`{` nest outside strings: checked before parsing, so 16 KiB of brackets
    cannot exhaust the parser's recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _validated(payload: Any) -> RingBody | StateBody:
    if not isinstance(payload, dict):
        raise ApiError(422, "invalid", "the body must be a JSON object")
    event = payload.get("event", "ring")
    model = RingBody if event == "ring" else StateBody
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        problems = [
            {"field": ".".join(str(part) for part in problem["loc"]) or "body", "problem": problem["msg"]}
            for problem in error.errors(include_input=False, include_url=False)
        ]
        raise ApiError(422, "invalid", "the event does not match the schema", problems=problems) from None


def openapi_schema() -> dict[str, Any]:
    """OpenAPI 3.1 description of the API, its bodies generated from the pydantic models."""
    ref = "#/components/schemas/{model}"
    error = {"$ref": "#/components/schemas/Error"}
    responses = {
        str(code): {"description": text, "content": {"application/json": {"schema": error}}}
        for code, text in [
            (400, "body is not JSON"),
            (401, "missing or wrong bearer token"),
            (404, "answered/ended/missed/abandoned for an unknown call_id"),
            (
                409,
                "the event contradicts the call (call_id reused, answered after it ended, "
                "missed or abandoned after it was answered)",
            ),
            (408, "the body did not arrive in time"),
            (413, f"body over {MAX_BODY_BYTES} bytes"),
            (415, "not application/json"),
            (422, "unknown, missing or mistyped fields"),
            (429, "too many wrong tokens from this client: wait Retry-After seconds"),
            (503, "the database is unavailable: nothing stored, retry"),
        ]
    }
    state = {"$ref": "#/components/schemas/CallState"}
    for code, text in [(200, "applied (or replayed: changed=false)"), (201, "call created, ringing")]:
        responses[str(code)] = {"description": text, "content": {"application/json": {"schema": state}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "callpop call events", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "RingBody": RingBody.model_json_schema(ref_template=ref),
                "StateBody": StateBody.model_json_schema(ref_template=ref),
                "CallState": {
                    "type": "object",
                    "properties": {
                        "call_id": {"type": "string"},
                        "status": {"enum": [str(status) for status in CallStatus]},
                        "changed": {"type": "boolean"},
                    },
                },
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
                },
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/calls": {
                "post": {
                    "summary": "Post one event of a call: ring, answered, ended, missed or abandoned",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/RingBody"},
                                        {"$ref": "#/components/schemas/StateBody"},
                                    ]
                                }
                            }
                        },
                    },
                    "responses": responses,
                }
            }
        },
    }
