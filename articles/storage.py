"""Core of the content store: opening, reading, caching, conflict checks and publishing.

:class:`StoreCore` holds what every part of :class:`articles.store.ArticleStore` shares;
use ``ArticleStore``, not this class.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
import functools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from typing import Self
from typing import TypeVar

from articles import recovery
from articles import workflow
from articles.attachments import AttachmentLimits
from articles.attachments import attachment_changes
from articles.errors import ArticleError
from articles.errors import ArticleNotFound
from articles.errors import InvalidArticle
from articles.errors import InvalidRevision
from articles.errors import InvalidSlug
from articles.errors import RevisionConflict
from articles.frontmatter import DEFAULT_MAX_BYTES
from articles.frontmatter import parse as parse_article
from articles.lock import StoreLock
from articles.model import Actor
from articles.model import Article
from articles.model import ArticleMeta
from articles.model import Revision
from articles.model import Status
from articles.model import WorkflowState
from articles.remote import MAX_REPLAYS
from articles.remote import TIMEOUT_SECONDS as REMOTE_TIMEOUT
from articles.remote import ContentRemote
from articles.remote import RemoteBusy
from articles.remote import RemoteMoved
from articles.remote import RemoteUnavailable
from articles.remote import replay_pause
from articles.repository import MAIN
from articles.repository import PUBLISHED
from articles.repository import ZERO
from articles.repository import GitRepository
from articles.repository import LogEntry
from articles.slugs import LANGUAGES
from articles.slugs import LINE_NAMES
from articles.slugs import article_path
from articles.slugs import split_article_path
from articles.slugs import validate_revision
from articles.slugs import workflow_path

log = logging.getLogger(__name__)

#: Author of commits the store makes on its own (repository creation, scheduled runs).
SYSTEM_ACTOR = Actor("kb1414", "kb1414@localhost")


#: Shortest time between two fetches caused by reads that found nothing (see ``get``).
MISS_FETCH_SECONDS = 0.5

#: Articles parsed and kept in memory, keyed by blob (enough for 20,000 articles x 2 lines).
DEFAULT_CACHE_SIZE = 50_000


def commit_trailers(**values: str | None) -> str:
    lines = [f"{k.replace('_', '-')}: {v}" for k, v in values.items() if v]
    return "\n\n" + "\n".join(lines) if lines else ""


_Write = TypeVar("_Write", bound=Callable[..., Any])


def replayed(method: _Write) -> _Write:
    """Make a write method follow the shared remote (``KB_CONTENT_REMOTE``), if any.

    Under the store lock the local lines are first brought to the remote's heads, then the
    write runs on them; when another node pushed in between (:class:`RemoteMoved` from
    :meth:`StoreCore._move`) the whole write runs again on the new heads, so a change to
    the same file becomes the usual :class:`RevisionConflict` and any other change is
    replayed on top, after a random pause that grows with each try
    (:func:`~articles.remote.replay_pause`). Nested writes (``save`` calling
    ``save_many``) replay once, outermost.
    """

    @functools.wraps(method)
    def wrapper(self: StoreCore, *args: Any, **kwargs: Any) -> Any:
        if self.remote is None or int(getattr(self._writing, "depth", 0)):
            return method(self, *args, **kwargs)
        with self._lock:
            self._writing.depth = 1
            try:
                for attempt in range(MAX_REPLAYS):
                    self._follow_locked()
                    try:
                        return method(self, *args, **kwargs)
                    except RemoteMoved:
                        log.info("%s moved under %s; replaying", self.remote.name, method.__name__)
                        time.sleep(replay_pause(attempt))  # let the other node's push through
                raise RemoteBusy(
                    f"The shared content repository {self.remote.name} kept changing during "
                    f"{MAX_REPLAYS} tries, so nothing was written: try again.",
                    remote=self.remote.name,
                )
            finally:
                self._writing.depth = 0

    return wrapper  # type: ignore[return-value]


class StoreCore:
    """Shared state and helpers of the content store (see :class:`~articles.store.ArticleStore`).

    :param path: the content repository (created by :meth:`init`).
    :param allow_self_approval: let the last author approve their own draft.
    :param max_bytes: largest accepted article file.
    :param cache_size: parsed articles kept in memory.
    :param attachment_limits: what an uploaded or imported attachment may be.
    :raises ArticleError: (code ``no_repository``) if ``path`` is not a content repository.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        allow_self_approval: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
        cache_size: int = DEFAULT_CACHE_SIZE,
        attachment_limits: AttachmentLimits | None = None,
        remote: str | None = None,
        remote_timeout: float = REMOTE_TIMEOUT,
    ) -> None:
        self.path = Path(path)
        self.repo = GitRepository(self.path)
        if not self.repo.exists():
            raise ArticleError(
                f"{self.path} is not a content repository: create it with "
                "ArticleStore.init(path) (or `kb init`).",
                code="no_repository",
            )
        self.allow_self_approval = allow_self_approval
        self.max_bytes = max_bytes
        self.attachment_limits = attachment_limits or AttachmentLimits()
        self._last_repairs: builtins.list[str] = []
        self._lock = StoreLock(self.repo.git_dir, on_acquire=self._repair_leftovers)
        self._cache: OrderedDict[tuple[str, str, str], tuple[ArticleMeta, str]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self._states: dict[str, WorkflowState] = {}
        #: The shared bare repository every write is pushed to, or ``None`` (one node).
        self.remote = ContentRemote(remote, self.repo, timeout=remote_timeout) if remote else None
        self._writing = threading.local()
        self._last_miss_fetch = 0.0

    @classmethod
    def init(
        cls, path: str | os.PathLike[str], *, remote: str | None = None, **options: object
    ) -> Self:
        """Open the content repository at ``path``, creating it (main + published) if needed.

        With ``remote`` (the shared bare repository) a new clone takes the remote's
        history, and a remote without any is given this repository's (a new deployment).

        :param path: directory.
        :param remote: path or URL of the shared bare repository, or ``None``.
        :param options: keyword arguments of :class:`ArticleStore`.
        :returns: the store.
        :raises RemoteUnavailable: if ``remote`` is set but cannot be reached.
        """
        repo = GitRepository(path)
        timeout = float(options.get("remote_timeout", REMOTE_TIMEOUT))  # type: ignore[arg-type]
        if not repo.exists():
            GitRepository.init_dir(path)
            with StoreLock(repo.git_dir):  # two processes may initialise at once
                if not repo.exists():
                    if remote and _clone_from(ContentRemote(remote, repo, timeout=timeout)):
                        pass
                    else:
                        GitRepository.create(path, SYSTEM_ACTOR).close()
        if remote:
            with StoreLock(repo.git_dir):
                _offer_to(ContentRemote(remote, repo, timeout=timeout))
        repo.close()
        return cls(path, remote=remote, **options)  # type: ignore[arg-type]

    def follow_remote(self) -> tuple[str, str]:
        """Bring both lines to the shared remote's heads (no-op without a remote).

        Followers call it when another node announced a publication.

        :returns: the published head before and after.
        :raises RemoteUnavailable: if the remote cannot be reached.
        """
        with self._lock:
            before = self._head("published")
            if self.remote is not None:
                self._follow_locked()
            return before, self._head("published")

    def _fetched_after_miss(self) -> bool:
        """After a read found nothing: fetch from the remote (at most every
        :data:`MISS_FETCH_SECONDS`) in case another node wrote it; True if heads moved."""
        if self.remote is None:
            return False
        now = time.monotonic()
        if now - self._last_miss_fetch < MISS_FETCH_SECONDS:
            return False
        self._last_miss_fetch = now
        try:
            with self._lock:
                return self._follow_locked()
        except RemoteUnavailable as exc:
            log.warning("could not look for a missing article on the remote: %s", exc)
            return False

    def _follow_locked(self) -> bool:
        """Fetch and move the local lines to the remote's; True if either moved."""
        assert self.remote is not None
        heads = self.remote.fetch()
        main, pub = self._head("draft"), self._head("published")
        new_main, new_pub = heads.get(MAIN, main), heads.get(PUBLISHED, pub)
        updates = [
            (ref, new, old)
            for ref, new, old in ((MAIN, new_main, main), (PUBLISHED, new_pub, pub))
            if new != old
        ]
        if updates:
            self.repo.update_refs(updates)
            if new_main != main:
                self.repo.mirror_worktree(main, new_main)
        return bool(updates)

    def _repair_leftovers(self) -> None:
        """Under the lock: remove a dead writer's locks and files, finish its ref move."""
        removed = recovery.remove_leftovers(self.repo.git_dir)
        moved = recovery.finish_intent(self.repo)
        self._last_repairs = [f"removed {name}" for name in removed]
        self._last_repairs += [f"completed the move of {ref}" for ref in moved]

    def recover(self) -> builtins.list[str]:
        """Repair what a crash left, as on start: run it before serving (``kb`` does).

        Removes stale git locks and temporary files, completes an interrupted move of
        both lines (see :mod:`articles.recovery`), moves ``published`` up to the
        publication that ``main``'s last commit records when a crash of an older version
        left it behind, and resets the working-tree mirror if it lags behind ``main``.

        :returns: what was repaired, one short note each (empty when nothing was).
        """
        with self._lock:  # runs _repair_leftovers
            notes = list(self._last_repairs)
            self._last_repairs.clear()
            recorded = self._finish_recorded_publication()
            if recorded:
                notes.append(recorded)
            if self.repo.repair_worktree():
                notes.append("working tree reset to main")
            if notes and self.remote is not None:
                notes += self._push_recovered()
        return notes

    def _push_recovered(self) -> builtins.list[str]:
        """After a repair, give the shared remote what this clone has and it lacks.

        A write the repair rolled forward (or a publication that main recorded but an
        older version never moved) exists only here; every other node must see it too.
        Only lines that are strictly ahead of the remote's are pushed (atomically, with
        the remote's values as the expected old ones); a remote that moved on since is
        followed as usual by the next write. An unreachable remote is noted and the push
        is tried on the next start.

        :returns: notes of what was pushed (or why not).
        """
        assert self.remote is not None
        try:
            theirs = self.remote.fetch()
        except RemoteUnavailable as exc:
            log.warning("repaired writes not pushed yet: %s", exc)
            return [f"not pushed yet: remote unreachable: {self.remote.name}"]
        updates = []
        for ref, line in ((MAIN, "draft"), (PUBLISHED, "published")):
            ours, remote_head = self._head(line), theirs.get(ref)
            if remote_head == ours:
                continue
            if remote_head is None or self.repo.succeeds(
                "merge-base", "--is-ancestor", remote_head, ours
            ):
                updates.append((ref, ours, remote_head or ZERO))
        if not updates:
            return []
        try:
            self.remote.push(updates)
        except (RemoteMoved, RemoteUnavailable) as exc:
            log.warning("repaired writes not pushed: %s", exc)
            return [f"not pushed yet: {exc}"]
        names = ", ".join(ref.rsplit("/", 1)[-1] for ref, _new, _old in updates)
        log.warning("pushed the repaired %s to %s", names, self.remote.name)
        return [f"pushed {names} to {self.remote.name}"]

    def _finish_recorded_publication(self) -> str | None:
        """Move ``published`` to the commit main's last "Record ..." commit names, if behind.

        The state an interrupted publication of a version without ref intents left:
        main records the publication, the published line does not hold it.
        """
        main_head, pub_head = self._head("draft"), self._head("published")
        entries = self.repo.log(main_head, [], limit=1)
        target = parse_trailers(entries[0].message).get("Published-commit") if entries else None
        if not target or target == pub_head or self.repo.resolve(target) != target:
            return None
        if self.repo.succeeds("merge-base", "--is-ancestor", target, pub_head):
            return None  # published went on since
        if not self.repo.succeeds("merge-base", "--is-ancestor", pub_head, target):
            log.error("main records publication %s, which does not follow published", target)
            return None
        self.repo.run_update_refs([(PUBLISHED, target, pub_head)])
        log.warning("moved published to %s, recorded on main but not applied", target[:10])
        return f"published moved to {target[:10]}"

    def close(self) -> None:
        """Stop the persistent git processes (call when done; tests do)."""
        self.repo.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _head(self, line: str) -> str:
        if line not in LINE_NAMES:
            raise InvalidRevision(
                f"Unknown line {line!r}: use 'draft' or 'published'.", code="invalid_line"
            )
        sha = self.repo.resolve(LINE_NAMES[line])
        if sha is None:  # pragma: no cover - created by init
            raise ArticleError(f"The repository has no {line} line.", code="no_repository")
        return sha

    def _commit(self, line: str, revision: str | None) -> str:
        if revision is None:
            return self._head(line)
        rev = validate_revision(revision)
        if rev in LINE_NAMES:
            return self._head(rev)
        sha = self.repo.resolve(rev)
        if sha is None and self._fetched_after_miss():
            sha = self.repo.resolve(rev)  # a revision another node made a moment ago
        if sha is None:
            raise InvalidRevision(
                f"Revision {rev!r} does not exist (or is ambiguous) in the content repository: "
                "pick one from the history.",
                code="unknown_revision",
                field="revision",
            )
        return sha

    def _parsed(self, blob: str, data: bytes, lang: str, slug: str) -> tuple[ArticleMeta, str]:
        key = (blob, lang, slug)
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        # Stored files were validated on save; a hand-made commit may still be invalid.
        value = parse_article(data, lang=lang, slug=slug, max_bytes=max(self.max_bytes, len(data)))
        with self._cache_lock:
            self._cache[key] = value
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return value

    def _cached(self, blob: str, lang: str, slug: str) -> tuple[ArticleMeta, str] | None:
        with self._cache_lock:
            return self._cache.get((blob, lang, slug))

    def get(
        self, lang: str, slug: str, line: str = "draft", revision: str | None = None
    ) -> Article:
        """Read one article.

        Cheap: no process is spawned (persistent ``cat-file``) and parsing is cached.

        :param lang: ``kk``, ``ru`` or ``en``.
        :param slug: article slug.
        :param line: ``"draft"`` or ``"published"``.
        :param revision: a commit id from the history (either line) instead of the head.
        :returns: the article; ``revision`` is the commit it was read at.
        :raises InvalidSlug: for a bad language or slug.
        :raises InvalidRevision: for a revision that is not hex or does not exist.
        :raises ArticleNotFound: if the article is not on that line/revision.
        """
        path = article_path(lang, slug)
        commit = self._commit(line, revision)
        found = self.repo.blob_at(commit, path)
        if found is None and revision is None and self._fetched_after_miss():
            commit = self._commit(line, revision)  # written on another node a moment ago
            found = self.repo.blob_at(commit, path)
        if found is None:
            where = f"revision {commit[:10]}" if revision else f"the {line} line"
            raise ArticleNotFound(f"No article {path} on {where}.", field="slug")
        blob, data = found
        meta, body = self._parsed(blob, data, lang, slug)
        return Article(meta=meta, body=body, slug=slug, revision=commit, blob=blob, line=line)

    def exists(self, lang: str, slug: str, line: str = "draft") -> bool:
        """Return True if the article is on ``line``.

        :param lang: language.
        :param slug: slug.
        :param line: ``"draft"`` or ``"published"``.
        :returns: whether it exists.
        """
        path = article_path(lang, slug)
        if self.repo.blob_id_at(self._head(line), path) is not None:
            return True
        # written on another node a moment ago?
        return self._fetched_after_miss() and (
            self.repo.blob_id_at(self._head(line), path) is not None
        )

    def list(self, line: str = "draft", lang: str | None = None) -> list[Article]:
        """List every article of a line (one ``ls-tree`` and one ``cat-file`` run at most).

        Files that fail validation (hand-made commits) are skipped and logged.

        :param line: ``"draft"`` or ``"published"``.
        :param lang: only this language.
        :returns: articles sorted by language and slug.
        """
        commit = self._head(line)
        langs = [lang] if lang else list(LANGUAGES)
        if lang and lang not in LANGUAGES:
            raise InvalidSlug(f"Invalid language {lang!r}.", code="invalid_lang", field="lang")
        entries = []
        for path, blob in self.repo.ls_tree(commit, langs).items():
            parts = split_article_path(path)
            if parts:
                entries.append((parts, blob))
        missing = [b for (lg, sl), b in entries if self._cached(b, lg, sl) is None]
        data = self.repo.read_blobs(missing)
        out = []
        for (lg, sl), blob in sorted(entries):
            try:
                parsed = self._cached(blob, lg, sl) or self._parsed(blob, data[blob], lg, sl)
            except InvalidArticle as exc:
                log.warning("skipping invalid %s/%s.md on %s: %s", lg, sl, line, exc)
                continue
            meta, body = parsed
            out.append(
                Article(meta=meta, body=body, slug=sl, revision=commit, blob=blob, line=line)
            )
        return out

    def parse(self, text: str | bytes, lang: str, slug: str) -> tuple[ArticleMeta, str]:
        """Validate an article file without saving it.

        :param text: file content (``str`` or UTF-8 bytes).
        :param lang: language folder.
        :param slug: slug.
        :returns: ``(meta, body)``.
        :raises InvalidSlug: for a bad language or slug.
        :raises InvalidArticle: naming the field, line and fix.
        """
        article_path(lang, slug)
        return parse_article(text, lang=lang, slug=slug, max_bytes=self.max_bytes)

    def _remember(self, blob: str, lang: str, slug: str, meta: ArticleMeta, body: str) -> None:
        with self._cache_lock:
            self._cache[(blob, lang, slug)] = (meta, body)

    def _check_expected(
        self,
        path: str,
        head: str,
        current: str | None,
        expected: str | None,
        attempted: str,
        lang: str | None,
        slug: str | None,
    ) -> None:
        """Raise :class:`RevisionConflict` unless the file is as it was at ``expected``."""
        if expected is None:
            if current is None:
                return
            why = f"{path} already exists: open it and edit it instead of creating it again."
        else:
            base = self._commit("draft", expected)
            if self.repo.blob_id_at(base, path) == current:
                return
            why = (
                f"{path} was changed by someone else after revision {expected[:10]}: compare "
                "your text with the current version and save again."
            )
            if current is None:
                why = f"{path} was deleted after revision {expected[:10]}."
        current_article = None
        current_text = None
        if current is not None:
            found = self.repo.blob_at(head, path)
            if found is not None:
                current_text = found[1].decode("utf-8", errors="replace")
            if lang and slug:
                current_article = self.get(lang, slug, revision=head)
        raise RevisionConflict(
            why,
            current=current_article,
            attempted=attempted,
            path=path,
            expected_revision=expected,
            current_text=current_text,
        )

    def _move(
        self, main_old: str, main_new: str, pub_old: str | None = None, pub_new: str | None = None
    ) -> None:
        updates = []
        if main_new != main_old:
            updates.append((MAIN, main_new, main_old))
        if pub_old is not None and pub_new is not None and pub_new != pub_old:
            updates.append((PUBLISHED, pub_new, pub_old))
        if updates and self.remote is not None:
            # acknowledged only once the shared remote holds it (see ``replayed``)
            self.remote.push(updates)
        if updates:
            self.repo.update_refs(updates)
        if main_new != main_old:
            self.repo.mirror_worktree(main_old, main_new)

    def _lookup(self, commit: str, paths: Sequence[str]) -> dict[str, str]:
        """Blob ids of ``paths`` at ``commit``: one round trip each if few, else one ls-tree."""
        if len(paths) <= 16:
            found = {p: self.repo.blob_id_at(commit, p) for p in paths}
            return {p: b for p, b in found.items() if b is not None}
        folders = sorted({p.rsplit("/", 1)[0] for p in paths})
        listing = self.repo.ls_tree(commit, folders)
        return {p: listing[p] for p in paths if p in listing}

    def _states_of(
        self, main_head: str, pub_head: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[WorkflowState, bool]]:
        """Workflow states of many articles, and whether each has a stored record.

        Without a record the state is derived: ``published`` if the draft equals the
        published file, else ``draft`` (imports and hand-made commits have no record).
        """
        records = self._lookup(main_head, [workflow_path(*k) for k in keys])
        data = self.repo.read_blobs(b for b in records.values() if b not in self._states)
        out: dict[tuple[str, str], tuple[WorkflowState, bool]] = {}
        bare = []
        for key in keys:
            blob = records.get(workflow_path(*key))
            if blob is None:
                bare.append(key)
                continue
            state = self._states.get(blob)
            if state is None:
                state = workflow.load(data[blob]) or WorkflowState()
                self._states[blob] = state
            out[key] = (state, True)
        if bare:
            paths = [article_path(*k) for k in bare]
            drafts, published = self._lookup(main_head, paths), self._lookup(pub_head, paths)
            for key, path in zip(bare, paths, strict=True):
                on_pub = published.get(path)
                status = Status.PUBLISHED if on_pub and on_pub == drafts.get(path) else Status.DRAFT
                out[key] = (WorkflowState(status=status, published_blob=on_pub), False)
        return out

    def _state(self, commit: str, lang: str, slug: str) -> WorkflowState:
        pub_head = self._head("published")
        return self._states_of(commit, pub_head, [(lang, slug)])[(lang, slug)][0]

    def _last_author(self, commit: str, path: str) -> LogEntry | None:
        """The last commit on the draft line that changed ``path`` (its author wrote it)."""
        entries = self.repo.log(commit, [path], limit=1)
        return entries[0] if entries else None

    def _publish_locked(
        self,
        items: Sequence[tuple[str, str, str]],
        *,
        actor: Actor,
        main_head: str,
        pub_head: str,
        now: dt.datetime | None = None,
        batch_message: str | None = None,
        subject: str = "Publish",
        extra_trailers: dict[str, str] | None = None,
        main_files: dict[str, str | None] | None = None,
        credits: tuple[str | None, str | None] = (None, None),
        attachment_sources: Sequence[str] = (),
    ) -> tuple[str, str]:
        """Copy blobs onto the published line and record it on main; returns new heads.

        ``main_files`` are committed on main first (rollback restores the draft text).
        Marks translations of changed articles outdated. Refs are not moved here.
        With ``batch_message`` (imports) one commit publishes every item, and articles
        without a workflow record get none (their state is derived). ``credits`` is
        ``(written_by, approved_by)`` of an earlier version being published again.
        Each published text takes along the attachments it refers to, from ``main_head``
        or else from ``attachment_sources`` (a rollback's version), and drops the others.
        """
        written_by, approved_by = credits
        stamp = workflow.now_iso(now)
        keys = [(lang, slug) for lang, slug, _ in items]
        paths = [article_path(*k) for k in keys]
        previous = self._lookup(pub_head, paths)
        states = {k: v for k, v in self._states_of(main_head, pub_head, keys).items()}
        changed_ids: dict[str, set[str]] = {}
        for (lang, slug, blob), path in zip(items, paths, strict=True):
            if previous.get(path) not in (None, blob):
                changed_ids.setdefault(self._meta_of(blob, lang, slug).id, set()).add(lang)
        commits: dict[tuple[str, str], str] = {}
        new_pub = pub_head
        sources = [main_head, *attachment_sources]
        texts = self.repo.read_blobs({blob for _l, _s, blob in items})
        if batch_message is not None:
            changes: dict[str, str | None] = {
                p: b for p, (_l, _s, b) in zip(paths, items, strict=True) if previous.get(p) != b
            }
            for lang, slug, blob in items:
                body = texts[blob].decode("utf-8", errors="replace")
                changes.update(
                    attachment_changes(
                        self.repo, lang, slug, body, sources=sources, target=pub_head
                    )
                )
            if changes:
                tree = self.repo.build_tree(pub_head, changes)
                new_pub = self.repo.commit_tree(tree, [pub_head], batch_message, actor)
            commits = dict.fromkeys(keys, new_pub)
        else:
            for (lang, slug, blob), path in zip(items, paths, strict=True):
                state = states[(lang, slug)][0]
                draft = self._last_author(main_head, path)
                message = f"{subject} {path[:-3]}" + commit_trailers(
                    Written_by=written_by or (f"{draft.author} <{draft.email}>" if draft else None),
                    Approved_by=approved_by or state.approved_by,
                    Draft_commit=draft.commit if draft else None,
                    **(extra_trailers or {}),
                )
                body = texts[blob].decode("utf-8", errors="replace")
                files = attachment_changes(
                    self.repo, lang, slug, body, sources=sources, target=new_pub
                )
                tree = self.repo.build_tree(new_pub, {path: blob, **files})
                new_pub = self.repo.commit_tree(
                    tree, [new_pub], message, actor, committer=SYSTEM_ACTOR
                )
                commits[(lang, slug)] = new_pub
        updated: dict[tuple[str, str], WorkflowState] = {}
        if changed_ids:
            by_id = self._translation_groups(main_head)
            others = [
                (other_lang, other_slug, sorted(langs)[0])
                for art_id, langs in changed_ids.items()
                for other_lang, other_slug in by_id.get(art_id, [])
                if other_lang not in langs and (other_lang, other_slug) not in states
            ]
            other_states = self._states_of(main_head, pub_head, [(lg, sl) for lg, sl, _ in others])
            for other_lang, other_slug, source in others:
                other = other_states[(other_lang, other_slug)][0]
                updated[(other_lang, other_slug)] = replace_state(
                    other, outdated_by=source, outdated_since=stamp
                )
        for lang, slug, blob in items:
            state, has_record = states[(lang, slug)]
            if batch_message is not None and not has_record:
                continue  # derived as published: draft and published blobs are equal
            if approved_by:
                state = replace_state(state, approved_by=approved_by)
            updated[(lang, slug)] = workflow.published(
                state, actor, commits[(lang, slug)], blob, stamp
            )
        main_changes: dict[str, str | None] = dict(main_files or {})
        records = list(updated.items())
        blobs = self.repo.write_blobs([workflow.dump(state) for _key, state in records])
        for ((lang, slug), _state), blob in zip(records, blobs, strict=True):
            main_changes[workflow_path(lang, slug)] = blob
        if not main_changes or new_pub == pub_head:
            return main_head, new_pub
        tree = self.repo.build_tree(main_head, main_changes)
        names = ", ".join(f"{lg}/{sl}" for lg, sl, _ in items[:5])
        more = f" and {len(items) - 5} more" if len(items) > 5 else ""
        noun = {"Publish": "publication", "Roll back": "rollback"}.get(subject, subject.lower())
        message = f"Record {noun} of {names}{more}" + commit_trailers(Published_commit=new_pub)
        new_main = self.repo.commit_tree(tree, [main_head], message, actor)
        return new_main, new_pub

    def _meta_of(self, blob: str, lang: str, slug: str) -> ArticleMeta:
        cached = self._cached(blob, lang, slug)
        if cached is None:
            cached = self._parsed(blob, self.repo.read_blobs([blob])[blob], lang, slug)
        return cached[0]

    def _translation_groups(self, commit: str) -> dict[str, builtins.list[tuple[str, str]]]:
        groups: dict[str, builtins.list[tuple[str, str]]] = {}
        entries = []
        for path, blob in self.repo.ls_tree(commit, list(LANGUAGES)).items():
            parts = split_article_path(path)
            if parts:
                entries.append((parts, blob))
        missing = [b for (lg, sl), b in entries if self._cached(b, lg, sl) is None]
        data = self.repo.read_blobs(missing)
        for (lang, slug), blob in entries:
            try:
                meta = self._cached(blob, lang, slug) or self._parsed(blob, data[blob], lang, slug)
            except InvalidArticle:
                continue
            groups.setdefault(meta[0].id, []).append((lang, slug))
        return groups

    def _all_states(self, commit: str) -> dict[tuple[str, str], WorkflowState]:
        listing = self.repo.ls_tree(commit, [".workflow"])
        missing = [b for b in listing.values() if b not in self._states]
        data = self.repo.read_blobs(missing)
        out = {}
        for path, blob in listing.items():
            parts = path.split("/")
            if len(parts) != 3 or not parts[2].endswith(".yaml"):
                continue
            state = self._states.get(blob)
            if state is None:
                state = workflow.load(data[blob]) or WorkflowState()
                self._states[blob] = state
            out[(parts[1], parts[2][:-5])] = state
        return out


def _clone_from(remote: ContentRemote) -> bool:
    """Give a new, empty clone the remote's two lines; False if the remote has none."""
    repo = remote.repo
    if set(remote.remote_heads()) != {MAIN, PUBLISHED}:
        return False
    heads = remote.fetch()
    repo.update_refs([(MAIN, heads[MAIN], ZERO), (PUBLISHED, heads[PUBLISHED], ZERO)])
    repo.run("symbolic-ref", "HEAD", MAIN)
    repo.run("read-tree", "-u", "--reset", heads[MAIN], work_tree=True)
    return True


def _offer_to(remote: ContentRemote) -> None:
    """Push this repository's two lines to a remote that has none yet (first node)."""
    repo = remote.repo
    if not remote.is_empty():
        return
    main, pub = repo.resolve(MAIN), repo.resolve(PUBLISHED)
    assert main is not None and pub is not None
    try:
        remote.push([(MAIN, main, ZERO), (PUBLISHED, pub, ZERO)])
    except RemoteMoved:  # another node seeded it at the same moment: follow theirs
        log.info("%s was seeded by another node", remote.name)


def replace_state(state: WorkflowState, **changes: str | None) -> WorkflowState:
    return dataclasses.replace(state, **changes)  # type: ignore[arg-type]


def one_line(text: str | None) -> str | None:
    return " ".join(text.split())[:200] if text else None


def parse_trailers(message: str) -> dict[str, str]:
    out = {}
    for line in message.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key and " " not in key:
            out[key] = value.strip()
    return out


def revision_from(entry: LogEntry, line: str, reviewer: str | None, changed: bool) -> Revision:
    return Revision(
        commit=entry.commit,
        author=entry.author,
        email=entry.email,
        date=entry.date,
        message=entry.message,
        reviewer=reviewer,
        line=line,
        changed_text=changed,
    )
