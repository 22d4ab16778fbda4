"""The application service: the one place where articles and search meet (no Flask).

Views, the CLI and tests all go through :class:`KnowledgeBase`, so publishing always
updates the index in the same call, whoever publishes.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from articles import crashpoints
from articles.attachments import AttachmentLimits
from articles.errors import ArticleNotFound
from articles.model import Actor
from articles.model import Article
from articles.model import Rendered
from articles.render import render as render_markdown
from articles.render import render_article
from kb.readiness_lag import LagWatch
from search.schema import IndexDoc
from search.schema import stamp_of

if TYPE_CHECKING:
    from articles.bodies import Body
    from articles.course_store import FlaggedQuestion
    from articles.course_store import PinChange
    from articles.courses import Course
    from articles.store import ArticleStore
    from importers.run import ImportReport
    from search.index import SearchIndex
    from search.results import SearchResult
    from search.semantic import RefreshReport
    from search.semantic import SemanticStage

#: How often (seconds) a process checks whether another process changed the index.
SYNC_CHECK_SECONDS = 1.0
#: Demo content is written by one system editor and approved by another.
DEMO_EDITOR = Actor("Demo editor", "demo-editor@kb.local")
DEMO_REVIEWER = Actor("Demo reviewer", "demo-reviewer@kb.local")


def article_url(lang: str, slug: str) -> str:
    """Where an operator opens a published article."""
    return f"/{lang}/{slug}"


def body_url(body_id: str, lang: str) -> str:
    """Where an operator opens a competent body's card."""
    return f"/-/bodies/{body_id}?lang={lang}"


def indexed_text(article: Article) -> str:
    """The words of an article that search reads besides title, answer and keywords.

    The body comes from the same render the reader shows (so the words searched are the
    words shown), followed by the values of the structured facts (documents, fees,
    deadlines), without their field names, so snippets quote the article, not its schema.
    """
    values: list[str] = []
    for value in article.meta.facts.values():
        if isinstance(value, list | tuple):
            values.extend(str(v) for v in value)
        elif value is not None:
            values.append(str(value))
    body = render_markdown(article.body).text
    return "\n".join(part for part in (body, "; ".join(values)) if part)


def article_doc(article: Article, text: str, updated: str = "") -> IndexDoc:
    """Build the search document of a published article.

    :param article: the published article.
    :param text: its :func:`indexed_text`.
    :param updated: the publication time, if known.
    :returns: the index document.
    """
    meta = article.meta
    return IndexDoc(
        kind="article",
        id=meta.id,
        lang=article.lang,
        slug=article.slug,
        title=meta.title,
        text=text,
        answer=meta.answer,
        keywords=tuple(meta.keywords),
        category=meta.category,
        agencies=tuple(meta.agencies),
        services=tuple(meta.services),
        review_by=meta.review_by,
        valid_from=meta.valid_from,
        valid_until=meta.valid_until,
        updated=updated,
        url=article_url(article.lang, article.slug),
    )


def body_docs(body: Body) -> list[IndexDoc]:
    """Build the search documents of a competent body, one per language it is named in."""
    docs = []
    for lang in ("kk", "ru"):
        if lang not in body.name:
            continue
        address = (body.address or {}).get(lang, "")
        text = " ".join(
            part for part in (body.handles.get(lang, ""), address, body.phone, body.site) if part
        )
        docs.append(
            IndexDoc(
                kind="body",
                id=body.id,
                lang=lang,
                slug=body.id,
                title=body.name[lang],
                text=text,
                services=tuple(body.services),
                agencies=(body.id,),
                url=body_url(body.id, lang),
            )
        )
    return docs


@dataclass(frozen=True)
class IndexReport:
    """What ``kb index check`` found: keys missing, stale or extra in the index."""

    missing: tuple[str, ...]
    stale: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def clean(self) -> bool:
        """Whether the index matches the published content exactly."""
        return not (self.missing or self.stale or self.extra)


def attachment_limits(config: Mapping[str, Any]) -> AttachmentLimits:
    """The attachment limits the settings give (``ATTACHMENT_*``).

    :param config: the application settings.
    :returns: the limits for the store.
    """
    from kb.config import attachment_kinds

    return AttachmentLimits(
        max_bytes=int(config.get("ATTACHMENT_MAX_BYTES", 2 * 1024 * 1024)),
        max_pixels=int(config.get("ATTACHMENT_MAX_PIXELS", 25_000_000)),
        kinds=attachment_kinds(
            str(config.get("ATTACHMENT_TYPES", "png,jpeg,gif,webp,pdf,docx,xlsx"))
        ),
    )


