"""`callpop bench KIND`: each module here registers one benchmark kind (same contract as a verb).

A benchmark prints one JSON object with p50/p95 timings (milliseconds) and peak RSS (MB). Its
scratch databases and seat files live under `scratch_dir` (the platform cache dir), never in the
data dir, and `callpop bench --clean` removes them all.
"""

from __future__ import annotations

import keyword
import pkgutil
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.config import Settings

HELPER_MODULES = frozenset(
    {"stats", "pty_terminal", "queue_paint", "callers", "febrl", "peers", "customer_base", "retention_sim",
     "floor_console"}
)  # fmt: skip
"""Modules here that are shared code, not a benchmark kind."""


def kinds() -> list[str]:
    """The benchmark kinds, by module name, without importing any of them (start-up stays quick)."""
    names = (info.name for info in pkgutil.iter_modules(__path__))
    return sorted(
        name.rstrip("_") for name in names if name not in HELPER_MODULES and not name.startswith("_")
    )


def module_of(kind: str) -> str:
    """The module that registers `kind`: a kind named by a Python keyword lives in `<kind>_`."""
    return f"{__name__}.{kind}_" if keyword.iskeyword(kind) else f"{__name__}.{kind}"


def scratch_root(settings: Settings) -> Path:
    return settings.cache_dir / "bench"


def scratch_dir(settings: Settings, kind: str) -> Path:
    """The folder for `kind`'s scratch files, made if missing; says where on stderr."""
    path = scratch_root(settings) / kind
    path.mkdir(parents=True, exist_ok=True)
    where = f"callpop bench {kind}: scratch files in {path} (`callpop bench --clean` removes them)"
    print(where, file=sys.stderr)
    return path


def clean(settings: Settings) -> tuple[Path, int]:
    """Remove every benchmark's scratch files; returns the folder and the bytes freed."""
    root = scratch_root(settings)
    if not root.exists():
        return root, 0
    freed = sum(path.stat().st_size for path in root.rglob("*") if path.is_file() and not path.is_symlink())
    shutil.rmtree(root)
    return root, freed
