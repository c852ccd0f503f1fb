"""The system-wide config file (/etc/callpop/config.toml): read under the user's, seats per account,
and in a forced SSH session the only file read."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.cli import main
from console.config import load_settings


@pytest.fixture
def system_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "system.toml"
    monkeypatch.setenv("CALLPOP_SYSTEM_CONFIG", str(path))
    return path


@pytest.fixture
def user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "user.toml"
    monkeypatch.setenv("CALLPOP_CONFIG", str(path))
    return path


def test_the_user_file_overrides_the_system_file_and_the_environment_both(
    system_file: Path, user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: one server, one database URL for every account. You should see the system file's
    URL used when nobody overrides it, the user's file over it, and CALLPOP_* over both."""
    system_file.write_text(
        'database_url = "sqlite:////srv/floor.db"\ndefault_region = "de"\n', encoding="utf-8"
    )
    assert load_settings().database_url == "sqlite:////srv/floor.db"
    user_file.write_text('default_region = "pt"\n', encoding="utf-8")
    settings = load_settings()
    assert (settings.database_url, settings.default_region) == ("sqlite:////srv/floor.db", "PT")
    monkeypatch.setenv("CALLPOP_DEFAULT_REGION", "es")
    assert load_settings().default_region == "ES"


def test_each_account_gets_its_extension_from_the_system_file(
    system_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: fifty accounts on one server all answering extension 100. You should see each
    operator's extension from `extensions`, and the plain `extension` for an account not listed."""
    system_file.write_text(
        'extension = "100"\nextensions = { sofia = "201", marco = "202" }\n', encoding="utf-8"
    )
    monkeypatch.setenv("CALLPOP_OPERATOR", "sofia")
    assert load_settings().extension == "201"
    monkeypatch.setenv("CALLPOP_OPERATOR", "marco")
    assert load_settings().extension == "202"
    monkeypatch.setenv("CALLPOP_OPERATOR", "guest")
    assert load_settings().extension == "100"


@pytest.mark.parametrize(
    "how", [("CALLPOP_FORCED_SESSION", "1"), ("SSH_ORIGINAL_COMMAND", "bash -i"), ("system file", "")]
)
def test_a_forced_session_ignores_the_users_own_file(
    how: tuple[str, str], system_file: Path, user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: in an SSH ForceCommand session the account's own config file could point the
    console at another database or seat. You should see only the system file read, and the
    session marked forced, however it was detected."""
    system = 'database_url = "sqlite:////srv/floor.db"\n'
    name, value = how
    if name == "system file":
        system += "forced_session = true\n"
    else:
        monkeypatch.setenv(name, value)
    system_file.write_text(system, encoding="utf-8")
    user_file.write_text('database_url = "sqlite:////tmp/mine.db"\nextension = "999"\n', encoding="utf-8")
    settings = load_settings()
    assert settings.forced_session
    assert (settings.database_url, settings.extension) == ("sqlite:////srv/floor.db", "")  # "" = yours


def test_outside_a_forced_session_the_flag_is_off(system_file: Path) -> None:
    assert not load_settings().forced_session


def test_a_bad_system_file_is_one_line_naming_the_problem(
    system_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: a typo in the admin's file. You should see exit 2 and one line, no traceback."""
    system_file.write_text('extensions = "sofia=201"\n', encoding="utf-8")
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("callpop config: bad setting (extensions") and len(err.splitlines()) == 1


def test_a_system_file_that_is_not_toml_is_named(
    system_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: invalid TOML in the system file was reported as the user's (absent) file. You
    should see the system file's path in the one line."""
    system_file.write_text("database_url = \n", encoding="utf-8")
    assert main(["config"]) == 2
    assert f"the config file {system_file} is not valid TOML" in capsys.readouterr().err
