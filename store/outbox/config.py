"""The webhooks file: which endpoint hears which event types, and with what secret.

```toml
[[endpoint]]
name = "crm"                                # the delivery rows' key; keep it when the URL moves
url = "https://crm.example.com/hooks/callpop"
events = ["wrapup.saved", "ticket.changed", "customer.merged", "customer.erased"]
secret_env = "CALLPOP_CRM_WEBHOOK_SECRET"   # or: secret = "..." (then keep the file 0600)
timeout = 5.0                               # seconds to connect, and to wait for the answer; default 10
```

A mistake (an unknown key or event type, a URL that is not http(s), a missing secret) is a
`WebhookConfigError` naming the endpoint, raised when the file is read, never at send time.
A secret is kept only in the `Endpoint` and never shown: `describe` is what may be printed.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from store.outbox import EVENT_TYPES

DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 120.0
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_KEYS = frozenset({"name", "url", "events", "secret", "secret_env", "timeout"})


class WebhookConfigError(ValueError):
    """The webhooks file cannot be used as written; the message says where and why."""


@dataclass(frozen=True)
class Endpoint:
    """One receiver. `secret` signs its requests; `repr` leaves it out."""

    name: str
    url: str
    events: frozenset[str]
    secret: str = field(repr=False)
    secret_source: str
    """Where the secret came from, for display: `env NAME` or `file`."""
    timeout: float = DEFAULT_TIMEOUT_S

    @property
    def shown_url(self) -> str:
        """The URL as it may be printed: no user or password, no query (either may hold a token)."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        query = "?..." if parts.query else ""
        return f"{parts.scheme}://{host}{port}{parts.path}{query}"

    def describe(self) -> dict[str, object]:
        """What `callpop outbox list` shows of the endpoint: everything but the secret."""
        return {
            "name": self.name,
            "url": self.shown_url,
            "events": sorted(self.events),
            "secret": self.secret_source,
            "timeout": self.timeout,
        }


def load_endpoints(path: Path, environ: Mapping[str, str] | None = None) -> tuple[Endpoint, ...]:
    """The endpoints of the webhooks file at `path` (secrets from `environ`, default os.environ)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise WebhookConfigError(f"cannot read the webhooks file {path}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise WebhookConfigError(f"the webhooks file {path} is not UTF-8 TOML: {error}") from None
    unknown = sorted(set(document) - {"endpoint"})
    if unknown:
        raise WebhookConfigError(f"{path}: unknown key(s) {', '.join(unknown)} (use [[endpoint]] tables)")
    tables = document.get("endpoint", [])
    if not isinstance(tables, list):
        raise WebhookConfigError(f"{path}: write each endpoint as an [[endpoint]] table")
    endpoints = [_endpoint(path, index, table, os.environ if environ is None else environ)
                 for index, table in enumerate(tables, 1)]  # fmt: skip
    names = [endpoint.name for endpoint in endpoints]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise WebhookConfigError(f"{path}: endpoint name(s) used twice: {', '.join(twice)}")
    return tuple(endpoints)


def _endpoint(path: Path, index: int, table: object, environ: Mapping[str, str]) -> Endpoint:
    if not isinstance(table, dict):
        raise WebhookConfigError(f"{path}: endpoint {index} is not a table")
    name = table.get("name")
    where = f"{path}: endpoint {name!r}" if isinstance(name, str) else f"{path}: endpoint {index}"
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise WebhookConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise WebhookConfigError(
            f"{where}: name must be 1-64 of a-z 0-9 _ . - (starting with a letter or digit)"
        )
    return Endpoint(
        name=name,
        url=_url(where, table.get("url")),
        events=_events(where, table.get("events")),
        secret=(secret := _secret(where, table, environ))[0],
        secret_source=secret[1],
        timeout=_timeout(where, table.get("timeout", DEFAULT_TIMEOUT_S)),
    )


def _url(where: str, url: object) -> str:
    if not isinstance(url, str):
        raise WebhookConfigError(f"{where}: url is missing")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a bad port raises here)
    except ValueError:
        raise WebhookConfigError(f"{where}: url is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookConfigError(f"{where}: url must be http:// or https:// with a host")
    if any(ord(char) < 33 for char in url):
        raise WebhookConfigError(f"{where}: url contains spaces or control characters")
    return url


def _events(where: str, events: object) -> frozenset[str]:
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise WebhookConfigError(f"{where}: events must be a list of event types ({', '.join(EVENT_TYPES)})")
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise WebhookConfigError(
            f"{where}: unknown event type(s) {', '.join(unknown)} (one of {', '.join(EVENT_TYPES)})"
        )
    return frozenset(events)


def _secret(where: str, table: dict[str, object], environ: Mapping[str, str]) -> tuple[str, str]:
    inline, variable = table.get("secret"), table.get("secret_env")
    if (inline is None) == (variable is None):
        raise WebhookConfigError(f"{where}: give exactly one of secret or secret_env")
    if variable is not None:
        if not isinstance(variable, str) or not environ.get(variable):
            raise WebhookConfigError(
                f"{where}: the environment variable {variable!r} (secret_env) is not set"
            )
        inline, source = environ[variable], f"env {variable}"
    else:
        source = "file"
    if not isinstance(inline, str) or len(inline) < 16:
        raise WebhookConfigError(f"{where}: the secret must be at least 16 characters")
    return inline, source


def _timeout(where: str, timeout: object) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= MAX_TIMEOUT_S:
        raise WebhookConfigError(
            f"{where}: timeout must be seconds, more than 0 and at most {MAX_TIMEOUT_S:g}"
        )
    return float(timeout)
