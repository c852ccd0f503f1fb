"""The merge screen driven with Pilot at 80x24 and 120x40: both records side by side, a field
picked from each, the confirmation, the merge; a record saved meanwhile refused and reloaded;
hostile names as plain text; only admins reach it (palette, app, store); snapshots."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from screens.merge import ChoiceTable, MergeScreen
from screens.merge_pick import MergePickScreen
from screens.messages import OpenMerge, OpenProfile
from screens.profile import ProfileScreen
from store.db import write_session
from store.merge import MergeStale, customer_summary, merge_customers
from store.models import Customer, Role
from store.models.data import CustomerAlias
from store.policy import Actor, Forbidden
from tests.conftest import load_hostile_strings
from tests.factories import make_customer
from tests.harness import ScreenHarness, console, operator_row, seat, until
from tests.test_import_customers import ADMIN

SIZES = [(80, 24), (120, 40)]
HOSTILE_NAME = "[@click=app.quit]Mallory[/] \x1b]52;c;ZWNo\x07"


def _pair(engine: Engine, other_given: str = "Mariа") -> tuple[int, int]:
    keep = make_customer(engine, "Maria", "Rossi", phones=("+393471234567",), external_id="K1")
    other = make_customer(
        engine, other_given, "Rosi", phones=("+390612345678",), birth_date=date(1980, 2, 3), external_id="O1"
    )
    assert keep.id is not None and other.id is not None
    return keep.id, other.id


def _harness(engine: Engine, tmp_path: Path, screen: Screen[object], role: Role = Role.ADMIN) -> App[None]:
    username = "root" if role is Role.ADMIN else "ada"
    return ScreenHarness(seat(engine, tmp_path, operator=username, role=role), screen)


def _status(app: App[None]) -> str:
    return str(app.screen.query_one("#merge-status", Static).render())


def _text(app: App[None]) -> str:
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def _rows(screen: MergeScreen) -> list[str]:
    table = screen.query_one(ChoiceTable)
    return [str(row.value) for row in table.rows]


async def _to_row(pilot: Pilot[None], screen: MergeScreen, field: str) -> None:
    table = screen.query_one(ChoiceTable)
    table.move_cursor(row=_rows(screen).index(field))
    await pilot.pause()


def _customer(engine: Engine, customer_id: int) -> Customer | None:
    with write_session(engine) as session:
        row = session.get(Customer, customer_id)
        if row is not None:
            session.expunge(row)
        return row


@pytest.mark.parametrize("size", SIZES)
async def test_fields_picked_from_both_sides_survive_the_merge(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    keep_id, other_id = _pair(sqlite_engine)
    screen = MergeScreen(keep_id, other_id)
    app = _harness(sqlite_engine, tmp_path, screen)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: screen.sides is not None)
        assert _rows(screen) == ["ids", "given_name", "family_name", "birth_date", "phones", "emails"]
        assert screen.choice == {"given_name": "keep", "family_name": "keep", "birth_date": "other"}
        assert "1980-02-03" in _text(app)  # an empty survivor field takes the other's by default
        await _to_row(pilot, screen, "family_name")
        await pilot.press("right")
        await _to_row(pilot, screen, "given_name")
        await pilot.press("space", "space")  # switched and back: the survivor's
        assert screen.choice == {"given_name": "keep", "family_name": "other", "birth_date": "other"}
        await pilot.press("m")
        await until(pilot, lambda: "cannot be undone" in _text(app))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is not screen)

    assert _customer(sqlite_engine, other_id) is None
    survivor = _customer(sqlite_engine, keep_id)
    assert survivor is not None
    assert (survivor.given_name, survivor.family_name, survivor.birth_date) == (
        "Maria",
        "Rosi",
        date(1980, 2, 3),
    )
    with sqlite_engine.connect() as connection:
        alias = connection.execute(sa.select(CustomerAlias.old_customer_id, CustomerAlias.operator)).one()
    assert tuple(alias) == (other_id, "root")


async def test_swap_makes_the_other_record_the_survivor(sqlite_engine: Engine, tmp_path: Path) -> None:
    keep_id, other_id = _pair(sqlite_engine)
    screen = MergeScreen(keep_id, other_id)
    app = _harness(sqlite_engine, tmp_path, screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: screen.sides is not None)
        await pilot.press("s")
        assert (screen.keep_id, screen.other_id) == (other_id, keep_id)
        assert screen.choice["given_name"] == "other"  # still Maria, now the other's value
        await pilot.press("m", "y")
        await until(pilot, lambda: app.screen is not screen)
    survivor = _customer(sqlite_engine, other_id)
    assert survivor is not None and survivor.given_name == "Maria" and survivor.birth_date == date(1980, 2, 3)
    assert _customer(sqlite_engine, keep_id) is None


async def test_a_record_saved_meanwhile_refuses_the_merge_and_reloads(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: a merge that ignores a save made after the screen loaded overwrites it with a
    value nobody chose. You should see the merge refused with the reason, nothing merged, the new
    value on screen, and the merge done once looked at again."""
    keep_id, other_id = _pair(sqlite_engine)
    screen = MergeScreen(keep_id, other_id)
    app = _harness(sqlite_engine, tmp_path, screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: screen.sides is not None)
        with write_session(sqlite_engine) as session:
            row = session.get(Customer, other_id)
            assert row is not None
            row.family_name, row.version = "Russo", row.version + 1
        await pilot.press("m", "y")
        await until(pilot, lambda: "changed since it was shown" in _status(app))
        assert _customer(sqlite_engine, other_id) is not None
        await until(pilot, lambda: "Russo" in _text(app))
        await pilot.press("m", "y")
        await until(pilot, lambda: app.screen is not screen)
    assert _customer(sqlite_engine, other_id) is None


