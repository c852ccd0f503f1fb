"""One glibc malloc arena for the console process (issue #14: RSS per console).

glibc gives each new thread a malloc arena of its own (up to eight per core): the console's
worker threads and its change feed each kept a fragmented arena whose freed space was never
handed back (malloc_trim(0) returned none of it). With one arena the same minute of work ends
about 5 MB lower (`callpop bench floor`); the console's threads allocate little, so sharing the
arena leaves the pop's latency as it was (`callpop bench pop`). It must be set before the first
thread starts: an arena, once made, stays.
"""

from __future__ import annotations

import ctypes
import sys

M_ARENA_MAX = -8
"""glibc's mallopt parameter (malloc.h)."""
ARENAS = 1


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas at `arenas`; whether it was set (False off glibc, where the
    allocator is another and there is nothing to cap)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # a libc without mallopt (not glibc)
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))
