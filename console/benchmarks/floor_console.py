"""One console of `callpop bench floor`: a real headless `CallpopApp` driven the way an operator is.

It runs in a process of its own (spawned by console/benchmarks/floor.py), signed in as its own
operator at its own extension. Until its time is up it types lookups at about `KEYS_PER_S` and
opens some of the customers found, and every `RING_EVERY_S` (the first soon after the start) a
call rings it through the real HTTP API: the pop is painted, an offer answered, the wrap-up
typed and saved with ctrl+s.

Timings (ms) per action:
- `lookup`: the last key of a typed query until the results answer it, less the console's search
  settle pause (`ConsoleContext.search_settle_s`, the wait that lets fast typing search once);
- `profile_view`: Enter on a result until the profile is painted;
- `pop_painted`: the API's 201 until the popped profile is painted;
- `offers_shown`: the API's 201 until the pop's offers are listed;
- `wrapup_save`: ctrl+s until the wrap-up screen has its answer ("saved").
Anything that goes wrong is counted as an error, with the first few said: a `DatabaseUnavailable`
or `LocalFileProblem` message anywhere in the app, a save that was only queued, a step that did
not happen in time.
"""

from __future__ import annotations

import asyncio
import gc
import http.client
import json
import random
import resource
import threading
import time
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from textual.message import Message
from textual.widgets import Input

from console import signin
from console.app import make_app
from console.config import Settings
from console.database import open_console_engine
from console.malloc_arenas import limit_malloc_arenas
from screens.lookup import LookupScreen
from screens.outage import DatabaseUnavailable, LocalFileProblem
from screens.profile import ProfileScreen
from screens.widgets.offers_panel import OffersPanel
from screens.wrapup import WrapUpScreen

KEYS_PER_S = 5.0
RING_EVERY_S = (15.0, 30.0)
GREETING_S = (0.6, 1.2)
"""From the pop to the first key on it: the operator greets the caller and reads the offer. A key
sooner would be part of the typing the pop cut short (console.key_order), and dropped."""
RSS_EVERY_S = 30.0
"""How often a console's RSS is sampled while it works (about six times in a run under 3 min)."""
STEP_TIMEOUT_S = 20.0
"""A step that has not happened by then is an error (the console is stuck, not slow)."""
ACTIONS = ("lookup", "profile_view", "pop_painted", "offers_shown", "wrapup_save")


class StepFailed(Exception):
    """A step of the operator's script did not happen: counted as an error, the script goes on."""


@dataclass(frozen=True)
class SeatPlan:
    """What one console process is given (picklable: it crosses into a spawned process)."""

    index: int
    username: str
    password: str
    settings: Settings
    api_url: str
    token: str
    tag: str
    seconds: float
    seed: int
    numbers: list[str]
    """Phone numbers to ring, each owned by exactly one customer (so a ring pops one profile)."""
    queries: list[str]
    """What the operator types at the lookup (a given name and the start of a family name)."""

    @property
    def extension(self) -> str:
        return self.settings.extension


@dataclass
class SeatResult:
    index: int
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    rings: int = 0
    wrapups_saved: int = 0
    offers_listed: int = 0
    """Offers on the popped profiles of saved wrap-ups: each is written as a presentation row."""
    offers_answered: int = 0
    keys: int = 0
    errors: list[str] = field(default_factory=list)
    busy_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    end_rss_mb: float = 0.0
    """RSS once the work is done (the console is still open): what it settled at, below its peak."""
    end_anonymous_mb: float = 0.0
    """Of `end_rss_mb`, the anonymous pages (its heap, its Python objects): what each console adds.
    The rest is file-backed (the libraries' code: tantivy's and cryptography's are 7 MB each), one
    copy in the page cache for every console on the server."""
    rss_series_mb: list[float] = field(default_factory=list)
    """RSS every `rss_every_s` of work: whether it levels off over a shift or keeps growing."""
    rss_every_s: float = RSS_EVERY_S


def run_seat(plan: SeatPlan, start: Any) -> SeatResult:
    """The process's entry point: the console runs until `plan.seconds` after every console is
    ready (`start` is a multiprocessing barrier shared by all of them)."""
    result = SeatResult(plan.index)
    limit_malloc_arenas()  # as `callpop run` does, before the console's threads start
    try:
        asyncio.run(_Operator(plan, result, start).work())
    except Exception as error:  # noqa: BLE001 - a console that dies is an error of the run, said
        result.errors.append(f"the console stopped: {type(error).__name__}: {error}"[:300])
        start.abort()  # the others do not wait for it (nothing happens once they have started)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.cpu_s = round(usage.ru_utime + usage.ru_stime, 2)
    result.peak_rss_mb = _own_status_mb("VmHWM") or round(usage.ru_maxrss / 1024, 1)
    result.timings = dict(result.timings)
    return result


def _key_name(typed: str) -> str:
    """Pilot's name for a typed character (a space is "space"); a key name stays as it is."""
    return "space" if typed == " " else typed


