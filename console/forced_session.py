"""Whether this console runs as an SSH `ForceCommand`, and the environment it may keep.

Detection stays free of Textual and the store: the settings call it while they load, and quick
verbs must not pay for the console's imports. What the app then refuses inside such a session
lives in `console.session_lock`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})

UNSAFE_PREFIXES = ("TEXTUAL",)
"""Textual reads these at start-up: a replacement driver to import (`TEXTUAL_DRIVER`), terminal
signals left on so ctrl+z suspends (`TEXTUAL_ALLOW_SIGNALS`), a screenshot written to a path, a
devtools connection. None of them belongs in an operator's session."""


def forced_by_environment(environ: Mapping[str, str]) -> bool:
    """True when `CALLPOP_FORCED_SESSION` says so, or sshd ran callpop in place of a command the
    client asked for (sshd sets SSH_ORIGINAL_COMMAND only when a forced command replaced one)."""
    flag = environ.get("CALLPOP_FORCED_SESSION", "").strip().lower()
    return flag in TRUE_WORDS or "SSH_ORIGINAL_COMMAND" in environ


def scrub_environment(environ: MutableMapping[str, str] = os.environ) -> list[str]:
    """Drop the variables that would change what the console may do; returns their names."""
    dropped = sorted(name for name in environ if name.startswith(UNSAFE_PREFIXES))
    for name in dropped:
        del environ[name]
    return dropped
