"""Low-level access to the content git repository (GitPython plus git plumbing).

Reads of single objects go through GitPython's persistent ``git cat-file --batch``
process (one per thread: GitPython's persistent commands are not thread-safe), so reading
an article spawns no process. Bulk reads use one ``ls-tree``/``cat-file --batch`` run.
Writes never touch the shared index or working tree: blobs are written with one
``hash-object`` run, trees are built in a per-operation temporary index (``GIT_INDEX_FILE``),
commits are made with ``commit-tree`` and refs moved in one ``update-ref`` transaction
that also checks the old values. A move of several refs is recorded first
(:mod:`articles.recovery`), so that one a crash interrupted is completed on the next write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import git

from articles import crashpoints
from articles import recovery
from articles.model import Actor

log = logging.getLogger(__name__)

MAIN = "refs/heads/main"
PUBLISHED = "refs/heads/published"
ZERO = "0" * 40

#: Environment for every git process: no user config, no prompts, stable output.
_BASE_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


def blob_id(data: bytes) -> str:
    """Return the id git gives a blob with this content, without storing it.

    >>> blob_id(b"")
    'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'

    :param data: content.
    :returns: 40-hex blob id.
    """
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _text(value: bytes | str) -> str:
    """GitPython's persistent commands return bytes (its stubs say str)."""
    return value.decode() if isinstance(value, bytes) else value


class GitFailure(RuntimeError):
    """A git command failed unexpectedly (not a user error: a bug or a broken repo)."""


class GitTimeout(GitFailure):
    """A git command was killed after its time limit (a remote that does not answer)."""


@dataclass(frozen=True)
class LogEntry:
    """One commit of ``git log`` output, with the paths it touched among those asked."""

    commit: str
    author: str
    email: str
    date: dt.datetime
    message: str
    paths: tuple[str, ...]


