"""`callpop outbox list|retry|deliver` as an admin uses them, acting as the OS account's operator
row, against a real receiver; the webhooks file's mistakes; the dispatcher `callpop serve` runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from console.acting import os_account
from console.cli import main
from console.commands import outbox as outbox_verb
from console.commands.outbox import dispatcher_in_background
from store.db import make_engine, write_session
from store.migrate import upgrade
from store.models import Role
from store.models.outbox import DeliveryStatus
from store.outbox import enqueue
from store.outbox.config import WebhookConfigError, load_endpoints
from store.outbox.deliver import RetryPolicy
from store.outbox.ledger import list_deliveries
from store.policy import Actor
from tests.harness import operator_row
from tests.webhook_receiver import flaky_receiver

ME = os_account()
SECRET = "a-long-secret-nobody-prints"
ADMIN = Actor(ME, Role.ADMIN)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'outbox.db'}"


def _engine(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def _webhooks(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "webhooks.toml"
    path.write_text(body, encoding="utf-8")
    return path


def _crm(tmp_path: Path, receiver_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_HOOK_SECRET", SECRET)
    entry = f'name = "crm"\nurl = "{receiver_url}?token=abc"\nevents = ["prospect.created"]\n'
    path = _webhooks(tmp_path, f'[[endpoint]]\n{entry}secret_env = "CRM_HOOK_SECRET"\ntimeout = 0.5\n')
    monkeypatch.setenv("CALLPOP_WEBHOOKS_FILE", str(path))


def _event(engine: Engine) -> str:
    with write_session(engine) as session:
        return enqueue(session, "prospect.created", {"customer_id": 7})


def test_admin_lists_retries_and_delivers(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: no way to see or push what went out. You should see `deliver --once` fail on
    the 500, `list` show the endpoint (no secret, no token) and the failed try, `retry` make it
    due, a timeout, then delivered; retrying a delivered event does nothing (exit 1)."""
    assert main(["operators", "add", ME, "--role", "admin", "--database", url]) == 0
    engine = _engine(url)
    event_id = _event(engine)
    with flaky_receiver() as receiver:
        _crm(tmp_path, receiver.url, monkeypatch)
        assert main(["outbox", "deliver", "--once", "--database", url]) == 0
        assert "delivered 0, failed 1" in capsys.readouterr().out
        assert main(["outbox", "list", "--database", url]) == 0
        listing = capsys.readouterr()
        assert "crm  http://127.0.0.1:" in listing.out and "secret from env CRM_HOOK_SECRET" in listing.out
        assert f"{event_id} prospect.created -> crm failed attempts 1" in listing.out
        assert "last error: HTTP 500" in listing.out
        assert SECRET not in listing.out + listing.err and "token=abc" not in listing.out
        for _ in range(2):  # a timeout, then the receiver's 200
            assert main(["outbox", "retry", event_id, "--database", url]) == 0
            assert "1 delivery due now" in capsys.readouterr().out
            assert main(["outbox", "deliver", "--once", "--database", url]) == 0
        assert "delivered 1" in capsys.readouterr().out
        assert main(["outbox", "retry", event_id, "--database", url]) == 1
        assert "nothing to retry" in capsys.readouterr().out
        assert receiver.attempts(event_id) == 3 and receiver.taken[event_id] == 1
    assert main(["outbox", "list", "--json", "--status", "delivered", "--database", url]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["endpoints"][0] == {"name": "crm", "url": receiver.url + "?...",
                                        "events": ["prospect.created"], "secret": "env CRM_HOOK_SECRET",
                                        "timeout": 0.5}  # fmt: skip
    (row,) = document["deliveries"]
    assert (row["event_id"], row["status"], row["attempts"]) == (event_id, "delivered", 1)  # since the retry
    assert main(["outbox", "retry", "--dead", "--database", url]) == 1
    assert main(["audit", "show", "--operator", ME, "--database", url]) == 0
    assert "outbox.manage" in capsys.readouterr().out


def test_outbox_is_for_admins(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression guard: an operator retried or read the webhooks' deliveries. You should see
    every outbox verb refused to a supervisor, saying which role it needs."""
    assert main(["operators", "add", "boss", "--role", "admin", "--database", url]) == 0
    operator_row(_engine(url), ME, extension="150", role=Role.SUPERVISOR)
    for verb in (["list"], ["retry", "--dead"]):
        assert main(["outbox", *verb, "--database", url]) == 2
        assert "is supervisor: outbox.manage needs another role" in capsys.readouterr().err


HTTPS = 'url = "https://crm.example/x"\n'
KEY = 'secret = "0123456789abcdef"\n'


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('url = "ftp://crm.example/x"\n' + KEY, "url must be http:// or https://"),
        (HTTPS + 'secret_env = "NOT_SET_ANYWHERE"', "'NOT_SET_ANYWHERE' (secret_env) is not set"),
        (HTTPS + 'secret = "short"', "at least 16 characters"),
        (HTTPS + KEY + 'events = ["order.shipped"]', "unknown event type(s) order.shipped"),
        (HTTPS + KEY + "timeout = 0", "timeout must be seconds"),
        (HTTPS + KEY + "retries = 3", "unknown key(s) retries"),
    ],
)
def test_a_bad_webhooks_file_is_one_clear_error(
    url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    entry: str,
    message: str,
) -> None:
    """Regression guard: a webhook misconfigured was found only when an event failed to send. You
    should see `outbox deliver` refuse at once, naming the endpoint and the fix, exit 2."""
    if "events" not in entry:
        entry += '\nevents = ["wrapup.saved"]'
    path = _webhooks(tmp_path, f'[[endpoint]]\nname = "crm"\n{entry}\n')
    with pytest.raises(WebhookConfigError, match="endpoint 'crm'"):
        load_endpoints(path, {})
    monkeypatch.setenv("CALLPOP_WEBHOOKS_FILE", str(path))
    assert main(["outbox", "deliver", "--once", "--database", url]) == 2
    err = capsys.readouterr().err
    assert message in err and "0123456789abcdef" not in err


def test_deliver_without_a_webhooks_file_says_what_to_set(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "deliver", "--database", url]) == 2
    assert "CALLPOP_WEBHOOKS_FILE" in capsys.readouterr().err


def test_the_verb_knows_every_delivery_status() -> None:
    """Regression guard: `--status` choices kept apart from the model so `--help` loads no store."""
    assert outbox_verb.STATUSES == tuple(DeliveryStatus)


def test_serve_dispatcher_delivers_in_the_background(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: `callpop serve` sent nothing. You should see its background dispatcher take a
    new event to the receiver (past the 500) while the block runs, and stop with it."""
    engine = _engine(url)
    with flaky_receiver() as receiver:
        _crm(tmp_path, receiver.url, monkeypatch)
        endpoints = load_endpoints(tmp_path / "webhooks.toml")
        receiver.release.set()  # the second request is answered at once
        event_id = _event(engine)
        with dispatcher_in_background(engine, endpoints, policy=RetryPolicy(base_s=0.01)) as stopped:
            deadline = time.monotonic() + 60
            while list_deliveries(engine, ADMIN)[0].status != DeliveryStatus.DELIVERED:
                assert time.monotonic() < deadline, "the background dispatcher never delivered"
                time.sleep(0.05)
        assert stopped.is_set()
        assert receiver.attempts(event_id) == 2 and receiver.taken[event_id] == 1