async def test_hostile_names_show_as_plain_text(sqlite_engine: Engine, tmp_path: Path) -> None:
    keep_id, other_id = _pair(sqlite_engine, other_given=HOSTILE_NAME)
    screen = MergeScreen(keep_id, other_id)
    app = _harness(sqlite_engine, tmp_path, screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: screen.sides is not None)
        shown = _text(app)
        assert "[@click=app.quit]Mallory[/]" in shown and "\x1b" not in shown and "ZWNo" not in shown
        await pilot.click(ChoiceTable, offset=(30, 2))
        await pilot.press("m")
        await until(pilot, lambda: "cannot be undone" in _text(app))
        assert "[@click=app.quit]Mallory[/]" in _text(app)
        await pilot.press("n")
        assert app.is_running and app.screen is screen


@pytest.mark.parametrize("size", SIZES)
async def test_every_hostile_string_shows_as_plain_text(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    """Every shared attack string as a name on one side or the other: escape sequences gone,
    markup shown literally, a click on the cells runs nothing."""
    hostile = [entry["value"] for entry in load_hostile_strings()]
    keep = make_customer(sqlite_engine, "Maria", "Rossi")
    assert keep.id is not None
    app = _harness(sqlite_engine, tmp_path, Screen())
    async with app.run_test(size=size) as pilot:
        for value in hostile:
            other = make_customer(sqlite_engine, value, value[::-1])
            assert other.id is not None
            screen = MergeScreen(other.id, keep.id)
            await app.push_screen(screen)
            await until(pilot, lambda screen=screen: screen.sides is not None)  # type: ignore[misc]
            await pilot.click(ChoiceTable, offset=(20, 2))
            await pilot.pause()
            shown = _text(app)
            assert app.is_running and app.screen is screen
            assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown
            if value.startswith("[@click="):
                assert "[@click=app.screenshot()]" in shown
            app.pop_screen()


async def test_a_non_admin_is_refused_by_the_store(sqlite_engine: Engine, tmp_path: Path) -> None:
    keep_id, other_id = _pair(sqlite_engine)
    screen = MergeScreen(keep_id, other_id)
    app = _harness(sqlite_engine, tmp_path, screen, role=Role.SUPERVISOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "Only an admin may merge" in _status(app))
        await pilot.press("m", "y")
        await pilot.pause()
    assert _customer(sqlite_engine, other_id) is not None
    with pytest.raises(Forbidden):
        customer_summary(sqlite_engine, keep_id, actor=Actor("sue", Role.SUPERVISOR))


async def test_an_admin_merges_from_the_profile_palette(sqlite_engine: Engine, tmp_path: Path) -> None:
    keep_id, other_id = _pair(sqlite_engine)
    operator_row(sqlite_engine, "root", role=Role.ADMIN)
    app = console(sqlite_engine, tmp_path, operator="root")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(app.screen_stack) > 1)
        app.post_message(OpenProfile(keep_id))
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.profile is not None)
        profile = app.screen
        assert isinstance(profile, ProfileScreen)
        await pilot.press("ctrl+p", *"merge with")
        await until(pilot, lambda: "Merge with" in _text(app))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MergePickScreen))
        await pilot.press(*"0612345678")
        await until(pilot, lambda: "Rosi" in _text(app))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MergeScreen) and app.screen.sides is not None)
        assert (app.screen.keep_id, app.screen.other_id) == (keep_id, other_id)
        await pilot.press("m", "y")
        await until(pilot, lambda: app.screen is profile)
        await until(pilot, lambda: profile.profile is not None and profile.profile.header.version == 2)
    assert _customer(sqlite_engine, other_id) is None


