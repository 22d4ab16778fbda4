"""The canonical content repository that several nodes share (``KB_CONTENT_REMOTE``).

Each node keeps its own clone; the remote is a bare repository (a path, or an ssh/https
URL). :class:`ContentRemote` is the store's narrow hook to it:

- :meth:`ContentRemote.fetch` brings the remote's ``main`` and ``published`` into the local
  clone (the store calls it, under its lock, before every write and when a follower hears
  of a publication);
- :meth:`ContentRemote.push` moves both refs on the remote in one ``git push --atomic``
  with the expected old value of each (``--force-with-lease=ref:old``): either both move
  or neither does. A remote moved by another node raises :class:`RemoteMoved` (the store
  then fetches and replays the write on the new head); an unreachable remote raises
  :class:`RemoteUnavailable`, naming it, and the write is refused.

A write is acknowledged only after its push succeeded, so no node ever reports a write
that the remote does not hold. Nothing here knows about the web layer.
"""

from __future__ import annotations

import logging
import os
import random
import re

from articles.errors import ArticleError
from articles.repository import MAIN
from articles.repository import PUBLISHED
from articles.repository import ZERO
from articles.repository import GitFailure
from articles.repository import GitRepository
from articles.repository import GitTimeout

log = logging.getLogger(__name__)

#: Where the remote's branches are kept in a node's clone (not branches of their own).
TRACKING = {MAIN: "refs/kb-remote/main", PUBLISHED: "refs/kb-remote/published"}
#: Seconds a fetch or push may take before the remote counts as unreachable (the
#: default of ``KB_REMOTE_TIMEOUT_SECONDS``).
TIMEOUT_SECONDS = 20
#: How often a write is replayed on a remote that keeps moving under it.
MAX_REPLAYS = 10
#: First pause before a replay, doubled each time (a random share of it, at most 1 s).
#: Without it two nodes writing without pause kept rejecting each other's pushes (each
#: push's ref lock fails the other's) until one gave up after 8 tries (tests/cluster,
#: 50 saves over 2 nodes: 1 refused in 3 runs under load).
REPLAY_PAUSE_SECONDS = 0.02


def replay_pause(attempt: int) -> float:
    """Seconds to wait before replay number ``attempt`` (0-based): random, growing."""
    return random.uniform(0, min(1.0, REPLAY_PAUSE_SECONDS * 2**attempt))


_REJECTED = re.compile(
    r"\[(rejected|remote rejected)\]|stale info|fetch first|atomic push failed"
    # the remote's ref transaction found another push's value (a race after the lease check)
    r"|is at [0-9a-f]{40} but expected"
)
_CREDENTIALS = re.compile(r"//[^/@]*@")


class RemoteUnavailable(ArticleError):
    """The shared content repository cannot be reached (or refuses us): nothing was written."""

    default_code = "remote_unavailable"

    def __init__(self, message: str, *, remote: str) -> None:
        super().__init__(message, code=self.default_code)
        self.remote = remote


class RemoteBusy(RemoteUnavailable):
    """The remote answered, but other nodes kept moving it during every replay of a write:
    nothing was written, and trying again shortly will most likely go through."""

    default_code = "remote_busy"


class RemoteMoved(ArticleError):
    """Another node moved the remote first: fetch and replay (the store does it)."""

    default_code = "remote_moved"


def display_name(url: str) -> str:
    """The remote as messages show it: the URL without any user or password in it."""
    return _CREDENTIALS.sub("//", url)


