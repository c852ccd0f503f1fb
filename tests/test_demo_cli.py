"""`callpop demo`: loads a SQLite file once, says what it loaded, and refuses a second load."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from console.cli import main


def test_demo_verb_loads_once_then_refuses(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    args = ["demo", "--database", url, "--customers", "40", "--seed", "3", "--today", "2026-06-15"]

    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "loaded 40 demo customers in" in out
    assert "[####" not in err  # no progress bar when stderr is not a terminal

    assert main(args) == 2
    out, err = capsys.readouterr()
    assert "already has 40 customers" in err and "--append" in err

    assert main([*args, "--append"]) == 0
    assert "loaded 40 demo customers" in capsys.readouterr().out
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT COUNT(*) FROM customer")) == 80
    engine.dispose()


def test_demo_verb_rejects_a_non_positive_count(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--customers", "0"])
    assert "must be at least 1" in capsys.readouterr().err
