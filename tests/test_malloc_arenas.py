"""The console caps glibc's malloc arenas at one before its threads start (issue #14: RSS per
console; each thread's own arena kept freed space that was never handed back). Run in fresh
processes: an arena, once made, stays, and this test process has threads of its own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.harness import child_json

THREADS = """
import ctypes, json, sys, threading
from console.malloc_arenas import limit_malloc_arenas

limited = limit_malloc_arenas() if sys.argv[1] == "limit" else False
started, done = threading.Barrier(5), threading.Event()

def work():
    kept = [bytearray(2048) for _ in range(200)]  # past pymalloc's 512 B: glibc's malloc
    started.wait()
    done.wait()

threads = [threading.Thread(target=work) for _ in range(4)]
for thread in threads:
    thread.start()
started.wait()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
out = libc.fopen(sys.argv[2].encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(out))
libc.fclose(ctypes.c_void_p(out))
done.set()
for thread in threads:
    thread.join()
heaps = open(sys.argv[2]).read().count("<heap nr=")
print(json.dumps({"limited": limited, "heaps": heaps}))
"""


def _arenas(how: str, tmp_path: Path) -> dict[str, object]:
    """What a fresh process with four allocating threads reports: was the cap set, how many heaps."""
    return child_json(THREADS, how, str(tmp_path / f"{how}.xml"), timeout=60)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc (Linux)")
def test_threads_share_one_malloc_arena_once_capped(tmp_path: Path) -> None:
    """Without the cap four threads that allocate get arenas of their own (so the count below
    can see one); with it you should see the one arena they all share."""
    assert _arenas("default", tmp_path)["heaps"] == 5
    assert _arenas("limit", tmp_path) == {"limited": True, "heaps": 1}
