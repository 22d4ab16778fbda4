"""Start a whole deployment on loopback: PostgreSQL, a bare content remote, ``kb serve``
nodes and haproxy with ``docs/haproxy.cfg`` (the file operators use).

Used by the multi-node tests (``tests/cluster/``) and ``benchmarks/cluster.py``; nothing
here imports pytest. Every process is started by this module and stopped by its PID (a
node's gunicorn master and workers form their own process group, stopped together).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from tests import pgserver

ROOT = Path(__file__).resolve().parents[2]
HAPROXY_CONFIG = ROOT / "docs" / "haproxy.cfg"
PASSWORD = "correct horse battery"
SECRET_KEY = "cluster-test-secret-key-0123456789"
#: Users made on the first node (the database is shared, so they exist on every node).
USERS = {"editor": "editor", "reviewer": "reviewer", "operator": "operator"}
#: Seconds a node or haproxy gets to answer.
START_TIMEOUT = 90.0


def find_haproxy() -> str | None:
    """The haproxy program, or ``None``."""
    return shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
    )


def kb_command() -> list[str]:
    """The ``kb`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "kb"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kb.cli"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Response:
    """An HTTP answer: status, text, and the ``Location`` header."""

    status: int
    text: str
    location: str = ""

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.text)


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects (stdlib only).

    Cookies are per host, not per port: one sign-in serves every node and the balancer
    (the nodes share ``SECRET_KEY``).
    """

    def __init__(self, timeout: float = 30.0) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.timeout = timeout
        self.headers: dict[str, str] = {"Accept-Language": "ru"}

    def request(self, url: str, data: dict[str, Any] | None = None) -> Response:
        """GET (or POST ``data`` as a form) and return the answer, whatever its status."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        url = urllib.parse.quote(url, safe=":/?&=%#+")  # Kazakh and Russian queries
        req = urllib.request.Request(url, data=body, headers=self.headers)
        try:
            with self.opener.open(req, timeout=self.timeout) as answer:
                return Response(answer.status, answer.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            return Response(exc.code, text, exc.headers.get("Location", ""))

    def csrf(self, url: str) -> str:
        """The CSRF token of the page at ``url``."""
        page = self.request(url).text
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'name="csrf-token" content="([^"]+)"', page
        )
        if not match:
            raise RuntimeError(f"no CSRF token on {url}")
        return match.group(1)

    def sign_in(self, base: str, name: str, password: str = PASSWORD) -> None:
        """Sign in through the real form."""
        token = self.csrf(f"{base}/-/login")
        answer = self.request(
            f"{base}/-/login", {"name": name, "password": password, "csrf_token": token}
        )
        if answer.status != 302:
            raise RuntimeError(f"sign-in of {name} failed: {answer.status}")

    def post(self, url: str, data: dict[str, Any], csrf_from: str) -> Response:
        """POST a form with the CSRF token of the page ``csrf_from``."""
        return self.request(url, {"csrf_token": self.csrf(csrf_from), **data})


def article_form(lang: str, slug: str, body: str, revision: str = "") -> dict[str, Any]:
    """The editor's form fields of a small valid article."""
    titles = {"kk": "Зейнетақы туралы анықтама", "ru": "Справка о пенсии"}
    return {
        "lang": lang,
        "slug": slug,
        "id": slug,
        "title": titles[lang],
        "category": "documents",
        "keywords": "",
        "answer": "",
        "body": body,
        "expected_revision": revision,
        "then": "view",
    }


@dataclass
class Node:
    """One ``kb serve`` node with its own ``KB_HOME`` (clone and index)."""

    name: str
    home: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, workers: int = 1) -> None:
        """Start ``kb serve`` and wait for its health check."""
        self.spawn(workers)
        self.wait_alive()

    def wait_alive(self) -> None:
        """Wait (bounded) until the started node answers its health check."""
        wait_until(f"{self.url}/-/healthz", self.process)

    def spawn(self, workers: int = 1) -> None:
        """Start ``kb serve`` without waiting for it (see :meth:`wait_alive`)."""
        log = (self.home / "serve.log").open("ab")
        self.process = subprocess.Popen(
            [*kb_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
            + ["--workers", str(workers)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,  # master and workers: one process group, stopped together
        )
        log.close()

    def kill(self) -> None:
        """``kill -9`` the node (master and workers)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """Stop the node gracefully (SIGTERM to its group), then wait (bounded)."""
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def kb(self, *args: str) -> str:
        """Run a ``kb`` command against this node's instance; returns its output."""
        done = subprocess.run(
            [*kb_command(), *args], env=self.env, capture_output=True, text=True, cwd=ROOT
        )
        if done.returncode != 0:
            raise RuntimeError(f"kb {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done.stdout


def wait_until(url: str, process: subprocess.Popen[bytes] | None = None) -> None:
    """Poll ``url`` until it answers 200 (bounded by :data:`START_TIMEOUT`)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT:.0f} s")


@dataclass
class Deployment:
    """PostgreSQL, the bare remote, the nodes and haproxy, all on loopback."""

    root: Path
    pg: pgserver.PgServer
    remote: Path
    nodes: list[Node]
    lb_port: int
    haproxy: subprocess.Popen[bytes] | None = None
    token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lb(self) -> str:
        """The balancer's base URL."""
        return f"http://127.0.0.1:{self.lb_port}"

    def remote_git(self, *args: str) -> str:
        """Run git in the bare remote."""
        return subprocess.run(
            ["git", f"--git-dir={self.remote}", *args], capture_output=True, text=True, check=True
        ).stdout

    def start_haproxy(self) -> None:
        """Run haproxy in the foreground with ``docs/haproxy.cfg`` and this deployment's ports."""
        program = find_haproxy()
        if program is None:
            raise RuntimeError("haproxy not found: apt-get install haproxy")
        env = {
            **os.environ,
            "KB_LB_BIND": f"127.0.0.1:{self.lb_port}",
            "KB_NODE_A": f"127.0.0.1:{self.nodes[0].port}",
            "KB_NODE_B": f"127.0.0.1:{self.nodes[1].port}",
            "KB_LB_ADMIN": str(self.admin_socket),
        }
        log = (self.root / "haproxy.log").open("ab")
        self.haproxy = subprocess.Popen(
            [program, "-db", "-f", str(HAPROXY_CONFIG)], env=env, stdout=log, stderr=log
        )
        log.close()
        wait_until(f"{self.lb}/-/healthz", self.haproxy)

    @property
    def admin_socket(self) -> Path:
        """haproxy's admin socket (``KB_LB_ADMIN``)."""
        return self.root / "haproxy-admin.sock"

    def lb_admin(self, command: str) -> str:
        """Send one command to haproxy's admin socket; returns its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(10)
            conn.connect(str(self.admin_socket))
            conn.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def lb_server(self, name: str) -> dict[str, str]:
        """haproxy's view of node ``name`` in the ready backend (``status``, ``scur``...)."""
        lines = self.lb_admin("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "nodes" and row.get("svname") == name:
                return row
        raise RuntimeError(f"haproxy has no server {name}")

    def restart_node(self, node: Node, *, workers: int = 1) -> None:
        """Restart one node as a deploy does: drain it in haproxy, wait for its requests
        to finish, stop it (SIGTERM), start it, wait until it is ready, then give it
        traffic again and wait until haproxy has it up (every wait bounded)."""
        for backend in ("nodes", "nodes_live"):
            self.lb_admin(f"set server {backend}/{node.name} state drain")
        deadline = time.monotonic() + START_TIMEOUT
        while self.lb_server(node.name)["scur"] != "0" and time.monotonic() < deadline:
            time.sleep(0.2)
        for backend in ("nodes", "nodes_live"):
            self.lb_admin(f"set server {backend}/{node.name} state maint")
        node.stop()
        node.start(workers=workers)
        wait_until(f"{node.url}/-/readyz", node.process)
        for backend in ("nodes", "nodes_live"):
            self.lb_admin(f"set server {backend}/{node.name} state ready")
        deadline = time.monotonic() + START_TIMEOUT
        while not self.lb_server(node.name)["status"].startswith("UP"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"haproxy did not take node {node.name} back")
            time.sleep(0.2)

    def rolling_restart(self, *, workers: int = 1) -> None:
        """Restart every balanced node, one after the other (:meth:`restart_node`)."""
        for node in self.nodes[:2]:
            self.restart_node(node, workers=workers)

    def stop(self) -> None:
        """Stop haproxy, the nodes and PostgreSQL, and delete the folders."""
        try:
            if self.haproxy is not None and self.haproxy.poll() is None:
                self.haproxy.terminate()
                try:
                    self.haproxy.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.haproxy.kill()
                    self.haproxy.wait()
            for node in self.nodes:
                node.stop()
        finally:
            self.pg.stop()
            if os.environ.get("KB_KEEP_CLUSTER") != "1":  # keep the logs to look at
                shutil.rmtree(self.root, ignore_errors=True)


def start(
    node_count: int = 2, *, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Deployment:
    """Start a deployment: the first node seeds the remote with the demo content.

    :param node_count: ``kb serve`` nodes (haproxy balances the first two).
    :param workers: gunicorn workers per node.
    :param extra_env: more settings for every node.
    :returns: the running deployment (call :meth:`Deployment.stop`).
    """
    root = Path(tempfile.mkdtemp(prefix="kb-cluster-"))
    pg = pgserver.start()
    remote = root / "content.git"
    subprocess.run(["git", "init", "--bare", "-q", str(remote)], check=True)
    nodes: list[Node] = []
    deployment = Deployment(
        root=root, pg=pg, remote=remote, nodes=nodes, lb_port=pgserver.free_port()
    )
    try:
        for number in range(node_count):
            name = "abcdefgh"[number]
            home = root / name
            home.mkdir()
            env = {
                **os.environ,
                "KB_HOME": str(home),
                "KB_SECRET_KEY": SECRET_KEY,
                "KB_DATABASE_URL": pg.url(),
                "KB_CONTENT_REMOTE": str(remote),
                "KB_PASSWORD": PASSWORD,
                "KB_THREADS": "4",
                "KB_INDEX_FOLLOW_SECONDS": "1",
                "KB_ALLOW_SELF_APPROVAL": "false",
                **(extra_env or {}),
            }
            node = Node(name=name, home=home, port=pgserver.free_port(), env=env)
            node.kb("init", "--demo") if number == 0 else node.kb("init")
            nodes.append(node)
        for user, role in USERS.items():
            nodes[0].kb("user", "add", user, "--role", role)
        token_out = nodes[0].kb("token", "add", "operator", "--label", "cluster")
        deployment.token = token_out.strip().splitlines()[-1].strip()
        for node in nodes:  # started together: each builds its search engine meanwhile
            node.spawn(workers=workers)
        for node in nodes:
            node.wait_alive()
        if node_count >= 2:
            deployment.start_haproxy()
    except BaseException:
        deployment.stop()
        raise
    return deployment