@dataclass
class KnowledgeBase:
    """The content store and the search index, opened lazily and shared by threads.

    :param content_dir: the content git repository.
    :param index_dir: the Whoosh index folder, or ``None`` for an in-memory index.
    :param options: store options (``max_bytes``, ``allow_self_approval``),
        ``search_time_limit_ms`` and ``search_cache_entries``.
    """

    content_dir: Path
    index_dir: Path | None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._store: ArticleStore | None = None
        #: What opening the store repaired after a crash (see ArticleStore.recover).
        self.repairs: list[str] = []
        self._index: SearchIndex | None = None
        self._synonyms_at: str | None = None
        self._checked = 0.0
        self._render = lru_cache(maxsize=2048)(self._render_uncached)
        self._semantic: SemanticStage | None = None
        #: Brief lag after a publication is not "not ready" (kb.readiness_lag).
        self.lag_watch = LagWatch(float(self.options.get("ready_lag_seconds", 0)))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> KnowledgeBase:
        """Build from the application settings (``CONTENT_DIR``, ``INDEX_DIR`` ...)."""
        return cls(
            content_dir=Path(config["CONTENT_DIR"]),
            index_dir=Path(config["INDEX_DIR"]),
            options={
                "max_bytes": config["MAX_ARTICLE_BYTES"],
                "allow_self_approval": config["ALLOW_SELF_APPROVAL"],
                "search_time_limit_ms": config["SEARCH_TIME_LIMIT_MS"],
                "search_cache_entries": config["SEARCH_CACHE_ENTRIES"],
                "attachment_limits": attachment_limits(config),
                "content_remote": config["CONTENT_REMOTE"],
                "remote_timeout": config["REMOTE_TIMEOUT_SECONDS"],
                "ready_lag_seconds": config["READY_LAG_SECONDS"],
                "semantic": config["SEMANTIC"],
                "vectors_dir": config["VECTORS_DIR"],
                # Tests share one loaded model (not a setting: test_config only).
                "embedder": config.get("SEMANTIC_EMBEDDER"),
            },
        )

    # -- the two halves ---------------------------------------------------------------

    @property
    def store(self) -> ArticleStore:
        """The content store, created on first use (the repository is made if missing)."""
        if self._store is None:
            from articles.store import ArticleStore

            with self._lock:
                if self._store is None:
                    store = ArticleStore.init(
                        self.content_dir,
                        remote=str(self.options.get("content_remote") or "") or None,
                        remote_timeout=float(self.options.get("remote_timeout", 20)),
                        max_bytes=int(self.options.get("max_bytes", 524288)),
                        allow_self_approval=bool(self.options.get("allow_self_approval", False)),
                        attachment_limits=self.options.get("attachment_limits"),
                    )
                    # Repair what a crash left (stale git locks, a half-moved publication)
                    # before the first write can trip over it; see articles.recovery.
                    self.repairs = store.recover()
                    self._store = store
        return self._store

    @property
    def index(self) -> SearchIndex:
        """The search index, opened on first use with the published synonyms.

        Opening catches it up with the published line: an index of another schema
        version (after an upgrade) opens empty, and content may have been published
        while no process was running.
        """
        if self._index is None:
            with self._lock:
                if self._index is None:
                    index = self._open_index()
                    if index.needs_rebuild or index.last_commit() != self.store.published_head():
                        self.sync_index()
        assert self._index is not None
        return self._index

    @property
    def semantic(self) -> SemanticStage | None:
        """The semantic stage (``SEMANTIC`` on), created on first use; None when off.

        Options: ``semantic`` (bool), ``vectors_dir`` (default: ``vectors`` beside the
        index folder), ``embedder`` (an :class:`~search.semantic.Embedder`; tests share
        one loaded model).
        """
        if not self.options.get("semantic"):
            return None
        if self._semantic is None:
            from search.semantic import SemanticStage

            with self._lock:
                if self._semantic is None:
                    root = self.options.get("vectors_dir") or (
                        (self.index_dir.parent / "vectors") if self.index_dir else None
                    )
                    if root is None:
                        raise ValueError("the semantic stage needs a vectors_dir option")
                    self._semantic = SemanticStage(Path(root), self.options.get("embedder"))
        return self._semantic

    def refresh_vectors(self, **hooks: Any) -> RefreshReport | None:
        """Bring the semantic stage's vectors up to the index now (``kb index embed``).

        :param hooks: ``progress`` and ``on_plan`` callbacks (a progress bar).
        :returns: what was done, or None when the stage is off.
        """
        stage = self.semantic
        if stage is None:
            return None
        index = self.index
        return stage.refresh(index.keys(), self._docs_for_keys, index.last_commit(), **hooks)

    def _follow_with_vectors(self) -> None:
        """After the index moved: refresh the vectors in the background (stage on only)."""
        stage = self.semantic
        if not self.options.get("vectors_in_background", True):
            return
        if stage is not None and self._index is not None:
            if stage.needs_refresh(self._index.last_commit()):
                stage.refresh_in_background(self.refresh_vectors)

    def _docs_for_keys(self, keys: Sequence[str]) -> list[IndexDoc]:
        """The IndexDocs of some index keys, from the published content (gone ones left out)."""
        articles = []
        for key in keys:
            if not key.startswith("body/"):
                lang, _sep, slug = key.partition("/")
                articles.append((lang, slug))
        docs = []
        for lang, slug in articles:
            try:
                article = self.store.get(lang, slug, line="published")
            except ArticleNotFound:
                continue
            docs.append(article_doc(article, indexed_text(article)))
        if any(key.startswith("body/") for key in keys):
            wanted = set(keys)
            for body in self.store.bodies(line="published"):
                docs.extend(d for d in body_docs(body) if d.key in wanted)
        return docs

    def _open_index(self, *, adopt: bool = True) -> SearchIndex:
        """Open the index without catching it up (``kb index check --no-repair``).

        :param adopt: False keeps a live index of another schema version live (see
            :meth:`SearchIndex.open`), for ``kb index prepare``.
        """
        from search.index import SearchIndex

        with self._lock:
            if self._index is None:
                self._index = SearchIndex.open(
                    self.index_dir,
                    result_cache=int(self.options.get("search_cache_entries", 2000)),
                    adopt=adopt,
                )
                self._load_synonyms()
            return self._index

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the index's files and the store's git processes (the object stays usable)."""
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None
            if self._store is not None:
                self._store.close()
                self._store = None

    def health(self) -> dict[str, str]:
        """Whether the content repository and the index can be read."""
        checks = {}
        try:
            self.store.published_head()
            checks["content"] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            checks["content"] = f"error: {type(exc).__name__}"
        try:
            self.index.doc_count()
            checks["index"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["index"] = f"error: {type(exc).__name__}"
        return checks

    # -- reading ----------------------------------------------------------------------

    def _render_uncached(self, lang: str, slug: str, revision: str, line: str) -> Rendered:
        article = self.store.get(lang, slug, line=line, revision=revision)
        return render_article(article.meta, article.body)

    def render(self, article: Article, line: str = "published") -> Rendered:
        """Render an article (cached by revision: a revision never changes)."""
        return self._render(article.lang, article.slug, article.revision, line)

    def published(self, lang: str, slug: str) -> tuple[Article, Rendered]:
        """The published version of an article and its render.

        :raises ArticleNotFound: if it is not published.
        """
        article = self.store.get(lang, slug, line="published")
        return article, self.render(article)

    def bodies(self) -> dict[str, Body]:
        """The published competent bodies by id."""
        return {body.id: body for body in self.store.bodies(line="published")}

    # -- search -----------------------------------------------------------------------

    def search(
        self,
        q: str,
        *,
        lang: str | None = None,
        limit: int = 10,
        filters: Mapping[str, str | None] | None = None,
        prefer: str | None = None,
        settled: bool = False,
    ) -> SearchResult:
        """Search the published content as an operator does.

        :param q: what was typed.
        :param lang: only this language.
        :param limit: how many results.
        :param filters: ``category``, ``agency``, ``service``, ``kind``.
        :param prefer: the caller's language (its versions first), or None for the
            query's own.
        :param settled: the operator paused, pressed Enter, opened or copied (not a
            keystroke of search-as-you-type): the semantic stage may run.
        :raises search.parse.QueryError: for unusable text (too long, bad filter).
        """
        self._follow_other_writers()
        return self.index.search(
            q,
            lang=lang,
            limit=limit,
            filters=filters,
            prefer=prefer,
            time_budget_ms=float(self.options.get("search_time_limit_ms", 300)),
            # The semantic stage is a retrieval step of the pipeline (search.stages).
            stage=self.semantic if settled else None,
        )

    def _follow_other_writers(self) -> None:
        """Reload synonyms when another process moved the index (at most once a second)."""
        now = time.monotonic()
        if now - self._checked < SYNC_CHECK_SECONDS:
            return
        self._checked = now
        if self.index.last_commit() != self._synonyms_at:
            self._load_synonyms()

    def _load_synonyms(self) -> None:
        from search.synonyms import SynonymError
        from search.synonyms import parse_synonyms

        assert self._index is not None
        marker = self._index.last_commit()
        try:
            text, _rev = self.store.read_file("synonyms.txt", line="published")
            groups = parse_synonyms(text)
        except (ArticleNotFound, SynonymError):
            groups = []
        self._index.set_synonyms(groups)
        self._synonyms_at = marker

    # -- index upkeep -----------------------------------------------------------------

    def _published_docs(self, keys: Iterable[tuple[str, str]] | None = None) -> list[IndexDoc]:
        store = self.store
        if keys is None:
            articles = store.list(line="published")
        else:
            articles = [store.get(lang, slug, line="published") for lang, slug in keys]
        docs = [article_doc(a, indexed_text(a)) for a in articles]
        for body in store.bodies(line="published"):
            docs.extend(body_docs(body))
        return docs

    def sync_index(self) -> int:
        """Bring the index up to the published line: only what changed since last time.

        :returns: the number of documents written.
        """
        with self._lock:
            index = self.index
            with index.writing():
                return self._catch_up_locked()[0]

    def catch_up_index(self) -> str:
        """Bring this node's index up to the published head, incrementally; cheap if it is.

        What every worker runs every ``INDEX_FOLLOW_SECONDS`` (:mod:`kb.follower`), so
        publications made by another process (``kb import --publish``, another node
        after a fetch) become searchable without a restart. When nothing changed it
        reads one ref and one small state file.

        :returns: the published head the index now reflects.
        """
        with self._lock:
            index = self.index
            with index.writing():
                return self._catch_up_locked()[1]

    def _catch_up_locked(self) -> tuple[int, str]:
        """Apply the changes since the index's marker; the index's write lock is held.

        The marker is read under the lock, so a rebuild cannot swap generations between
        reading it and writing the difference.
        """
        index = self._index
        assert index is not None
        head = self.store.published_head()
        last = index.last_commit()
        if last == head and not index.needs_rebuild:
            self._follow_with_vectors()
            return 0, head
        if last is None or index.needs_rebuild:
            count, _seconds = self.rebuild_index()
            return count, self.index.last_commit() or head
        changed, deleted = self.store.changed_since(last)
        docs = self._published_docs(changed)
        current_bodies = {d.key for d in docs if d.kind == "body"}
        gone = [f"{lang}/{slug}" for lang, slug in deleted]
        gone += [k for k in index.keys(kind="body") if k not in current_bodies]
        crashpoints.reach("index.update")
        count = index.update(docs, gone, commit_marker=head)
        self._load_synonyms()
        self._follow_with_vectors()
        return count, head

    def rebuild_index(self, procs: int = 1, *, switch: bool = True) -> tuple[int, float]:
        """Rebuild the whole index from the published content.

        The new generation is built beside the live one, which other processes keep
        updating; publications made during the build are applied right after the swap,
        under the index's lock (:meth:`SearchIndex.rebuild` ``after_swap``).

        :param procs: processes analysing and writing in parallel (the CLI uses every
            core; the web server keeps 1, since forking beside busy threads is unsafe).
        :param switch: False only prepares the generation (``kb index prepare``).
        :returns: documents written and seconds taken.
        """
        started = time.perf_counter()
        with self._lock:
            index = self._open_index(adopt=switch)
            head = self.store.published_head()
            docs = self._published_docs()

            def catch_up() -> None:
                self._catch_up_locked()

            count = index.rebuild(
                docs, commit_marker=head, procs=procs, after_swap=catch_up, switch=switch
            )
            self._load_synonyms()
        return count, time.perf_counter() - started

    def check_index(self, *, repair: bool = True) -> IndexReport:
        """Compare the index with the published content; optionally repair the drift.

        With ``repair=False`` nothing is written, not even the catch-up that opening the
        index normally does, so the report shows the drift as it is on disk.
        """
        with self._lock:
            index = self.index if repair else self._open_index()
            with index.writing():
                head = self.store.published_head()
                expected = {doc.key: doc for doc in self._published_docs()}
                have = index.keys()
                missing = tuple(sorted(k for k in expected if k not in have))
                stale = tuple(
                    sorted(k for k in expected if k in have and have[k] != stamp_of(expected[k]))
                )
                extra = tuple(sorted(k for k in have if k not in expected))
                report = IndexReport(missing, stale, extra)
                if repair and not report.clean:
                    docs = [expected[k] for k in missing + stale]
                    index.update(docs, extra, commit_marker=head)
            return report

    def readiness(self, announced: str | None = None) -> dict[str, str]:
        """Whether this node's index has caught up with the newest publication it knows of.

        :param announced: the newest published commit the cluster announced (several
            nodes, :func:`kb.cluster.announced_head`); ``None`` on one machine, where the
            local published head is the one to reach. A node whose clone lacks it (its
            fetch is stuck or failing) is behind even if its index matches its own head;
            an announced commit the local head already contains (this node published
            since) is reached.
        :returns: ``{"index": "ok"}``, or a reason (``behind``, ``rebuilding``,
            ``error: ...``) that ``/-/readyz`` reports with a 503. A lag younger than
            ``READY_LAG_SECONDS`` (:attr:`lag_watch`) is ready, with ``index_lag`` saying
            what the node is catching up to.
        """
        try:
            index = self._index if self._index is not None else self.index
            head = self.store.published_head()
            if index.needs_rebuild:
                return {"index": "rebuilding"}
            marker = index.last_commit()
            if announced and announced != head and not self._holds(announced, head):
                target = announced
                reason = (
                    f"behind: announced {announced[:10]} not fetched, published here {head[:10]}"
                )
            elif marker != head:
                target = head
                reason = f"behind: at {(marker or 'none')[:10]}, published {head[:10]}"
            else:
                self.lag_watch.caught_up()
                return {"index": "ok"}
            lag = self.lag_watch.behind(
                target, lambda commit: marker is not None and self._holds(commit, marker)
            )
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            return {"index": f"error: {type(exc).__name__}"}
        if lag is None:
            return {"index": reason}
        return {"index": "ok", "index_lag": f"catching up for {lag:.1f} s ({reason})"}

    def _holds(self, commit: str, head: str) -> bool:
        """Whether the published line at ``head`` contains ``commit`` (fetched and reached)."""
        repo = self.store.repo
        return repo.resolve(commit) == commit and repo.succeeds(
            "merge-base", "--is-ancestor", commit, head
        )

    # -- publishing (the store, then the index, in one call) ----------------------------

    def publish(
        self, lang: str, slug: str, *, actor: Actor, effective: dt.date | None = None
    ) -> Any:
        """Publish now (searchable at once) or schedule for ``effective``."""
        state = self.store.publish(lang, slug, actor=actor, effective=effective)
        self.sync_index()
        return state

    def unpublish(self, lang: str, slug: str, *, actor: Actor, comment: str | None = None) -> Any:
        """Retire a published article; it leaves the index at once."""
        state = self.store.unpublish(lang, slug, actor=actor, comment=comment)
        self.sync_index()
        return state

    def rollback(self, lang: str, slug: str, revision: str, *, actor: Actor) -> Any:
        """Publish an earlier version as a new commit; the index follows."""
        state = self.store.rollback(lang, slug, revision, actor=actor)
        self.sync_index()
        return state

    def publish_due(self, now: dt.datetime | None = None) -> list[tuple[str, str]]:
        """Publish scheduled articles whose date has come, and index them."""
        done = self.store.publish_due(now)
        if done:
            self.sync_index()
        return done

    def publish_file(self, path: str, *, actor: Actor) -> str:
        """Publish a versioned file (synonyms, a body, a course) and refresh the index."""
        revision = self.store.publish_file(path, actor=actor)
        self.sync_index()
        return revision

    # -- bulk content ---------------------------------------------------------------------

    def load_tree(self, root: Path) -> int:
        """Save and publish a content folder (``kk/``, ``ru/``, ``bodies/``, ``synonyms.txt``).

        Articles go through the real workflow: written by :data:`DEMO_EDITOR`, submitted,
        approved and published by :data:`DEMO_REVIEWER`.

        :returns: the number of articles published.
        """
        store = self.store
        for path in sorted((root / "bodies").glob("*.yaml")) + [root / "synonyms.txt"]:
            if not path.exists():
                continue
            rel = path.relative_to(root).as_posix()
            try:
                _text, revision = store.read_file(rel)
            except ArticleNotFound:
                revision = None
            store.save_file(
                rel,
                path.read_text(encoding="utf-8"),
                actor=DEMO_EDITOR,
                expected_revision=revision,
                message=f"Load {rel}",
            )
            store.publish_file(rel, actor=DEMO_REVIEWER)
        items = []
        for lang in ("kk", "ru", "en"):
            for path in sorted((root / lang).glob("*.md")):
                slug = path.stem
                current = store.get(lang, slug).revision if store.exists(lang, slug) else None
                items.append((lang, slug, path.read_text(encoding="utf-8"), current))
        if items:
            store.save_many(items, actor=DEMO_EDITOR, message=f"Load {len(items)} articles")
        for lang, slug, _text, _rev in items:
            store.submit(lang, slug, actor=DEMO_EDITOR)
            store.approve(lang, slug, actor=DEMO_REVIEWER)
            store.publish(lang, slug, actor=DEMO_REVIEWER)
        self.load_courses(root)
        self.sync_index()
        return len(items)

    def import_content(
        self,
        fmt: str,
        path: Path,
        *,
        actor: Actor,
        lang: str | None = None,
        category: str | None = None,
        publish: bool = False,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Import a file or folder with the importer for ``fmt``; index what got published."""
        from importers.run import import_into

        report = import_into(
            self.store,
            fmt,
            path,
            actor=actor,
            lang=lang,
            category=category,
            publish=publish,
            dry_run=dry_run,
            progress=progress,
        )
        if publish and not dry_run:
            crashpoints.reach("import.published")
            self.sync_index()
        return report

    # -- the operator's view (reader, API) ------------------------------------------------

    def _published_catalog(self) -> dict[str, Any]:
        """Published ids, titles and agencies per article, and the bodies, per published head.

        Built once per process, then brought up to date from ``changed_since`` at each new
        publication (only the changed files are read), so translations and related
        articles cost dictionary look-ups even with 20,000 articles.
        """
        from articles.errors import ArticleError

        head = self.store.published_head()
        cached: dict[str, Any] | None = getattr(self, "_catalog", None)
        if cached is not None and cached["head"] == head:
            return cached
        store = self.store
        articles: dict[tuple[str, str], tuple[str, str, tuple[str, ...]]] | None = None
        if cached is not None:
            try:
                changed, deleted = store.changed_since(cached["head"])
            except ArticleError:
                changed, deleted = [], []
                cached = None
        if cached is not None:
            articles = dict(cached["articles"])
            for key in deleted:
                articles.pop(key, None)
            for lang, slug in changed:
                try:
                    found = store.get(lang, slug, line="published")
                except ArticleError:
                    articles.pop((lang, slug), None)
                    continue
                articles[(lang, slug)] = (found.id, found.title, tuple(found.meta.agencies))
        else:
            articles = {
                (a.lang, a.slug): (a.id, a.title, tuple(a.meta.agencies))
                for a in store.list(line="published")
            }
        by_id: dict[str, dict[str, str]] = {}
        by_agency: dict[str, list[tuple[str, str, str]]] = {}
        for (lang, slug), (article_id, title, agencies) in articles.items():
            by_id.setdefault(lang, {})[article_id] = slug
            for agency in agencies:
                by_agency.setdefault(agency, []).append((lang, slug, title))
        catalog = {
            "head": head,
            "articles": articles,
            "by_id": by_id,
            "by_agency": by_agency,
            "bodies": self.bodies(),
        }
        self._catalog = catalog
        return catalog

    def _outdated(self, head: str | None = None) -> dict[tuple[str, str], str]:
        """Outdated translations, re-read at a new publication or every few seconds.

        Confirming a translation changes only the draft line, hence the time limit too
        (five seconds: one listing of the workflow records, whatever the size).

        :param head: the published head the caller already knows (default: ask git).
        """
        check_seconds = 5.0
        if head is None:
            head = self.store.published_head()
        now = time.monotonic()
        cached: tuple[str, float, dict[tuple[str, str], str]] | None = getattr(
            self, "_outdated_cache", None
        )
        if cached is not None and cached[0] == head and now - cached[1] < check_seconds:
            return cached[2]
        found = {(lang, slug): newer for lang, slug, newer in self.store.outdated_translations()}
        self._outdated_cache = (head, now, found)
        return found

    def outdated_translation(self, lang: str, slug: str) -> str | None:
        """The language whose newer publication made this article outdated, or ``None``.

        :param lang: the article's language.
        :param slug: its slug.
        :returns: e.g. ``"ru"`` when the Russian version changed after this one.
        """
        newer = self._outdated().get((lang, slug))
        return str(newer) if newer else None

    def published_translations(self, article: Article) -> list[Article]:
        """The published versions of ``article`` in other languages, by language.

        :param article: a published article.
        :returns: its published translations.
        """
        by_id = self._published_catalog()["by_id"]
        out = []
        for lang in sorted(by_id):
            slug = by_id[lang].get(article.id)
            if lang != article.lang and slug:
                out.append(self.store.get(lang, slug, line="published"))
        return out

    def published_versions(self, article_id: str) -> dict[str, tuple[str, str]]:
        """The published versions of a translation group: ``{lang: (slug, title)}``.

        :param article_id: the group id (front matter ``id``).
        :returns: the versions (empty when none is published).
        """
        catalog = self._published_catalog()
        out = {}
        for lang, ids in catalog["by_id"].items():
            slug = ids.get(article_id)
            if slug:
                out[lang] = (slug, catalog["articles"][(lang, slug)][1])
        return out

    def verified_dates(self) -> Mapping[tuple[str, str], str]:
        """Per published article, when it was last approved (else published).

        Read once per published head (one read of every workflow record), so the
        search screen shows "verified on" without a git read per hit.

        :returns: ``{(lang, slug): ISO timestamp in UTC}`` (pages show it in local time).
        """
        head = self.store.published_head()
        cached: tuple[str, dict[tuple[str, str], str]] | None = getattr(self, "_verified", None)
        if cached is not None and cached[0] == head:
            return cached[1]
        found = {
            key: state.approved_at or state.published_at or ""
            for key, state in self.store.states().items()
            if state.approved_at or state.published_at
        }
        self._verified = (head, found)
        return found

    def published_id(self, lang: str, slug: str) -> str | None:
        """The translation group id of a published article, or None (a dict look-up)."""
        found = self._published_catalog()["articles"].get((lang, slug))
        return str(found[0]) if found else None

    def related_articles(self, article: Article) -> list[Article]:
        """The published articles ``meta.related`` names, in the article's language.

        :param article: a published article.
        :returns: the related articles that are published (unknown ids are skipped).
        """
        slugs = self._published_catalog()["by_id"].get(article.lang, {})
        return [
            self.store.get(article.lang, slugs[rid], line="published")
            for rid in article.meta.related
            if rid in slugs and rid != article.id
        ]

    def retired(self, lang: str, slug: str) -> bool:
        """Whether the article was published once and has been retired since.

        :param lang: language.
        :param slug: slug.
        :returns: True for a retired article, False otherwise (also when unknown).
        """
        from articles.errors import ArticleError
        from articles.model import Status

        try:
            return self.store.state(lang, slug).status == Status.RETIRED
        except ArticleError:
            return False

    def published_bodies(self) -> dict[str, Body]:
        """The published competent bodies by id, cached per published head.

        :returns: ``{id: Body}``.
        """
        return dict(self._published_catalog()["bodies"])

    def articles_of_body(self, body_id: str, lang: str) -> list[tuple[str, str, str]]:
        """Published articles naming a competent body, in one language.

        :param body_id: the body's directory id.
        :param lang: the language wanted.
        :returns: ``(lang, slug, title)`` triples sorted by title.
        """
        found = self._published_catalog()["by_agency"].get(body_id, [])
        return sorted((item for item in found if item[0] == lang), key=lambda item: item[2])

    # -- training courses (articles.courses; files courses/<id>.yaml) -------------------

    def courses(self, line: str = "draft") -> list[Course]:
        """Every course of a line, sorted by id."""
        from articles import course_store

        return course_store.list_courses(self.store, line)

    def course(self, course_id: str, line: str = "draft") -> Course:
        """One course.

        :raises ArticleNotFound: if it is not on that line.
        """
        from articles import course_store

        return course_store.load(self.store, course_id, line)

    def save_course(
        self,
        course: Course | str,
        *,
        actor: Actor,
        expected_revision: str | None = None,
        course_id: str | None = None,
    ) -> Course:
        """Validate, pin and save a course draft (one commit by ``actor``).

        :raises articles.errors.InvalidArticle: nothing is saved.
        :raises articles.errors.RevisionConflict: the course moved meanwhile.
        """
        from articles import course_store

        return course_store.save(
            self.store,
            course,
            actor=actor,
            expected_revision=expected_revision,
            course_id=course_id,
        )

    def publish_course(self, course_id: str, *, actor: Actor) -> Course:
        """Publish a course draft (its articles must still be published)."""
        from articles import course_store

        return course_store.publish(self.store, course_id, actor=actor)

    def course_changes(self, course: Course) -> tuple[list[PinChange], list[FlaggedQuestion]]:
        """Pinned articles published again since pinning, and questions to review."""
        from articles import course_store

        return course_store.pinned_changes(course, self.store), course_store.flagged_questions(
            course, self.store
        )

    def update_course_pin(
        self,
        course_id: str,
        module_id: str,
        lang: str,
        slug: str,
        *,
        actor: Actor,
        expected_revision: str | None = None,
    ) -> Course:
        """Pin an article of a module to its current published version and save the draft."""
        from articles import course_store
        from articles import courses

        course = course_store.load(self.store, course_id)
        revision = course_store.current_version(self.store, lang, slug) or courses.PUBLISHED
        changed = courses.update_pin(course, module_id, lang, slug, revision)
        return course_store.save(
            self.store,
            changed,
            actor=actor,
            expected_revision=expected_revision or course.revision,
            message=f"Update pin of {lang}/{slug} in course {course_id}/{module_id}",
        )

    def confirm_course_question(
        self, course_id: str, question_id: str, *, actor: Actor, expected_revision: str | None
    ) -> Course:
        """Mark a question reviewed against the current version of its article."""
        from articles import course_store
        from articles import courses

        course = course_store.load(self.store, course_id)
        question = course.question(question_id)
        revision = course_store.current_version(self.store, question.lang, question.slug)
        changed = courses.confirm_question(course, question_id, revision or courses.PUBLISHED)
        return course_store.save(
            self.store,
            changed,
            actor=actor,
            expected_revision=expected_revision or course.revision,
            message=f"Review question {question_id} of course {course_id}",
        )

    def load_courses(self, root: Path) -> int:
        """Save and publish the ``courses/*.yaml`` of a content folder (pins resolved now).

        :returns: the number of courses loaded.
        """
        import logging

        from articles import course_store
        from articles.errors import InvalidArticle

        trainer = Actor("Demo trainer", "demo-trainer@kb.local")
        count = 0
        for path in sorted((root / "courses").glob("*.yaml")):
            try:
                current = course_store.load(self.store, path.stem).revision
            except ArticleNotFound:
                current = None
            try:
                course_store.save(
                    self.store,
                    path.read_text(encoding="utf-8"),
                    actor=trainer,
                    expected_revision=current,
                    course_id=path.stem,
                )
                course_store.publish(self.store, path.stem, actor=trainer)
            except InvalidArticle as exc:
                # A course must not stop the articles from loading; the message says why.
                logging.getLogger(__name__).warning("skipping course %s: %s", path.name, exc)
                continue
            count += 1
        return count

    # -- the search path's look-ups (no git call per hit) ---------------------------------

    def outdated_for_search(self) -> Mapping[tuple[str, str], str]:
        """Outdated translations for search results: ``{(lang, slug): newer language}``.

        :meth:`outdated_translation` asks git for the published head at every call (ten
        times per search page, serialised on one ``git cat-file``). Here the head is the
        index's marker, already followed once a second by :meth:`_follow_other_writers`
        and moved at once by a publication in this process; the draft-line part (a
        confirmed translation) is re-read every five seconds by :meth:`_outdated`.

        :returns: the mapping (shared: do not modify it).
        """
        return self._outdated(self._synonyms_at)
