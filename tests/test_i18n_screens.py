"""The converted screens in the operator's language at 80x24: the pick list, the conflict view and
the console's own keys in Italian, Portuguese and German, and a switch in the palette that
re-renders what is on screen without a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from screens.conflict import ConflictScreen
from screens.i18n import current_language, set_language
from screens.pick_caller import PickCallerScreen
from store.contacts import ContactFields
from store.db import write_session
from store.languages import operator_language
from store.models import Operator
from store.search import Match, find_by_phone
from tests.factories import make_customer
from tests.harness import ScreenHarness, console, plain_svg_text, seat, until

NUMBER = "+390622223333"

PICK_LIST = {
    "it": ("2 clienti hanno il numero", ["Apri", "Un'altra persona"], ["Nome", "Città", "Ultimo contatto"]),
    "pt_PT": ("2 clientes partilham o", ["Abrir", "Outra pessoa"], ["Nome", "Localidade", "Último contacto"]),
    "pt_BR": ("2 clientes compartilham o", ["Abrir", "Outra pessoa"], ["Nome", "Cidade", "Último contato"]),
    "de": ("2 Kunden teilen die", ["Öffnen", "Jemand anderes"], ["Name", "Ort", "Letzter Kontakt"]),
}


def _household(engine: Engine) -> list[Match]:
    make_customer(engine, "Paolo", "Conti", phones=(NUMBER,), city="Roma")
    make_customer(engine, "Chiara", "Conti", phones=(NUMBER,), city="Ostia", status="prospect")
    return find_by_phone(engine, NUMBER, region="IT")


def _pick_list(engine: Engine, data_dir: Path) -> ScreenHarness:
    screen = PickCallerScreen(_household(engine), number=NUMBER, call_id="c-1")
    return ScreenHarness(seat(engine, data_dir), screen)


@pytest.mark.parametrize("language", sorted(PICK_LIST))
async def test_pick_list_speaks_the_operator_language(
    sqlite_engine: Engine, tmp_path: Path, language: str
) -> None:
    """Regression: a console in Italian showed English keys and headers on the pick list. You
    should see the title, every footer key and the column headers in the operator's language,
    all of them whole at 80x24 (German's longer words included)."""
    set_language(language)
    app = _pick_list(sqlite_engine, tmp_path)
    title, keys, headers = PICK_LIST[language]
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PickCallerScreen))
        await pilot.pause()
        plain = plain_svg_text(app.export_screenshot())
        assert title in plain
        for text in [*keys, *headers]:
            assert text in plain, f"{text!r} missing at 80x24 in {language}"
        assert "Someone else" not in plain and "Last contact" not in plain


async def test_conflict_view_in_italian(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: the conflict view's intro, columns, field names and yes/no were English. You
    should see them in Italian, with the operator's own values untouched."""
    set_language("it")
    base = ContactFields()
    mine = ContactFields(email="mine@example.com", consent_sms=True)
    theirs = ContactFields(work_phone="+390298765432")
    app = ScreenHarness(seat(sqlite_engine, tmp_path), ConflictScreen(base, mine, theirs, version=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConflictScreen))
        table = app.screen.query_one("#conflict-table")
        headers = [column.label.plain for column in table.columns.values()]
        rows = [[cell.plain for cell in table.get_row_at(n)] for n in range(table.row_count)]
        intro = str(app.screen.query_one("#conflict-intro").render())
    assert headers == ["Campo", "Il loro, ora", "Il tuo"]
    assert ["Telefono di lavoro", "+390298765432", "-"] in rows
    assert ["E-mail *", "-", "mine@example.com"] in rows
    assert ["SMS promozionali *", "no", "sì"] in rows
    assert "Qualcun altro ha salvato questo cliente (ora versione 2)" in intro


async def test_palette_switches_the_language_without_a_restart(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: the language could only be chosen before start-up. You should see ctrl+p,
    "Italiano", Enter turn the open pick list (title, headers, footer keys) and the title bar
    Italian at once, the lookup under it too (its table relabels itself), and the choice
    remembered on the operator's row for the next start."""
    with write_session(sqlite_engine) as session:
        session.add(Operator(username="anna", display_name="Anna", extension="100"))
    matches = _household(sqlite_engine)
    app = console(sqlite_engine, tmp_path, operator="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(PickCallerScreen(matches, number=NUMBER))
        await until(pilot, lambda: "Someone else" in plain_svg_text(app.export_screenshot()))
        await pilot.press("ctrl+p", *"Italiano")
        await until(pilot, lambda: "Language: Italiano" in plain_svg_text(app.export_screenshot()), timeout=5)
        await pilot.press("enter")
        await until(pilot, lambda: "Un'altra persona" in plain_svg_text(app.export_screenshot()))
        plain = plain_svg_text(app.export_screenshot())
        assert "2 clienti hanno il numero" in plain and "Ultimo contatto" in plain and "Esci" in plain
        assert "Someone else" not in plain and "Last contact" not in plain
        assert "operatore" in app.sub_title
        await until(pilot, lambda: operator_language(sqlite_engine, "anna") == "it")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, PickCallerScreen))
        await pilot.pause()
        assert "Ultimo contatto" in plain_svg_text(app.export_screenshot())


async def test_a_new_start_uses_the_operator_row(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: a saved language was ignored at start-up. You should see the console open in
    the language on the operator's row even with English in LANG and CALLPOP_LANGUAGE."""
    with write_session(sqlite_engine) as session:
        session.add(Operator(username="rui", display_name="Rui", extension="100", language="pt_PT"))
    app = console(sqlite_engine, tmp_path, operator="rui")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.sub_title == "rui (operador) @ ext. 100"
    assert current_language() == "pt_PT"


@pytest.mark.parametrize("language", ["it", "pt_BR", "de"])
def test_pick_list_snapshot(
    snap_compare: object, sqlite_engine: Engine, tmp_path: Path, language: str
) -> None:
    set_language(language)
    assert snap_compare(_pick_list(sqlite_engine, tmp_path), terminal_size=(80, 24))  # type: ignore[operator]


async def test_textual_palette_commands_speak_the_operator_language(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: in an Italian console the palette still offered "Change the current theme".
    You should see Textual's own commands (Theme, Keys, Quit ...) in Italian too, in a console
    started with CALLPOP_LANGUAGE=it on a seat whose locale names no language."""
    monkeypatch.setenv("CALLPOP_LANGUAGE", "it")
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p", *"tema")
        await until(pilot, lambda: "Cambia il tema attuale" in plain_svg_text(app.export_screenshot()))
