"""SVG snapshots of the customer 360 (fixed data and a fixed `today`, so they never drift)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.pilot import Pilot

from tests.test_profile_screen import build_customer, profile_app, until


def snapshot(engine: Engine, tmp_path: Path, customer_id: int, press: str = ""):  # type: ignore[no-untyped-def]
    app, screen = profile_app(engine, tmp_path, customer_id)

    async def loaded(pilot: Pilot[None]) -> None:
        await until(pilot, screen.painted.is_set)
        if press:
            await pilot.press(*press)
        await pilot.pause()

    return app, loaded


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_normal_customer(snap_compare, sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app, loaded = snapshot(sqlite_engine, tmp_path, build_customer(sqlite_engine))
    assert snap_compare(app, terminal_size=size, run_before=loaded)


def test_expired_warranties(snap_compare, sqlite_engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, loaded = snapshot(
        sqlite_engine, tmp_path, build_customer(sqlite_engine, holdings=5, expired=True), press="2"
    )
    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded)


def test_hostile_name(snap_compare, sqlite_engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    customer_id = build_customer(sqlite_engine, "[@click=app.quit]Mallory[/] Eve\x1b[2J\u202eexe")
    app, loaded = snapshot(sqlite_engine, tmp_path, customer_id)
    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded)


def test_huge_customer(snap_compare, sqlite_engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    customer_id = build_customer(sqlite_engine, holdings=200, tickets=2000)
    app, loaded = snapshot(sqlite_engine, tmp_path, customer_id, press="3")
    assert snap_compare(app, terminal_size=(120, 40), run_before=loaded)