class GitRepository:
    """Plumbing over one content repository.

    :param path: working-tree directory (``path/.git`` is the git dir).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.git_dir = self.path / ".git"
        self._local = threading.local()
        self._opened: list[git.Repo] = []
        self._opened_lock = threading.Lock()
        self._pid = os.getpid()

    # -- set-up ---------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], actor: Actor) -> GitRepository:
        """Create the repository with an empty root commit on ``main`` and ``published``.

        Callers hold the store lock (``git init`` is idempotent and runs first, so the
        lock file has a directory to live in).

        :param path: directory (created if missing).
        :param actor: author of the root commit.
        :returns: the repository.
        """
        repo = cls(path)
        empty_tree = repo.run("mktree", input=b"").decode().strip()
        root = repo.commit_tree(empty_tree, [], "Create content repository", actor)
        repo.update_refs([(MAIN, root, ZERO), (PUBLISHED, root, ZERO)])
        repo.run("symbolic-ref", "HEAD", MAIN)
        repo.run("read-tree", root, work_tree=True)
        return repo

    @staticmethod
    def init_dir(path: str | os.PathLike[str]) -> None:
        """Run ``git init`` (idempotent) so that ``.git/`` exists.

        :param path: directory (created if missing).
        """
        Path(path).mkdir(parents=True, exist_ok=True)
        git.Repo.init(path, initial_branch="main").close()

    def exists(self) -> bool:
        """Return True if the git dir exists and ``main`` resolves."""
        return self.git_dir.is_dir() and self.resolve(MAIN) is not None

    def close(self) -> None:
        """Stop the persistent git processes of every thread."""
        with self._opened_lock:
            for repo in self._opened:
                repo.close()
            self._opened.clear()
        self._local = threading.local()

    # -- processes ------------------------------------------------------------------------

    def _repo(self) -> git.Repo:
        if self._pid != os.getpid():
            # After a fork (gunicorn preload) the parent's cat-file pipes must not be shared.
            self._local = threading.local()
            self._opened = []
            self._pid = os.getpid()
        repo: git.Repo | None = getattr(self._local, "repo", None)
        if repo is None:
            repo = git.Repo(self.path)
            self._local.repo = repo
            with self._opened_lock:
                self._opened.append(repo)
        return repo

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        env: dict[str, str] | None = None,
        work_tree: bool = False,
        check: bool = True,
        timeout: float | None = None,
    ) -> bytes:
        """Run one git command and return its standard output.

        :param args: git arguments (never user text that could be read as an option).
        :param input: bytes for standard input.
        :param env: extra environment variables.
        :param work_tree: run with the working tree (only for mirroring ``main``).
        :param check: raise :class:`GitFailure` on a non-zero exit.
        :param timeout: seconds after which the command is killed (for talking to a
            remote, which may hang); ``None`` waits.
        :returns: standard output.
        :raises GitFailure: if the command fails and ``check`` is set, or times out.
        """
        cmd = ["git", f"--git-dir={self.git_dir}"]
        if work_tree:
            cmd.append(f"--work-tree={self.path}")
        full_env = {**os.environ, **_BASE_ENV, **(env or {})}
        try:
            proc = subprocess.run(
                [*cmd, *args],
                input=input,
                capture_output=True,
                env=full_env,
                cwd=self.path,
                check=False,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise GitTimeout(
                f"git {' '.join(args[:3])} did not finish within {timeout:g} s"
            ) from None
        if check and proc.returncode != 0:
            raise GitFailure(
                f"git {' '.join(args[:3])} failed ({proc.returncode}): "
                f"{proc.stderr.decode(errors='replace').strip()[:500]}"
            )
        return proc.stdout

    def succeeds(self, *args: str) -> bool:
        """Run one git command and return whether it exited with 0 (for yes/no questions).

        :param args: git arguments.
        :returns: True on exit status 0.
        """
        cmd = ["git", f"--git-dir={self.git_dir}", *args]
        env = {**os.environ, **_BASE_ENV}
        proc = subprocess.run(cmd, capture_output=True, env=env, cwd=self.path, check=False)
        return proc.returncode == 0

    # -- reads ----------------------------------------------------------------------------

    def resolve(self, rev: str) -> str | None:
        """Return the full commit id of a ref or hex revision, or ``None`` if unknown.

        :param rev: ``refs/heads/...`` or a validated hex id.
        :returns: 40-hex commit id or ``None`` (also for ambiguous or non-commit ids).
        """
        try:
            sha, kind, _size = self._repo().git.get_object_header(f"{rev}^{{commit}}")
        except ValueError:
            return None
        return _text(sha) if kind == b"commit" else None

    def blob_at(self, commit: str, path: str) -> tuple[str, bytes] | None:
        """Return ``(blob id, content)`` of ``path`` at ``commit``, or ``None`` if absent.

        :param commit: full commit id.
        :param path: validated repository path.
        :returns: the pair or ``None``.
        """
        try:
            sha, kind, _size, data = self._repo().git.get_object_data(f"{commit}:{path}")
        except ValueError:
            return None
        return (_text(sha), data) if kind == b"blob" else None

    def blob_id_at(self, commit: str, path: str) -> str | None:
        """Return the blob id of ``path`` at ``commit`` without reading it, or ``None``.

        :param commit: full commit id.
        :param path: validated repository path.
        :returns: blob id or ``None``.
        """
        try:
            sha, kind, _size = self._repo().git.get_object_header(f"{commit}:{path}")
        except ValueError:
            return None
        return _text(sha) if kind == b"blob" else None

    def has_tree(self, commit: str, path: str) -> bool:
        """Return whether ``path`` is a folder at ``commit`` (no process is spawned).

        :param commit: full commit id.
        :param path: validated repository path.
        :returns: True for a tree.
        """
        try:
            _sha, kind, _size = self._repo().git.get_object_header(f"{commit}:{path}")
        except ValueError:
            return False
        return kind == b"tree"

    def blob_size(self, blob: str) -> int | None:
        """Return the size in bytes of a blob, without reading it.

        :param blob: blob id.
        :returns: the size, or ``None`` if there is no such blob.
        """
        try:
            _sha, kind, size = self._repo().git.get_object_header(blob)
        except ValueError:
            return None
        return int(size) if kind == b"blob" else None

    def ls_tree(self, commit: str, paths: Sequence[str]) -> dict[str, str]:
        """List blobs under ``paths`` at ``commit`` with one ``ls-tree`` run.

        :param commit: full commit id.
        :param paths: folders or files (``[]`` means nothing).
        :returns: ``{path: blob id}``.
        """
        if not paths:
            return {}
        out = self.run("ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths)
        result: dict[str, str] = {}
        for record in out.split(b"\0"):
            if not record:
                continue
            info, _tab, name = record.partition(b"\t")
            _mode, kind, sha = info.split(b" ")
            if kind == b"blob":
                result[name.decode()] = _text(sha)
        return result

    def read_blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        """Read many blobs with one ``cat-file --batch`` run.

        :param shas: blob ids.
        :returns: ``{blob id: content}``.
        """
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        out = self.run("cat-file", "--batch", input="\n".join(wanted).encode() + b"\n")
        result: dict[str, bytes] = {}
        pos = 0
        for _ in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].split(b" ")
            pos = end + 1
            if len(header) != 3:  # "<sha> missing"
                continue
            size = int(header[2])
            result[header[0].decode()] = out[pos : pos + size]
            pos += size + 1
        return result

    def diff_tree(self, old: str, new: str, paths: Sequence[str]) -> list[tuple[str, str]]:
        """Return ``[(status, path)]`` of blobs that differ between two commits.

        :param old: full commit id.
        :param new: full commit id.
        :param paths: folders to compare.
        :returns: status letters ``A``/``M``/``D``/``T`` with paths (no rename detection).
        """
        out = self.run(
            "diff-tree", "-r", "-z", "--no-renames", "--name-status", old, new, "--", *paths
        )
        parts = [p.decode() for p in out.split(b"\0") if p]
        return list(zip(parts[0::2], parts[1::2], strict=True))

    def log(self, ref: str, paths: Sequence[str], *, limit: int | None = None) -> list[LogEntry]:
        """Return commits of ``ref`` touching ``paths``, newest first.

        :param ref: full commit id or ``refs/heads/...``.
        :param paths: paths to follow.
        :param limit: maximum number of entries.
        :returns: log entries, each with the subset of ``paths`` it changed.
        """
        args = ["log", "-z", "--name-only", "--format=%x1e%H%x00%an%x00%ae%x00%aI%x00%B%x00"]
        if limit:
            args.append(f"-n{limit}")
        out = self.run(*args, ref, "--", *paths).decode("utf-8", errors="replace")
        entries = []
        for record in out.split("\x1e"):
            if not record.strip("\0\n"):
                continue
            commit, author, email, date, message, *names = record.split("\x00")
            entries.append(
                LogEntry(
                    commit=commit,
                    author=author,
                    email=email,
                    date=dt.datetime.fromisoformat(date),
                    message=message.strip(),
                    paths=tuple(n.strip("\n") for n in names if n.strip("\n")),
                )
            )
        return entries

    # -- writes (callers hold the store's write lock) -----------------------------------

    def write_blobs(self, contents: Sequence[bytes]) -> list[str]:
        """Store blobs in the object database with one ``hash-object`` run.

        :param contents: file contents.
        :returns: blob ids, in order.
        """
        if not contents:
            return []
        with tempfile.TemporaryDirectory(prefix="kb-blobs-", dir=self.git_dir) as tmp:
            names = []
            for number, data in enumerate(contents):
                name = os.path.join(tmp, str(number))
                with open(name, "wb") as fh:
                    fh.write(data)
                names.append(name)
            out = self.run(
                "hash-object",
                "-w",
                "--no-filters",
                "--stdin-paths",
                input="\n".join(names).encode() + b"\n",
            )
        return out.decode().split()

    def write_blob(self, data: bytes) -> str:
        """Store one blob (see :meth:`write_blobs`).

        :param data: content.
        :returns: blob id.
        """
        return self.write_blobs([data])[0]

    def build_tree(self, base: str, changes: dict[str, str | None]) -> str:
        """Return the tree of ``base`` with ``changes`` applied, via a temporary index.

        :param base: full commit id.
        :param changes: ``{path: blob id}``; ``None`` deletes the path.
        :returns: tree id.
        """
        fd, index = tempfile.mkstemp(prefix="kb-index-", dir=self.git_dir)
        os.close(fd)
        os.unlink(index)  # git wants to create it itself
        env = {"GIT_INDEX_FILE": index}
        try:
            self.run("read-tree", base, env=env)
            crashpoints.reach("store.tree")
            lines = []
            for path, sha in changes.items():
                if sha is None:
                    lines.append(f"0 {ZERO}\t{path}")
                else:
                    lines.append(f"100644 {sha}\t{path}")
            self.run(
                "update-index",
                "-z",
                "--index-info",
                input="\0".join(lines).encode() + b"\0",
                env=env,
            )
            return self.run("write-tree", env=env).decode().strip()
        finally:
            for leftover in (index, index + ".lock"):
                if os.path.exists(leftover):
                    os.unlink(leftover)

    def commit_tree(
        self,
        tree: str,
        parents: Sequence[str],
        message: str,
        author: Actor,
        *,
        committer: Actor | None = None,
    ) -> str:
        """Create a commit object (no ref moves).

        :param tree: tree id.
        :param parents: parent commit ids.
        :param message: full message.
        :param author: author (the acting user).
        :param committer: committer, defaults to the author.
        :returns: commit id.
        """
        who = committer or author
        env = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": who.name,
            "GIT_COMMITTER_EMAIL": who.email,
        }
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        return self.run(*args, input=message.encode(), env=env).decode().strip()

    def update_refs(self, updates: Sequence[tuple[str, str, str]]) -> None:
        """Move refs atomically, each only if it still has its expected old value.

        :param updates: ``[(ref, new, old)]``; ``old`` of :data:`ZERO` means "must not exist".
        :raises GitFailure: if any ref moved meanwhile (nothing is changed then).
        """
        several = len(updates) > 1
        if several:
            # git renames the ref locks one by one: a kill in between moves some refs only.
            recovery.write_intent(self.git_dir, updates)
        crashpoints.reach("store.refs.before")
        try:
            self.run_update_refs(updates)
        except GitFailure:
            if several:
                recovery.finish_intent(self)
            raise
        crashpoints.reach("store.refs.after")
        if several:
            recovery.clear_intent(self.git_dir)

    def run_update_refs(self, updates: Sequence[tuple[str, str, str]]) -> None:
        """Run one ``update-ref --stdin`` transaction (no intent record: see :meth:`update_refs`).

        :param updates: ``[(ref, new, old)]``.
        :raises GitFailure: if any ref moved meanwhile or is locked.
        """
        lines = ["start"]
        lines += [f"update {ref} {new} {old}" for ref, new, old in updates]
        lines += ["prepare"]
        cmd = ["git", f"--git-dir={self.git_dir}", "update-ref", "--stdin"]
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **_BASE_ENV},
            cwd=self.path,
        )
        assert proc.stdin is not None and proc.stdout is not None
        try:
            # Prepared (every ref locked and checked), then committed: git answers each
            # step, so a crash test can stop between the two (the locks stay behind).
            proc.stdin.write(("\n".join(lines) + "\n").encode())
            proc.stdin.flush()
            answers = [proc.stdout.readline().strip() for _step in ("start", "prepare")]
            if answers == [b"start: ok", b"prepare: ok"]:
                crashpoints.reach("store.refs.prepared", also=proc.pid)
                proc.stdin.write(b"commit\n")
            _out, err = proc.communicate()  # closes stdin: git ends the transaction
        finally:
            if proc.poll() is None:  # pragma: no cover - only if communicate raised
                proc.kill()
                proc.wait()
        if proc.returncode != 0 or answers != [b"start: ok", b"prepare: ok"]:
            raise GitFailure(
                f"git update-ref --stdin failed ({proc.returncode}): "
                f"{err.decode(errors='replace').strip()[:500]}"
            )

    def mirror_worktree(self, old: str, new: str) -> None:
        """Bring the index and working tree from ``old`` to ``new`` (main's files on disk).

        Only for people browsing the folder: the store never reads the working tree.

        :param old: previous head of main.
        :param new: new head of main.
        """
        crashpoints.reach("store.mirror")
        try:
            self.run("read-tree", "-m", "-u", old, new, work_tree=True)
        except GitFailure:
            try:
                self.run("read-tree", "--reset", "-u", new, work_tree=True)
            except GitFailure as exc:  # a mirror problem must not fail the saved write
                log.warning("could not update the working tree of %s: %s", self.path, exc)

    def repair_worktree(self) -> bool:
        """Reset the index and working tree to ``main`` if they lag behind it.

        A crash between moving ``main`` and :meth:`mirror_worktree` (or a stale
        ``index.lock`` that made mirroring fail) leaves the folder behind; run on start.

        :returns: True if they were reset.
        """
        head = self.resolve(MAIN)
        if head is None:
            return False
        # --cached: compares the index's entries with main's tree, no stat of files
        if self.succeeds("diff-index", "--cached", "--quiet", head):
            return False
        try:
            self.run("read-tree", "--reset", "-u", head, work_tree=True)
        except GitFailure as exc:
            log.warning("could not reset the working tree of %s: %s", self.path, exc)
            return False
        log.warning("reset the working tree of %s to main (it was behind)", self.path)
        return True
