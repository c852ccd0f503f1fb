"""Real `callpop` server processes for tests (`serve`, `web`): started on free ports of this
project's range, waited for by polling, stopped with SIGTERM (then SIGKILL)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

PORTS = range(18050, 18100)
"""Where test servers listen (this project's range on a shared machine)."""
START_DEADLINE_S = 60.0
_CALLPOP = "import sys; from console.cli import main; sys.exit(main(sys.argv[1:]))"


def free_ports(count: int) -> list[int]:
    """`count` ports of `PORTS` that nothing listens on now."""
    free = []
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        free.append(port)
        if len(free) == count:
            return free
    raise RuntimeError(f"fewer than {count} free ports in {PORTS}")


def start_callpop(
    args: list[str], log: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`callpop ARGS` in a child process of this checkout's code, its output in `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", _CALLPOP, *args],
            env=None if env is None else dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_until_answers(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll `url` until the server answers anything (or fail with its output)."""
    deadline = time.monotonic() + START_DEADLINE_S
    while True:
        assert process.poll() is None, f"the server exited: {log.read_text(errors='replace')}"
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"the server did not start: {log.read_text(errors='replace')}"
            time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
