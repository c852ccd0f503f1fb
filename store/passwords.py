"""Password hashes: argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane).

Its own module so that only what hashes or checks a password imports argon2: a verb that acts as
the OS account (`callpop find`) never pays for it. The hash that an unknown name is checked
against is made on the first check of a process, whatever the name, so an unknown name never
answers faster than a known one.
"""

from __future__ import annotations

import ctypes
import os
from contextlib import suppress
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(
    time_cost=2, memory_cost=19_456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)
"""argon2id, m=19456 KiB, t=2, p=1: OWASP Password Storage Cheat Sheet's first recommendation."""
_M_MMAP_THRESHOLD = -3
"""glibc's mallopt parameter: blocks at least this big are mapped, and unmapped when freed."""


def _hand_back_hash_memory() -> None:
    """glibc raises its mmap threshold to the size of the biggest block freed so far, so after
    the first hash the next one's 19 MiB come from the heap and stay there: 19 MB of a console's
    RSS for good (measured: 105 -> 125 MB at sign-in). A fixed 1 MiB threshold keeps every
    hash's block mapped and handed back when it is freed. Other C libraries are left alone."""
    with suppress(ValueError, OSError, AttributeError):
        if (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, 1 << 20)


_hand_back_hash_memory()


@cache
def _dummy_hash() -> str:
    return HASHER.hash("callpop: equal time for unknown names")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(hashed: str, password: str) -> bool:
    """Whether `password` matches `hashed`; an empty `hashed` (no password sign-in, or no such
    operator) is checked against a dummy hash, so it takes as long and is never a match."""
    dummy = _dummy_hash()  # made by the first check of a process, known name or not
    try:
        return HASHER.verify(hashed or dummy, password) and bool(hashed)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    """Whether `hashed` was made at another cost than HASHER's (re-hash it at the next sign-in)."""
    return HASHER.check_needs_rehash(hashed)
