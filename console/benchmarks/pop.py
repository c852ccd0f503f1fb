"""`callpop bench pop`: from a ring POSTed to the real HTTP API to the profile painted in a console.

Everything is real except the terminal: a uvicorn server in a thread, the console from
`make_app` running headless (`run_test`) with its change feed on the same database, the real
customer 360. Rings are spaced by a random pause so they land at every phase of the SQLite
poll. `accepted_to_painted` starts when the API answered 201 (the call is committed);
`sent_to_painted` also counts the HTTP round trip; `accepted_to_opened` stops when the profile
screen is on top, before it has loaded and painted (the pop's own share of the time).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console import signin
from console.api import make_api, serve_in_background
from console.app import make_app
from console.benchmarks import scratch_dir
from console.benchmarks.callers import numbers_to_ring
from console.benchmarks.stats import emit, percentiles
from console.commands import UserError
from console.config import Settings
from console.database import open_console_engine, open_engine
from console.demo_load import database_is_empty, load_demo
from console.malloc_arenas import limit_malloc_arenas
from screens.profile import ProfileScreen
from store import identity
from store.models import Role
from store.policy import Actor

TOKEN = "bench-pop"
EXTENSION = "7999"
OPERATOR, PASSWORD = "bench-pop", "pop bench seat, not a real operator"


def register(kinds: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = kinds.add_parser("pop", help="ring to profile painted, through the HTTP API", parents=parents)
    parser.add_argument("--rings", type=int, default=60, help="number of rings to time")
    parser.add_argument("--customers", type=int, default=2_000, help="demo customers loaded into an empty DB")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.rings < 1:
        raise UserError("--rings must be at least 1")
    limit_malloc_arenas()  # as `callpop run` does, before the API's and the console's threads
    with tempfile.TemporaryDirectory(prefix="run-", dir=scratch_dir(settings, "pop")) as scratch:
        if not settings.database_url:
            settings = settings.model_copy(update={"database_url": f"sqlite:///{Path(scratch) / 'pop.db'}"})
        settings = settings.model_copy(update={"extension": EXTENSION, "data_dir": Path(scratch)})
        engine = open_engine(settings, quiet=True)
        if database_is_empty(engine):
            load_demo(engine, customers=args.customers, seed=args.seed)
        if identity.operator_row(engine, OPERATOR) is None:
            identity.add_operator(
                engine, Actor("bench", Role.ADMIN), OPERATOR, role=Role.OPERATOR, extension=EXTENSION,
                password=PASSWORD,
            )  # fmt: skip
        numbers = numbers_to_ring(engine, args.rings, random.Random(args.seed))
        with serve_in_background(make_api(engine, TOKEN)) as base_url:
            result = asyncio.run(_ring_all(settings, engine, f"{base_url}/calls", numbers, args.seed))
    result.update(backend=engine.dialect.name, rings=args.rings, customers_in_db=_count(engine))
    emit(result)
    return 0


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM customer")).scalar_one())


async def _ring_all(
    settings: Settings, engine: Engine, url: str, numbers: list[str], seed: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    # the console's own engine with its pool, as `callpop run` opens it (the API keeps `engine`)
    own = open_console_engine(settings, migrate=False, quiet=True)
    # signed in as its own operator, as a seat is (without it the console waits at the sign-in)
    seat = signin.by_password(own, settings, OPERATOR, PASSWORD)
    app = make_app(settings, engine=own, signed_in=seat)
    gc.freeze()  # as `callpop run` does: measure what an operator's console gets
    accepted_ms: list[float] = []
    sent_ms: list[float] = []
    opened_ms: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot, httpx.AsyncClient() as client:
        deadline = time.monotonic() + 30
        while not app.pop_ready.is_set():
            if time.monotonic() > deadline:
                raise UserError("the console did not start listening for rings within 30 s")
            await pilot.pause(0.01)
        for number in numbers:
            await asyncio.sleep(rng.uniform(0.25, 0.5))  # the last profile is torn down by then
            call_id = f"bench-{uuid.uuid4().hex[:12]}"
            body = {"call_id": call_id, "caller": number, "extension": EXTENSION, "channel": "voice"}
            sent = time.perf_counter()
            response = await client.post(url, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
            accepted = time.perf_counter()
            if response.status_code != 201:
                raise UserError(f"the API refused a ring ({response.status_code}): {response.text}")
            screen = await _profile_for(app, call_id)
            opened_ms.append((time.perf_counter() - accepted) * 1000)
            await asyncio.wait_for(screen.painted.wait(), timeout=10)
            painted = time.perf_counter()
            accepted_ms.append((painted - accepted) * 1000)
            sent_ms.append((painted - sent) * 1000)
            while len(app.screen_stack) > 2:
                app.pop_screen()
            await pilot.pause()
    own.dispose()
    return {
        "accepted_to_opened": percentiles(opened_ms),
        "accepted_to_painted": percentiles(accepted_ms),
        "sent_to_painted": percentiles(sent_ms),
    }


async def _profile_for(app: Any, call_id: str) -> ProfileScreen:
    """The profile screen the pop opened for `call_id` (waits for it, up to 10 s)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        screen = app.screen
        if isinstance(screen, ProfileScreen) and screen.call_id == call_id:
            return screen
        await asyncio.sleep(0.001)
    raise UserError(f"no profile popped for {call_id} within 10 s")
