"""End-to-end fixtures: a live ``kb serve`` over a demo instance, and a real chromium.

- ``live_server`` (session): ``kb init --demo`` into a temporary ``KB_HOME``, one user per
  role (``kb user add NAME --role ROLE``, password :data:`PASSWORD` through
  ``KB_PASSWORD``; see :data:`USERS`: the demo already has an ``admin`` with a random
  password, so the administrator is ``chief``), then ``kb serve`` (gunicorn) on 127.0.0.1
  and a free port. It yields a :class:`LiveServer` (``url``, ``home``, ``password``,
  ``users``) and stops the server at the end of the session.
- ``browser`` (session, in ``tests/conftest.py`` so every test folder shares the one
  Playwright instance): Debian's chromium through Playwright's sync API.
- ``page`` (per test): a fresh browser context (own cookies) with clipboard permissions,
  ``base_url`` set to the live server.
- ``sign_in(page, role)``: signs in through the real form as the user of that role.

Everything stays on this machine: the server listens on loopback only.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
#: The user of each role on the live server.
USERS = {
    "operator": "operator",
    "editor": "editor",
    "reviewer": "reviewer",
    "trainer": "trainer",
    "admin": "chief",
}
#: Seconds the server gets to answer its health check.
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class LiveServer:
    """A running ``kb serve`` over a demo instance.

    :param url: base URL, e.g. ``http://127.0.0.1:40123``.
    :param home: the instance folder (``KB_HOME``).
    :param password: every user's password.
    :param users: ``{role: user name}``; each user holds that one role.
    """

    url: str
    home: Path
    password: str
    users: dict[str, str]

    def env(self) -> dict[str, str]:
        """Environment for ``kb`` commands against this instance."""
        return {**os.environ, "KB_HOME": str(self.home)}


def _kb_command() -> list[str]:
    script = Path(sys.executable).parent / "kb"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kb.cli"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kb serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/-/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"kb serve did not answer on {url} within {START_TIMEOUT:.0f} s")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``kb serve`` on a free loopback port over a fresh demo instance (see module doc)."""
    home = tmp_path_factory.mktemp("live") / "instance"
    env = {**os.environ, "KB_HOME": str(home), "KB_PASSWORD": PASSWORD}
    kb = _kb_command()
    subprocess.run([*kb, "init", "--demo"], env=env, check=True, capture_output=True, cwd=ROOT)
    for role, name in USERS.items():
        subprocess.run(
            [*kb, "user", "add", name, "--role", role], env=env, check=True, capture_output=True
        )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (home / "serve.log").open("wb")
    process = subprocess.Popen(
        [*kb, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env={**env, "KB_THREADS": "4"},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    try:
        _wait_until_up(url, process)
        yield LiveServer(url=url, home=home, password=PASSWORD, users=dict(USERS))
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A page in a fresh context (own cookies, clipboard allowed) on the live server."""
    context = browser.new_context(
        base_url=live_server.url,
        permissions=["clipboard-read", "clipboard-write"],
        locale="ru-RU",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def sign_in(live_server: LiveServer) -> Callable[[Any, str], None]:
    """Sign ``page`` in as the user of ``role`` through the real sign-in form."""

    def do(page: Any, role: str) -> None:
        page.goto("/-/login")
        page.fill("#name", live_server.users[role])
        page.fill("#password", live_server.password)
        page.click("button[type=submit].primary")
        page.wait_for_url(lambda url: "/-/login" not in url)

    return do
