"""Several `callpop serve` processes behind a load balancer share one PostgreSQL database: a ring
sent to any of them pops the right console exactly once, and the same ring sent to two of them
(a load balancer's retry) is still one call and one pop.

Two real `callpop serve` subprocesses on ports of this machine, one console listening.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.screen import Screen

import console.app
from console.app import CallpopApp, make_app
from console.config import Settings
from tests.conftest import POSTGRES_ONLY
from tests.factories import make_customer
from tests.harness import sign_in, until
from tests.servers import free_ports, start_callpop, stop, wait_until_answers

TOKEN = "several-servers-share-one-database"


class PoppedProfile(Screen[None]):
    """Stands in for the customer 360 and remembers every pop: (customer, call)."""

    opened: list[tuple[int, str | None]] = []

    def __init__(self, customer_id: int, *, call_id: str | None = None, preloaded: object = None) -> None:
        super().__init__()
        PoppedProfile.opened.append((customer_id, call_id))


@pytest.fixture(autouse=True)
def _profile_stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    PoppedProfile.opened = []
    monkeypatch.setattr(console.app, "ProfileScreen", PoppedProfile)


@pytest.fixture
def servers(database_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """The base URLs of two `callpop serve` processes on the database of `database_url`."""
    with ExitStack() as stack:
        started = []
        env = {**os.environ, "CALLPOP_DATABASE_URL": database_url, "CALLPOP_API_TOKEN": TOKEN}
        for index, port in enumerate(free_ports(2)):
            log = tmp_path / f"serve-{index}.log"
            process = start_callpop(["serve", "--host", "127.0.0.1", "--port", str(port)], log, env)
            stack.callback(stop, process)
            started.append((process, f"http://127.0.0.1:{port}", log))
        for process, url, log in started:
            wait_until_answers(process, f"{url}/openapi.json", log)
        yield [url for _, url, _ in started]


def _console(engine: Engine, tmp_path: Path) -> CallpopApp:
    settings = Settings(operator="anna", extension="100", default_region="IT", data_dir=tmp_path)
    return make_app(settings, engine=engine, signed_in=sign_in(engine, "anna", extension="100"))


def _ring(base_url: str, call_id: str, caller: str, extension: str = "100") -> int:
    body = {"call_id": call_id, "caller": caller, "extension": extension, "channel": "voice"}
    response = httpx.post(
        f"{base_url}/calls", json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10.0
    )
    assert response.status_code in (200, 201), response.text
    return response.status_code


@POSTGRES_ONLY
async def test_rings_sent_to_either_server_pop_the_right_console_once(
    engine: Engine, tmp_path: Path, servers: list[str]
) -> None:
    """Issue 14: you should see each ring pop its own caller once, whichever
    server took it, and a ring retried on the other server neither pop again nor make a call."""
    callers = [
        make_customer(engine, given, "Rossi", phones=(f"+3906123456{n:02d}",))
        for n, given in enumerate(("Maria", "Luca", "Sara", "Paolo"))
    ]
    other_seat = make_customer(engine, "Nina", "Conti", phones=("+390699999999",))
    app = _console(engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, app.pop_ready.is_set)
        expected: list[tuple[int, str | None]] = []
        for n, customer in enumerate(callers):
            assert customer.id is not None
            call_id = f"lb-{n}"
            assert _ring(servers[n % 2], call_id, f"+3906123456{n:02d}") == 201
            assert _ring(servers[(n + 1) % 2], call_id, f"+3906123456{n:02d}") == 200  # the retry
            expected.append((customer.id, call_id))
            await until(pilot, lambda: len(PoppedProfile.opened) >= len(expected), timeout=30)
        _ring(servers[1], "lb-elsewhere", "+390699999999", extension="200")
        # A last ring, after which any duplicate of the ones before would already have popped.
        assert _ring(servers[0], "lb-last", "+390612345600") == 201
        await until(pilot, lambda: PoppedProfile.opened[-1:] == [(callers[0].id, "lb-last")], timeout=30)
    assert PoppedProfile.opened == [*expected, (callers[0].id, "lb-last")]
    assert all(customer_id != other_seat.id for customer_id, _ in PoppedProfile.opened)
    with engine.connect() as connection:
        calls = connection.execute(sa.text("SELECT count(*) FROM call")).scalar_one()
    assert calls == len(callers) + 2