def _own_status_mb(key: str) -> float | None:
    """This process's own `key` of /proc/self/status in MB (VmHWM: its peak RSS; VmRSS: now;
    RssAnon: its anonymous part now), or None where /proc has none. Not ru_maxrss for the peak:
    Linux keeps it across fork and exec, so a spawned console reported its parent's peak (the
    bench process, which built the base)."""
    with suppress(OSError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith(f"{key}:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def _post(url: str, body: dict[str, str], token: str) -> tuple[int, str]:
    """POST `body` as JSON to the API; its status and text. http.client, not httpx: importing
    httpx (with the click, pygments and anyio it pulls in) added 5 MB to the RSS of a console
    that never uses it (issue #14)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=STEP_TIMEOUT_S)
    try:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        connection.request("POST", parts.path, json.dumps(body), headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


class _Operator:
    def __init__(self, plan: SeatPlan, result: SeatResult, start: Any) -> None:
        self.plan, self.result, self.start = plan, result, start
        self.rng = random.Random(f"{plan.seed}-{plan.index}")
        self.calls = 0
        self.problems: list[str] = []
        self.lock = threading.Lock()

    def _heard(self, message: Message) -> None:
        """Every message of the app passes here: a database or local-file failure is an error."""
        if isinstance(message, (DatabaseUnavailable, LocalFileProblem)):
            with self.lock:
                self.problems.append(f"{type(message).__name__}: {message.what}: {message.detail}"[:300])

    async def work(self) -> None:
        plan = self.plan
        engine = open_console_engine(plan.settings, migrate=False, quiet=True)
        actor = signin.by_password(engine, plan.settings, plan.username, plan.password)
        self.app = app = make_app(plan.settings, engine=engine, signed_in=actor)
        gc.freeze()  # as `callpop run` does
        running = app.run_test(size=(120, 40), message_hook=self._heard)
        async with running as pilot:
            self.pilot = pilot
            await self._until(lambda: app.pop_ready.is_set() and isinstance(app.screen, LookupScreen))
            await asyncio.to_thread(self.start.wait, 600)
            began = time.monotonic()
            deadline, ring_at = began + plan.seconds, began  # the first call comes first, staggered
            sampling = asyncio.create_task(self._sample_rss())
            await asyncio.sleep(self.rng.uniform(0, min(RING_EVERY_S[0], plan.seconds / 4)))
            while time.monotonic() < deadline:
                try:
                    if time.monotonic() >= ring_at:
                        ring_at = time.monotonic() + self.rng.uniform(*RING_EVERY_S)
                        await self._take_call()
                    else:
                        await self._look_up(open_it=self.rng.random() < 0.5)
                except StepFailed as error:
                    self.result.errors.append(str(error)[:300])
                    try:
                        await self._back_to_lookup()
                    except StepFailed as stuck:  # this console cannot go on: say so, stop it
                        self.result.errors.append(str(stuck)[:300])
                        break
            sampling.cancel()
            self.result.busy_s = round(time.monotonic() - began, 2)
            self.result.end_rss_mb = _own_status_mb("VmRSS") or 0.0
            self.result.end_anonymous_mb = _own_status_mb("RssAnon") or 0.0
        self.result.errors.extend(self.problems)
        context = app.context
        if context.reader is not None:
            context.reader.dispose()
        engine.dispose()

    async def _sample_rss(self) -> None:
        """VmRSS every `rss_every_s` until cancelled (about six samples in a short run)."""
        every = self.result.rss_every_s = min(RSS_EVERY_S, self.plan.seconds / 6)
        while True:
            await asyncio.sleep(every)
            self.result.rss_series_mb.append(_own_status_mb("VmRSS") or 0.0)

    # --- the operator's script -------------------------------------------------------------------

    async def _look_up(self, *, open_it: bool) -> None:
        """Type a query at KEYS_PER_S, wait for its answer, maybe open the first match and read it."""
        screen = self.app.screen
        if not isinstance(screen, LookupScreen):
            raise StepFailed(f"not on the lookup: {type(screen).__name__}")
        query = self.rng.choice(self.plan.queries)
        box = screen.query_one("#query", Input)
        await self._type(query[:-1])
        await asyncio.sleep(1 / KEYS_PER_S)
        answered = await self._press_until(
            query[-1], lambda: box.value == query and screen.shows_latest, f"no results for {query!r}"
        )
        settle_ms = self.app.context.search_settle_s * 1000
        self.result.timings["lookup"].append(max(0.0, answered - settle_ms))
        if open_it:
            opened = await self._press_until("enter", self._painted_profile, f"no profile for {query!r}")
            self.result.timings["profile_view"].append(opened)
            await asyncio.sleep(self.rng.uniform(1.0, 2.0))  # reading it
        await self._back_to_lookup()

    async def _take_call(self) -> None:
        """A ring through the API: pop painted, an offer answered, the wrap-up typed and saved."""
        await self._back_to_lookup()
        self.calls += 1
        call_id = f"floor-{self.plan.tag}-{self.plan.index}-{self.calls}"
        body = {
            "call_id": call_id,
            "caller": self.rng.choice(self.plan.numbers),
            "extension": self.plan.extension,
            "channel": "voice",
        }
        status, answer = await asyncio.to_thread(_post, f"{self.plan.api_url}/calls", body, self.plan.token)
        accepted = time.perf_counter()
        if status != 201:
            raise StepFailed(f"the API refused the ring ({status}): {answer[:200]}")
        self.result.rings += 1
        profile = await self._until(lambda: self._popped(call_id), f"no pop painted for {call_id}")
        self.result.timings["pop_painted"].append((time.perf_counter() - accepted) * 1000)
        panel = profile.query_one(OffersPanel)
        await self._until(lambda: not panel.looking, f"no offers listed for {call_id}")
        self.result.timings["offers_shown"].append((time.perf_counter() - accepted) * 1000)
        offers = len(panel.suggestions)
        await asyncio.sleep(self.rng.uniform(*GREETING_S))
        if offers:
            await self.pilot.press("a")
        await asyncio.sleep(self.rng.uniform(1.0, 2.0))  # talking
        await self.pilot.press("w")
        wrapup = await self._until(lambda: self._wrapup_of(call_id), f"no wrap-up opened for {call_id}")
        await self.pilot.press("enter", "enter")
        await self._type(f"{self.plan.tag} {self.calls}")
        status = wrapup.query_one("#save-status")  # kept: the screen goes once it is finished
        saved = await self._press_until(
            "ctrl+s", lambda: wrapup.finished, f"the wrap-up of {call_id} never finished"
        )
        self.result.timings["wrapup_save"].append(saved)
        if not status.has_class("-saved"):
            raise StepFailed(f"the wrap-up of {call_id} was not saved: {status.render()}")
        self.result.wrapups_saved += 1
        self.result.offers_listed += offers
        self.result.offers_answered += offers > 0
        await self._until(lambda: isinstance(self.app.screen, LookupScreen), "no lookup after the wrap-up")

    async def _type(self, text: str) -> None:
        """Type `text` at KEYS_PER_S. Returns once the app has handled its last key, not a key
        interval later."""
        last = time.perf_counter()
        for n, key in enumerate(text):
            if n:
                await asyncio.sleep(max(0.0, last + 1 / KEYS_PER_S - time.perf_counter()))
            last = time.perf_counter()
            await self.pilot.press(_key_name(key))
            self.result.keys += 1
        await self.pilot.pause()

    async def _press_until(self, key: str, condition: Any, what: str) -> float:
        """Press `key` (a character or a key name) and wait for `condition`: the ms between.
        Watched while the press is still running, because Pilot's press returns only once the
        app's animations are over (the "saved" toast fades in for 300 ms), which the operator
        does not wait for: timed from the press's return, a 23 ms save read as 300 ms."""
        started = time.perf_counter()
        pressing = asyncio.create_task(self.pilot.press(_key_name(key)))
        try:
            await self._until(condition, what)
            return (time.perf_counter() - started) * 1000
        finally:
            await pressing
            if len(key) == 1:  # typed, as `_type` counts
                self.result.keys += 1

    # --- waiting for the screen ------------------------------------------------------------------

    def _painted_profile(self) -> ProfileScreen | None:
        screen = self.app.screen
        return screen if isinstance(screen, ProfileScreen) and screen.painted.is_set() else None

    def _popped(self, call_id: str) -> ProfileScreen | None:
        screen = self._painted_profile()
        return screen if screen is not None and screen.call_id == call_id else None

    def _wrapup_of(self, call_id: str) -> WrapUpScreen | None:
        screen = self.app.screen
        return screen if isinstance(screen, WrapUpScreen) and screen.call_id == call_id else None

    async def _until(self, condition: Any, what: str = "the console never got ready") -> Any:
        """Poll `condition` (every 2 ms, the screen keeps running) until it is truthy; its value."""
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while not (found := condition()):
            if time.monotonic() > deadline:
                raise StepFailed(what)
            await asyncio.sleep(0.002)
        return found

    async def _back_to_lookup(self) -> None:
        """Escape up to the lookup and clear it. A wrap-up left open by a failed step is saved
        (it is never dropped; its call is then counted as an error, not as a saved wrap-up)."""
        for _attempt in range(6):
            screen = self.app.screen
            if isinstance(screen, LookupScreen):
                await self.pilot.press("escape")
                await self._until(partial(getattr, screen, "shows_latest"), "the lookup never cleared")
                return
            if isinstance(screen, WrapUpScreen):
                await self.pilot.press("ctrl+s")
                finished = partial(getattr, screen, "finished")
                await self._until(finished, f"the wrap-up of {screen.call_id} never finished")
            else:
                await self.pilot.press("escape")
            await asyncio.sleep(0.05)
        raise StepFailed(f"could not get back to the lookup from {type(self.app.screen).__name__}")
