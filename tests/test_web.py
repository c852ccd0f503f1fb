"""`callpop web`: the console in a browser through textual-serve, password sign-in only, on
loopback unless --public says otherwise."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest
from sqlalchemy.engine import Engine

from console import signin
from console.commands import UserError, web
from console.config import load_settings
from tests.harness import operator_row
from tests.servers import PORTS, free_ports, start_callpop, stop, wait_until_answers

SIGN_IN_DEADLINE_S = 90.0


@pytest.fixture
def web_server(sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """A real `callpop web` on a free port of this project's range, its database a SQLite file."""
    database = tmp_path / "callpop.db"
    shutil.copyfile(sqlite_template, database)
    port = free_ports(1)[0]
    log = tmp_path / "web.log"
    process = start_callpop(["web", "--port", str(port), "--database", f"sqlite:///{database}"], log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(process, url, log)
        yield url
    finally:
        stop(process)


async def _screen_text(url: str, wanted: str) -> str:
    """What one browser session's console drew until `wanted` appeared in it."""
    seen = ""
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{url}/ws?width=80&height=24") as socket:
            async with asyncio.timeout(SIGN_IN_DEADLINE_S):
                async for message in socket:
                    if message.type == aiohttp.WSMsgType.TEXT:
                        seen += message.data
                    elif message.type == aiohttp.WSMsgType.BINARY:
                        seen += message.data.decode("utf-8", "replace")
                    if wanted in seen:
                        break
    return seen


def test_the_page_is_served_on_loopback(web_server: str) -> None:
    page = httpx.get(web_server, timeout=10.0)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "textual.js" in page.text and f"{web_server.replace('http', 'ws')}/ws" in page.text


async def test_a_browser_session_opens_on_the_sign_in_screen(web_server: str) -> None:
    """What the browser sees first is the password sign-in, not a console signed in as the
    Unix account that runs `callpop web`."""
    assert "callpop: sign in" in await _screen_text(web_server, "callpop: sign in")


def test_a_web_session_never_signs_in_as_the_os_account(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: textual-serve runs each session's console as the server's Unix account, an
    active operator here, whose config file even asks for OS sign-in. You should see the
    sign-in screen (no actor) in the child's environment, and the OS sign-in without it."""
    operator_row(engine, getpass.getuser())
    Path(os.environ["CALLPOP_CONFIG"]).write_text('signin = "os"\n', encoding="utf-8")
    assert signin.by_os_account(engine, load_settings()) is not None
    child = web.child_environment(os.environ, load_settings())
    monkeypatch.setattr(os, "environ", child)
    monkeypatch.setenv("CALLPOP_SIGNIN", "os")  # even a variable asking for it loses
    settings = load_settings()
    assert settings.signin == "password" and settings.operator == ""
    assert signin.by_os_account(engine, settings) is None
    assert web.child_command().endswith("-m console.cli run")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "callpop.example"])
def test_a_host_beyond_loopback_needs_public(host: str) -> None:
    args = argparse.Namespace(host=host, port=PORTS[0], public=False)
    with pytest.raises(UserError, match="--public"):
        web.run(args, load_settings())


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_need_nothing_more(host: str) -> None:
    assert web.is_loopback(host)