async def test_the_picker_offers_the_likely_duplicate_before_anything_is_typed(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    keep_id, _other_id = _pair(sqlite_engine)
    twin = make_customer(sqlite_engine, "Maria", "Rossi", phones=("+393471234567",), external_id="T1")
    operator_row(sqlite_engine, "root", role=Role.ADMIN)
    app = console(sqlite_engine, tmp_path, operator="root")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(app.screen_stack) > 1)
        app.post_message(OpenProfile(keep_id))
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.profile is not None)
        await pilot.press("ctrl+p", *"merge with")
        await until(pilot, lambda: "Merge with" in _text(app))
        await pilot.press("enter")
        await until(pilot, lambda: "Likely the same person" in _text(app))
        shown = _text(app)
        assert "same phone" in shown and "Rosi" not in shown  # Mariа Rosi shares nothing but a name
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MergeScreen))
        assert (app.screen.keep_id, app.screen.other_id) == (keep_id, twin.id)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProfileScreen)


async def test_an_operator_is_not_offered_the_merge(sqlite_engine: Engine, tmp_path: Path) -> None:
    keep_id, other_id = _pair(sqlite_engine)
    app = console(sqlite_engine, tmp_path)  # anna, an operator
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(app.screen_stack) > 1)
        app.post_message(OpenProfile(keep_id))
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.profile is not None)
        profile = app.screen
        assert isinstance(profile, ProfileScreen)
        assert not [name for name, _, _ in profile.palette_commands() if "Merge" in name]
        app.post_message(OpenMerge(keep_id, other_id))
        await pilot.pause(0.1)
        assert app.screen is profile


def test_merge_refuses_stale_versions(engine: Engine) -> None:
    keep_id, other_id = _pair(engine)
    summary = customer_summary(engine, other_id, actor=ADMIN)
    assert summary is not None and summary["version"] == 1
    with pytest.raises(MergeStale, match="customer .* was changed since it was shown"):
        merge_customers(engine, keep_id, other_id, actor=ADMIN, versions=(1, 0))
    assert _customer(engine, other_id) is not None
    merge_customers(engine, keep_id, other_id, actor=ADMIN, versions=(1, 1))
    assert _customer(engine, other_id) is None


@pytest.mark.parametrize("size", SIZES)
def test_merge_snapshot(
    snap_compare: object, sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    keep_id, other_id = _pair(sqlite_engine, other_given=HOSTILE_NAME)
    screen = MergeScreen(keep_id, other_id)
    app = _harness(sqlite_engine, tmp_path, screen)

    async def loaded(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: screen.sides is not None)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=loaded)  # type: ignore[operator]
