"""`console.worker_threads`: a finished thread worker does not keep its closed screen alive."""

from __future__ import annotations

import gc
import weakref

from textual import work
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from console.app import CallpopApp
from console.worker_threads import WorkersLetGo
from tests.harness import ScreenHarness, until


class Reading(Screen[None]):
    """Reads something in a thread worker as it opens, as the wrap-up and the profile do."""

    read = False

    def on_mount(self) -> None:
        self._read()

    @work(thread=True)
    def _read(self) -> None:
        self.read = True


class Host(WorkersLetGo):
    def on_mount(self) -> None:
        self.push_screen(Screen())


async def test_a_closed_screen_is_not_kept_by_the_thread_that_ran_its_worker() -> None:
    """Regression: the pool thread that ran a screen's worker kept it as its current worker until
    it ran another job: a saved wrap-up stayed in memory 14-20 s in a test on a loaded machine,
    and here, where nothing else runs, for good. You should see the closed screen freed at once."""
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        closed = await _opened_and_closed(app, pilot)
        await until(pilot, lambda: gc.collect() >= 0 and closed() is None, timeout=5)


async def _opened_and_closed(app: Host, pilot: Pilot[None]) -> weakref.ref[Reading]:
    screen = Reading()
    await app.push_screen(screen)
    await until(pilot, lambda: screen.read and not app.workers)
    app.pop_screen()
    return weakref.ref(screen)


def test_the_console_and_the_test_harness_let_their_workers_go() -> None:
    for app in (CallpopApp, ScreenHarness):
        assert issubclass(app, WorkersLetGo) and issubclass(app, App)
