"""A console that checked a password does not keep argon2's 19 MiB (issue #14: RSS per console).
Run in a fresh process: the C library's heap of this test process is not the one being measured."""

from __future__ import annotations

import subprocess
import sys

CHECKS = """
from store import passwords

def rss_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

hashed = passwords.hash_password("correct horse")
before = rss_kib()
assert passwords.verify(hashed, "correct horse") and not passwords.verify(hashed, "wrong")
print(rss_kib() - before)
"""


def test_checking_passwords_hands_the_hash_memory_back() -> None:
    kept_kib = int(
        subprocess.run([sys.executable, "-c", CHECKS], check=True, capture_output=True, text=True).stdout
    )
    assert kept_kib < 4 * 1024, f"{kept_kib} KiB kept after two password checks (argon2 uses 19 MiB)"
