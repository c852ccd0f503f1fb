"""Settings: CALLPOP_* environment variables, then the user's TOML file, then the system-wide
TOML file, then defaults (the first one that sets a field wins).

The user's file lives in the platform config dir (`callpop config` prints its path) and may set
any field below by its lower-case name; `CALLPOP_CONFIG` points at another file (tests use it).
The system-wide file (`/etc/callpop/config.toml`, or `CALLPOP_SYSTEM_CONFIG`) is the admin's: the
database URL and `extensions`, the seat of each account. In a forced SSH session the user's file
is not read at all (see `console.forced_session`). A name that is not a field, or a value of the
wrong kind, is refused rather than ignored.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir, user_config_dir, user_data_dir
from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from console.commands import UserError

APP_NAME = "callpop"


def default_config_file() -> Path:
    """Where the TOML settings file is read from."""
    override = os.environ.get("CALLPOP_CONFIG")
    return Path(override) if override else Path(user_config_dir(APP_NAME)) / "config.toml"


def system_config_file() -> Path:
    """The admin's TOML settings file, read under the user's (which may override it)."""
    return Path(os.environ.get("CALLPOP_SYSTEM_CONFIG") or "/etc/callpop/config.toml")


def unreadable_config_file() -> Path | None:
    """The first config file (user's, then system-wide) that exists but is not UTF-8 TOML."""
    import tomllib

    for path in (default_config_file(), system_config_file()):
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            return path
        except OSError:
            continue
    return None


def default_data_dir() -> Path:
    return Path(user_data_dir(APP_NAME))


def default_cache_dir() -> Path:
    return Path(user_cache_dir(APP_NAME))


def check_region(text: str) -> str:
    """`text` as an upper-case region code phone numbers can be read in; ValueError if it is not one."""
    import phonenumbers

    region = text.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{text!r} is not a country code phone numbers know (e.g. IT, DE, US, GB)")
    return region


WEB_SESSION_VAR = "CALLPOP_WEB_SESSION"
"""Set by `callpop web` for each browser session's console: password sign-in, whatever the files say."""


class Settings(BaseSettings):
    """Everything a console, the API server or a CLI verb needs to know about its place."""

    model_config = SettingsConfigDict(env_prefix="CALLPOP_", extra="forbid")

    data_dir: Path = Field(default_factory=default_data_dir)
    """Folder for the embedded database, the wrap-up journal and drafts."""

    cache_dir: Path = Field(default_factory=default_cache_dir)
    """Folder for what can be thrown away: the benchmarks' scratch databases (`callpop bench --clean`)."""

    database_url: str = ""
    """SQLAlchemy URL of the store; empty means a SQLite file `callpop.db` in `data_dir`."""

    read_database_url: str = ""
    """SQLAlchemy URL of a hot standby (read replica) of `database_url` for reads that may lag a
    little (search, profiles, reports, the queue); empty means every read goes to the primary."""

    default_region: str = "IT"
    """ISO country code used to read phone numbers written without an international prefix."""

    operator: str = Field(default_factory=getpass.getuser)
    """Pre-fills the sign-in screen's username; grants nothing (console.signin)."""

    extension: str = ""
    """The extension to answer; empty means the signed-in operator's own (another one is refused)."""

    signin: str = ""
    """How a console signs in: "os", "password", or empty: the OS account if it is an operator."""

    idle_lock_minutes: float = Field(default=15.0, gt=0)
    """Idle time after which the console locks (customer data leaves the screen)."""

    session_hours: float = Field(default=12.0, gt=0)
    """Absolute lifetime of a console session; then the password is asked again."""

    floor_wrapup_too_long_seconds: float = Field(default=120.0, gt=0)
    """The floor screen (F9, supervisors) flags a wrap-up open longer than this."""

    language: str = ""
    """Console language when neither the operator row nor the seat's LANG/LC_ALL names one we
    have (`it`, `es`, `pt_PT`, `pt_BR`, `de`); empty means English."""

    outcomes_file: Path | None = None
    """TOML file of wrap-up reasons and outcomes; empty means the built-in list."""

    api_token: str = ""
    """Bearer token the call-event API requires (`callpop serve`)."""

    api_host: str = "127.0.0.1"
    """Address `callpop serve` listens on."""

    api_port: int = 8765
    """Port `callpop serve` listens on."""

    webhooks_file: Path | None = None
    """TOML file of the webhook endpoints events go out to (`callpop outbox`); empty: none, and
    events wait in the outbox until one is configured."""

    outbox_lease_seconds: float | None = Field(default=None, gt=0)
    """How long a dispatcher holds the deliveries it claimed; a killed one's are sent again after
    it. Empty: eight times the longest endpoint timeout plus 30 s. A shorter lease claims only
    what can be sent within it."""

    @field_validator("signin")
    @classmethod
    def _signin_method(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("", "os", "password"):
            raise ValueError('signin must be "os", "password" or empty (the OS account if it is an operator)')
        return value

    extensions: dict[str, str] = Field(default_factory=dict)
    """The extension of each account (`{ sofia = "201" }`), set in the system-wide file: the
    operator's entry wins over `extension`, so a seat follows whoever signs in."""

    forced_session: bool = False
    """This console is an SSH `ForceCommand`: no suspend, screenshots, shells or editors, and the
    user's config file is ignored. Also on when sshd sets SSH_ORIGINAL_COMMAND."""

    low_bandwidth: bool = False
    """For a slow link: no animations, mouse tracking or cursor blink, fewer frames a second."""

    low_bandwidth_over_ssh: bool = False
    """Low-bandwidth mode whenever the console runs over SSH (the system-wide file sets it)."""

    theme: str = ""
    """A Textual theme name, or `callpop-high-contrast`; empty means Textual's default, or
    `callpop-16` on a terminal with 16 colours."""

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        return check_region(value)

    @model_validator(mode="after")
    def _seat_of_the_account(self) -> Settings:
        from console.forced_session import forced_by_environment

        if self.operator in self.extensions:
            self.extension = self.extensions[self.operator]
        self.forced_session = self.forced_session or forced_by_environment(os.environ)
        if os.environ.get(WEB_SESSION_VAR):  # a browser is not the server's Unix account
            self.signin = "password"
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the embedded SQLite file."""
        return self.database_url or f"sqlite:///{self.data_dir / 'callpop.db'}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        from console.forced_session import forced_by_environment

        system = TomlConfigSettingsSource(settings_cls, toml_file=system_config_file())
        if forced_by_environment(os.environ) or system().get("forced_session") is True:
            return (init_settings, env_settings, system)
        user = TomlConfigSettingsSource(settings_cls, toml_file=default_config_file())
        return (init_settings, env_settings, user, system)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and config file, with non-empty `overrides` on top."""
    try:
        chosen: dict[str, Any] = {key: value for key, value in overrides.items() if value not in (None, "")}
        return Settings(**chosen)  # pydantic checks each value's type
    except UnicodeDecodeError as error:  # TOML is UTF-8; tomllib raises this one unwrapped
        where = f"{error.reason} at byte {error.start}"
        path = unreadable_config_file() or default_config_file()
        raise UserError(f"the config file {path} is not UTF-8 text ({where})") from None
