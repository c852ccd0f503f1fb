"""A real process on a pseudo-terminal, as a person's terminal over SSH gives it: a size, a
controlling tty, keys as bytes, and every byte the program writes back, timed and, when asked,
fed to `pyte` (a terminal emulator) so what the screen shows can be read cell by cell."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

_T = TypeVar("_T")


def _take_terminal() -> None:
    """In the child, after setsid: make the pty its controlling terminal, as sshd does, so the
    terminal's signals (ctrl+z, ctrl+c, a hang-up) reach it."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtySession:
    """`argv` running on a new pty of `columns`x`lines`, its output collected by a thread."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        columns: int = 80,
        lines: int = 24,
        emulate: bool = False,
    ) -> None:
        self._master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            start_new_session=True,
            preexec_fn=_take_terminal,
        )
        os.close(slave)
        self._output = bytearray()
        self._lock = threading.Lock()
        self.screen: Any = None
        """A `pyte.Screen` of what the terminal shows (with `emulate`); read it under `lock`."""
        if emulate:
            import pyte

            self.screen = pyte.Screen(columns, lines)
            self._stream = pyte.ByteStream(self.screen)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # EIO: the program closed the terminal
                return
            if not chunk:
                return
            with self._lock:
                self._output += chunk
                if self.screen is not None:
                    self._stream.feed(chunk)

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def shown(self) -> str:
        """The emulated screen's text, line by line."""
        with self._lock:
            return "\n".join(self.screen.display)

    @property
    def output(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    def output_with_screen(self, read: Callable[[Any], _T]) -> tuple[bytes, _T]:
        """Every byte so far and `read(screen)`, taken at one moment (a blinking cursor keeps
        writing between two separate reads)."""
        with self._lock:
            return bytes(self._output), read(self.screen)

    def send(self, data: bytes) -> None:
        os.write(self._master, data)

    def wait_for(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        """Poll `condition` (a real wait for a real process); AssertionError with the output on timeout."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; the program wrote: {self.output[-2000:]!r}")
            time.sleep(0.02)

    def wait_for_text(self, text: bytes, timeout: float = 30.0) -> None:
        self.wait_for(lambda: text in self.output, timeout)

    def wait_shown(self, text: str, timeout: float = 30.0) -> None:
        """Wait until the emulated screen shows `text` (painted, not merely written)."""
        self.wait_for(lambda: text in self.shown(), timeout)

    def state(self) -> str:
        """The process's state letter from /proc (R, S, T when stopped, Z when it has exited)."""
        with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]

    def close(self) -> int:
        """Exit status (killed if still running)."""
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        os.close(self._master)
        return code

    def __enter__(self) -> PtySession:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
