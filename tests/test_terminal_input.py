"""The real console on a real terminal (a pseudo-terminal, 80x24) survives bytes that are not UTF-8."""

from __future__ import annotations

import fcntl
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest

from console.acting import os_account
from store.db import make_engine
from tests.harness import operator_row

CTRL_Q = b"\x11"


class Terminal:
    """A pseudo-terminal running one process; collects everything the process writes."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.master = master
        self.output = bytearray()
        self._changed = threading.Condition()
        self.closed = False
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
        )
        os.close(slave)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                chunk = b""
            with self._changed:
                self.output += chunk
                self.closed = not chunk
                self._changed.notify_all()
            if not chunk:
                return

    def wait_for(self, text: bytes, timeout: float = 30.0) -> bool:
        """Whether the process writes `text` within `timeout` (False at once if it has ended)."""
        with self._changed:
            self._changed.wait_for(lambda: text in self.output or self.closed, timeout=timeout)
            return text in self.output

    def send(self, data: bytes) -> None:
        os.write(self.master, data)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Textual's Linux driver reads bytes")
def test_an_invalid_utf8_byte_does_not_end_the_console(sqlite_template: Path, tmp_path: Path) -> None:
    """Regression: one byte that is not UTF-8 (`tmux send-keys -H ff`) raised UnicodeDecodeError in
    Textual's input thread and ended the console. You should see the console take the typing that
    follows it, then quit normally on ctrl+q."""
    database = tmp_path / "callpop.db"
    shutil.copyfile(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    operator_row(engine, os_account())  # the console signs in as the OS account
    engine.dispose()
    callpop = str(Path(sys.executable).with_name("callpop"))
    env = {**os.environ, "TERM": "xterm-256color"}
    terminal = Terminal([callpop, "--database", f"sqlite:///{database}"], env)
    try:
        assert terminal.wait_for(b"Lookup"), bytes(terminal.output[-2000:])
        terminal.send(b"\xff")
        terminal.send(b"Zanzibar")
        assert terminal.wait_for(b"Zanzibar"), bytes(terminal.output[-2000:])
        assert terminal.process.poll() is None
        terminal.send(CTRL_Q)
        assert terminal.process.wait(timeout=30) == 0
    finally:
        if terminal.process.poll() is None:
            terminal.process.kill()
            terminal.process.wait()
        os.close(terminal.master)
    assert b"UnicodeDecodeError" not in terminal.output
