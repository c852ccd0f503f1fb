"""Settings: CALLPOP_* environment variables, then a TOML file, then defaults.

The TOML file lives in the platform config dir (`callpop config-path` prints it) and may set any
field below by its lower-case name; `CALLPOP_CONFIG` points at another file (tests use it).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "callpop"


def default_config_file() -> Path:
    """Where the TOML settings file is read from."""
    override = os.environ.get("CALLPOP_CONFIG")
    return Path(override) if override else Path(user_config_dir(APP_NAME)) / "config.toml"


def default_data_dir() -> Path:
    return Path(user_data_dir(APP_NAME))


class Settings(BaseSettings):
    """Everything a console, the API server or a CLI verb needs to know about its place."""

    model_config = SettingsConfigDict(env_prefix="CALLPOP_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    """Folder for the embedded database, the wrap-up journal and drafts."""

    database_url: str = ""
    """SQLAlchemy URL of the store; empty means a SQLite file `callpop.db` in `data_dir`."""

    default_region: str = "IT"
    """ISO country code used to read phone numbers written without an international prefix."""

    operator: str = Field(default_factory=getpass.getuser)
    """Username of the operator at this console."""

    extension: str = "100"
    """Telephone extension this console answers: only calls ringing here pop."""

    outcomes_file: Path | None = None
    """TOML file of wrap-up reasons and outcomes; empty means the built-in list."""

    api_token: str = ""
    """Bearer token the call-event API requires (`callpop serve`)."""

    api_host: str = "127.0.0.1"
    """Address `callpop serve` listens on."""

    api_port: int = 8765
    """Port `callpop serve` listens on."""

    @field_validator("default_region")
    @classmethod
    def _upper_region(cls, value: str) -> str:
        return value.strip().upper()

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
        toml = TomlConfigSettingsSource(settings_cls, toml_file=default_config_file())
        return (init_settings, env_settings, toml)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and config file, with non-empty `overrides` on top."""
    return Settings(**{key: value for key, value in overrides.items() if value not in (None, "")})
