"""Thread workers that let go of what they ran.

Textual runs a thread worker in the event loop's default executor and marks it as the thread's
current worker (`textual.worker.active_worker`) in the executor thread's own context, which
`run_in_executor` does not replace per job. So an idle pool thread kept its last worker, and
through it the worker's screen (a closed wrap-up with its form and notes, a closed profile),
until that thread happened to run something else (a saved wrap-up was seen kept 14-20 s in a
test on a loaded machine), and for as long as the thread stayed idle on a quiet console. Here
each job runs in a context of its own, dropped when the job ends. (`asyncio.to_thread` already
copies the caller's context; run inside this one, it behaves as before.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import Context
from typing import ParamSpec, TypeVar

from textual.app import App

P = ParamSpec("P")
T = TypeVar("T")


class JobContextExecutor(ThreadPoolExecutor):
    """A thread pool that runs every job in a new, empty context."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return super().submit(_in_a_context_of_its_own, fn, *args, **kwargs)


def _in_a_context_of_its_own(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    return Context().run(fn, *args, **kwargs)


class WorkersLetGo(App[None]):
    """An app whose thread workers run in `JobContextExecutor` (see the module docstring)."""

    def on_load(self) -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(JobContextExecutor(thread_name_prefix="callpop-worker"))
