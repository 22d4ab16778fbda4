"""A throwaway PostgreSQL 15 cluster for tests and benchmarks (``initdb`` + ``pg_ctl``).

:func:`start` creates a cluster in a fresh temporary directory, listening on 127.0.0.1 at
a free port with its socket in that directory, and returns a :class:`PgServer`; its
:meth:`PgServer.stop` stops the postmaster by its PID and deletes the directory. Running
as root (PostgreSQL refuses root), the cluster belongs to an unprivileged user: the
Debian ``postgres`` account if it exists, else ``nobody``.

Nothing here imports pytest: ``benchmarks/`` use it too. :func:`find_bin_dir` returns
``None`` when the server binaries are absent, so a caller can skip with
:data:`MISSING_MESSAGE`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

#: Where Debian's postgresql-15 package puts the server programs.
DEFAULT_BIN_DIR = "/usr/lib/postgresql/15/bin"
#: What to tell a developer whose machine has no PostgreSQL server.
MISSING_MESSAGE = (
    "PostgreSQL 15 server binaries not found in {bin_dir}: apt-get install postgresql "
    "(or set KB_PG_BIN to the folder holding initdb and pg_ctl)"
)
#: Seconds the cluster gets to start or stop.
TIMEOUT = 60.0
#: Database and role every test connects to (trust authentication on loopback only).
DATABASE = "kb"
ROLE = "kb"


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb``/``pg_ctl`` (``KB_PG_BIN`` or Debian's), or ``None``."""
    folder = Path(os.environ.get("KB_PG_BIN") or DEFAULT_BIN_DIR)
    if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
        return folder
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> str | None:
    """The user that owns the cluster when we are root, else ``None`` (ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL")


@dataclass
class PgServer:
    """A running throwaway cluster.

    :param bin_dir: folder of the server programs.
    :param root: temporary directory holding the data dir and the socket.
    :param port: TCP port on 127.0.0.1.
    :param user: the system user running it (``None``: this process's user).
    """

    bin_dir: Path
    root: Path
    port: int
    user: str | None
    pid: int = 0
    _databases: list[str] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    def url(self, database: str = DATABASE) -> str:
        """SQLAlchemy URL of ``database`` (psycopg 3 driver)."""
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = DATABASE) -> str:
        """libpq connection string of ``database`` (for psycopg directly)."""
        return f"host=127.0.0.1 port={self.port} user={ROLE} dbname={database}"

    def _pg(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / program), *args],
            capture_output=True,
            text=True,
            check=check,
            timeout=TIMEOUT,
            user=self.user,
            cwd=self.root,
            env={**os.environ, "LC_ALL": "C.UTF-8", "PGHOST": "127.0.0.1"},
        )

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one SQL statement as the superuser with ``psql``; returns its output."""
        psql = self.bin_dir / "psql"
        program = str(psql) if psql.exists() else (shutil.which("psql") or "psql")
        proc = subprocess.run(
            [program, "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", str(self.port)]
            + ["-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-c", statement],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed: {proc.stderr.strip()[:500]}")
        return proc.stdout.strip()

    def create_database(self, name: str) -> str:
        """Create an empty database owned by :data:`ROLE`; returns its SQLAlchemy URL."""
        self.sql(f'CREATE DATABASE "{name}" OWNER {ROLE}')
        self._databases.append(name)
        return self.url(name)

    def start(self) -> None:
        """Start the postmaster (again, after :meth:`stop_server`) and wait until ready."""
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            str(int(TIMEOUT)),
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}",
            "start",
        )
        first = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
        self.pid = int(first)

    def stop_server(self, mode: str = "fast") -> None:
        """Stop the postmaster by its PID (``fast``: SIGINT, ``immediate``: SIGQUIT)."""
        if not self.pid:
            return
        sig = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}[mode]
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            self.pid = 0
            return
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:  # pragma: no cover - a postmaster that ignores SIGQUIT is broken
            os.kill(self.pid, signal.SIGKILL)
        self.pid = 0

    def restart(self) -> None:
        """Stop (fast) and start the postmaster again on the same port and data."""
        self.stop_server()
        self.start()

    def stop(self) -> None:
        """Stop the postmaster and delete the cluster's directory."""
        try:
            self.stop_server()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start(bin_dir: Path | None = None) -> PgServer:
    """Create and start a throwaway cluster with role and database :data:`ROLE`/``kb``.

    :param bin_dir: server programs (default :func:`find_bin_dir`).
    :returns: the running server; call :meth:`PgServer.stop` when done.
    :raises RuntimeError: when the binaries are absent or the cluster does not start.
    """
    folder = bin_dir or find_bin_dir()
    if folder is None:
        raise RuntimeError(MISSING_MESSAGE.format(bin_dir=DEFAULT_BIN_DIR))
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="kb-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    os.chmod(root, 0o755)
    server = PgServer(bin_dir=folder, root=root, port=free_port(), user=user)
    try:
        server._pg(
            "initdb",
            "-D",
            str(server.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        conf = server.data_dir / "postgresql.conf"
        settings = "\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        settings += "max_connections = 200\nshared_buffers = 32MB\n"
        if user is None:
            with conf.open("a") as handle:
                handle.write(settings)
        else:
            subprocess.run(
                ["tee", "-a", str(conf)],
                input=settings,
                text=True,
                capture_output=True,
                check=True,
                user=user,
            )
        server.start()
        server.sql(f"CREATE ROLE {ROLE} LOGIN")
        server.create_database(DATABASE)
    except BaseException:
        server.stop()
        raise
    return server
