"""`callpop import` from the shell: exit codes, the report, a line per 10% off a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.acting import os_account
from console.cli import main
from store.db import make_engine
from store.migrate import upgrade
from store.models import Role
from tests.harness import operator_row
from tests.test_import_customers import GOOD, person, write_csv


def acting_database(tmp_path: Path, role: Role | None = Role.ADMIN) -> str:
    """A migrated SQLite file where the OS account running the tests is an operator in `role`
    (None: not an operator at all), as the data verbs act as that account's row."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = make_engine(url)
    upgrade(engine)
    operator_row(engine, "someone-else", extension="998", role=Role.ADMIN)
    if role is not None:
        operator_row(engine, os_account(), extension="999", role=role)
    engine.dispose()
    return url


def test_import_verb_reports_counts_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    url = acting_database(tmp_path)
    good = write_csv(tmp_path / "good.csv", [person(n) for n in range(1, 4)])
    bad = write_csv(tmp_path / "bad.csv", [GOOD, person(2, birth_date="1980-13-01")])

    assert main(["import", "customers", str(good), "--database", url]) == 0
    out, err = capsys.readouterr()
    assert "3 new, 0 updated, 0 unchanged, 0 rejected" in out
    assert "read: 100%" in err and "[###" not in err

    assert main(["import", "customers", str(bad), "--database", url, "--dry-run"]) == 1
    out, err = capsys.readouterr()
    assert "line 3: birth_date '1980-13-01' is not a date" in err and "nothing written" in out

    assert main(["import", "customers", str(bad), "--database", url]) == 1
    assert "nothing imported" in capsys.readouterr().out

    assert main(["import", "customers", str(bad), "--database", url, "--skip-bad"]) == 2
    assert "--rejects FILE" in capsys.readouterr().err

    header = tmp_path / "header.csv"
    header.write_text("id,name\n1,x\n", encoding="utf-8")
    assert main(["import", "customers", str(header), "--database", url]) == 2
    assert "unknown columns: 'id', 'name'" in capsys.readouterr().err


def test_import_names_likely_duplicates_of_the_rows_it_brought(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Regression: a feed re-registering a known person under a new id. You should see the pair
    named with its reasons right after the import."""
    url = acting_database(tmp_path)
    first = write_csv(tmp_path / "a.csv", [person(1, given_name="Maria", family_name="Rossi")])
    second = write_csv(
        tmp_path / "b.csv", [person(9, given_name="Maria", family_name="Rosi", phones="+39 347 0000001")]
    )
    assert main(["import", "customers", str(first), "--database", url]) == 0
    capsys.readouterr()

    assert main(["import", "customers", str(second), "--database", url]) == 0

    out = capsys.readouterr().out
    assert "likely duplicate" in out and "Maria Rossi (E1) ~ Maria Rosi (E9)" in out and "same phone" in out


@pytest.mark.parametrize("role", [Role.SUPERVISOR, None])
def test_the_data_verbs_refuse_an_os_account_that_is_no_admin(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, role: Role | None
) -> None:
    """Regression: the data verbs acted as whoever CALLPOP_OPERATOR named, and as admin on a base
    without operators. You should see import, export, merge and GDPR refused (exit 2, nothing
    written) for a supervisor and for an account that is no operator, whatever CALLPOP_OPERATOR says."""
    url = acting_database(tmp_path, role)
    monkeypatch.setenv("CALLPOP_OPERATOR", "someone-else")  # an admin's name: grants nothing
    good = write_csv(tmp_path / "good.csv", [person(1)])
    verbs = [
        ["import", "customers", str(good)],
        ["export", "customers", "--out", str(tmp_path / "o.csv")],
        ["merge", "1", "2", "--yes"],
        ["gdpr", "export", "1"],
        ["gdpr", "erase", "1", "--yes"],
    ]
    for argv in verbs:
        assert main([*argv, "--database", url]) == 2, argv
        err = capsys.readouterr().err
        assert (os_account() in err) and ("not an active operator" in err or "needs another role" in err)
    assert not (tmp_path / "o.csv").exists()
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM customer").scalar_one() == 0
    engine.dispose()


def test_the_verbs_offer_exactly_the_stores_choices() -> None:
    """Regression guard: the verbs keep their option values themselves (so `--help` loads no
    store); a kind, field, consent or format added to the store must show up in the verb."""
    from console.commands import export, import_, merge
    from store.exports import customers
    from store.imports import KINDS
    from store.merge import PICKABLE

    assert import_.KINDS == tuple(sorted(KINDS))
    assert merge.PICKABLE == PICKABLE
    assert (export.CONSENTS, export.FORMATS) == (customers.CONSENTS, customers.FORMATS)