class ContentRemote:
    """The shared bare repository of a node's content clone.

    :param url: path or URL of the bare repository.
    :param repo: the node's clone.
    :param timeout: seconds one fetch, push or listing may take; a remote that does not
        answer within it is unreachable (:class:`RemoteUnavailable`).
    """

    def __init__(self, url: str, repo: GitRepository, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url
        self.repo = repo
        self.timeout = timeout

    @property
    def name(self) -> str:
        """The remote as shown to people (no credentials)."""
        return display_name(self.url)

    def _run(self, *args: str) -> bytes:
        """Run git against the remote, killed after :attr:`timeout` seconds."""
        env = {"GIT_SSH_COMMAND": _ssh_command(self.timeout)}
        return self.repo.run(*args, env=env, timeout=self.timeout)

    def _git(self, *args: str) -> bytes:
        try:
            return self._run(*args)
        except GitFailure as exc:
            raise RemoteUnavailable(
                f"Remote unreachable: {self.name}. Nothing was written: check the network and "
                f"the repository, then try again ({exc}).",
                remote=self.name,
            ) from None

    def remote_heads(self) -> dict[str, str]:
        """The remote's ``main`` and ``published`` (absent ones are left out)."""
        out = self._git("ls-remote", "--", self.url, MAIN, PUBLISHED).decode()
        heads = {}
        for line in out.splitlines():
            sha, _tab, ref = line.partition("\t")
            if ref in (MAIN, PUBLISHED):
                heads[ref] = sha
        return heads

    def fetch(self) -> dict[str, str]:
        """Fetch the remote's two lines; returns ``{ref: commit}`` of the remote.

        :raises RemoteUnavailable: if it cannot be reached.
        """
        specs = [f"+{ref}:{TRACKING[ref]}" for ref in (MAIN, PUBLISHED)]
        self._git("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", self.url, *specs)
        heads = {}
        for ref, tracking in TRACKING.items():
            sha = self.repo.resolve(tracking)
            if sha is not None:
                heads[ref] = sha
        return heads

    def push(self, updates: list[tuple[str, str, str]]) -> None:
        """Move refs on the remote, all or none, each only if it still has its old value.

        :param updates: ``[(ref, new, old)]`` as for :meth:`GitRepository.update_refs`.
        :raises RemoteMoved: another node moved one of them first (nothing was changed).
        :raises RemoteUnavailable: the remote cannot be reached.
        """
        if not updates:
            return
        args = ["push", "--atomic", "--porcelain", "--quiet"]
        for ref, _new, old in updates:
            args.append(f"--force-with-lease={ref}:{'' if old == ZERO else old}")
        args += ["--", self.url] + [f"{new}:{ref}" for ref, new, _old in updates]
        try:
            self._run(*args)
        except GitTimeout as exc:
            # The push may have landed just before it was killed: then it is written.
            if not self._landed(updates):
                raise RemoteUnavailable(
                    f"Remote unreachable: {self.name}. It did not answer within "
                    f"{self.timeout:g} s, so nothing was saved: try again ({exc}).",
                    remote=self.name,
                ) from None
        except GitFailure as exc:
            if _REJECTED.search(str(exc)) or self._moved(updates):
                raise RemoteMoved(
                    f"{self.name} moved while this write was prepared; it is replayed.",
                ) from None
            raise RemoteUnavailable(
                f"Remote unreachable: {self.name}. It did not accept the write, so nothing "
                f"was saved: try again in a moment ({exc}).",
                remote=self.name,
            ) from None
        for ref, new, _old in updates:
            self.repo.run("update-ref", TRACKING[ref], new)

    def _moved(self, updates: list[tuple[str, str, str]]) -> bool:
        """After a failed push: does the remote hold other values than we expected?

        A remote already at our *new* value counts too: another node made the identical
        commit (same parent, tree, author and second, as scheduled runs can), and the
        replay then finds the work done.
        """
        try:
            heads = self.remote_heads()
        except RemoteUnavailable:
            return False
        return any(heads.get(ref, ZERO) != old for ref, _new, old in updates)

    def _landed(self, updates: list[tuple[str, str, str]]) -> bool:
        """After a push that timed out: does the remote hold every new value?"""
        try:
            heads = self.remote_heads()
        except RemoteUnavailable:
            return False
        return all(heads.get(ref, ZERO) == new for ref, new, _old in updates)

    def is_empty(self) -> bool:
        """Whether the remote has no ``main`` yet (a new deployment)."""
        return MAIN not in self.remote_heads()


def _ssh_command(timeout: float) -> str:
    """ssh for git: never prompt (a node has no terminal), give up on a dead host quickly."""
    return os.environ.get("GIT_SSH_COMMAND") or (
        f"ssh -o BatchMode=yes -o ConnectTimeout={max(1, int(timeout))}"
    )
