"""Courses in the content repository: loading, saving, publishing, pins and currency.

:mod:`articles.courses` holds the course model, its YAML form and the edits a trainer
makes; this module reads and writes course files through an
:class:`~articles.store.ArticleStore` and compares pinned article versions with what is
published now (:func:`pinned_changes`, :func:`flagged_questions`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from articles.courses import PUBLISHED
from articles.courses import ArticleRef
from articles.courses import Course
from articles.courses import Item
from articles.courses import Module
from articles.courses import Place
from articles.courses import Question
from articles.courses import course_error
from articles.courses import course_path
from articles.courses import dump
from articles.courses import parse
from articles.diff import Diff
from articles.errors import ArticleNotFound
from articles.errors import InvalidArticle
from articles.errors import InvalidRevision
from articles.model import Actor
from articles.model import Revision
from articles.slugs import SLUG_RE

if TYPE_CHECKING:
    from articles.store import ArticleStore

log = logging.getLogger(__name__)


def blob_id(text: str) -> str:
    """The git blob id of a text (a course file's stable version id)."""
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


# -- published versions and pins -------------------------------------------------------


def published_versions(store: ArticleStore, lang: str, slug: str) -> list[str]:
    """Commits on the published line that changed the article, newest first.

    :returns: commit ids (empty if the article was never published).
    """
    try:
        history = store.history(lang, slug)
    except ArticleNotFound:
        return []
    return [r.commit for r in history if r.line == "published" and r.changed_text]


def current_version(store: ArticleStore, lang: str, slug: str) -> str | None:
    """The commit id of the article's current published version, or None if not published."""
    if not store.exists(lang, slug, line="published"):
        return None
    versions = published_versions(store, lang, slug)
    return versions[0] if versions else None


def _same_text(store: ArticleStore, lang: str, slug: str, a: str, b: str | None) -> bool:
    if b is None:
        return False
    if a == b:
        return True
    try:
        return store.get(lang, slug, revision=a).blob == store.get(lang, slug, revision=b).blob
    except (ArticleNotFound, InvalidRevision):
        return False


def _resolve(store: ArticleStore, lang: str, slug: str, revision: str, where: Place) -> str:
    current = current_version(store, lang, slug)
    if current is None:
        code = "article_unpublished" if store.exists(lang, slug) else "article_missing"
        raise course_error(where, code, "article", article=f"{lang}/{slug}")
    if revision == PUBLISHED:
        return current
    for commit in published_versions(store, lang, slug):
        if commit.startswith(revision):
            store.get(lang, slug, revision=commit)  # a retire commit holds no text
            return commit
    raise course_error(
        where, "revision_unpublished", "revision", revision=revision[:12], article=f"{lang}/{slug}"
    )


def resolve(course: Course, store: ArticleStore) -> Course:
    """Check every article against the store and turn ``published`` pins into commit ids.

    :param course: a parsed course.
    :param store: the content store.
    :returns: the course with every pin a full commit id.
    :raises InvalidArticle: for a missing or unpublished article or a bad revision.
    """
    modules = []
    for module in course.modules:
        items: list[Item] = []
        pins: dict[str, str] = {}
        for n, item in enumerate(module.items, 1):
            if isinstance(item, ArticleRef):
                where = Place(module=module.id, item=n)
                rev = _resolve(store, item.lang, item.slug, item.revision, where)
                pins.setdefault(item.key, rev)
                item = dataclasses.replace(item, revision=rev)
            items.append(item)
        questions = []
        for q in module.questions:
            where = Place(module=module.id, question_id=q.id)
            wanted = pins.get(q.article_key, PUBLISHED) if q.revision == PUBLISHED else q.revision
            rev = _resolve(store, q.lang, q.slug, wanted, where)
            questions.append(dataclasses.replace(q, revision=rev))
        modules.append(dataclasses.replace(module, items=tuple(items), questions=tuple(questions)))
    return dataclasses.replace(course, modules=tuple(modules))


@dataclass(frozen=True)
class PinChange:
    """A pinned article whose published text moved on (``current`` None: no longer published)."""

    module: Module
    item: ArticleRef
    pinned: str
    current: str | None
    diff: Diff | None

    @property
    def retired(self) -> bool:
        """True when the article is no longer published."""
        return self.current is None


@dataclass(frozen=True)
class FlaggedQuestion:
    """A question written against an article version that is no longer the published one."""

    module: Module
    question: Question
    current: str | None


def pinned_changes(course: Course, store: ArticleStore) -> list[PinChange]:
    """Pinned articles that have a newer published version (or were retired), with diffs.

    :param course: the course.
    :param store: the content store.
    :returns: one entry per changed pin, in course order.
    """
    out = []
    for module in course.modules:
        for item in module.articles():
            current = current_version(store, item.lang, item.slug)
            if _same_text(store, item.lang, item.slug, item.revision, current):
                continue
            diff = None
            if current is not None:
                try:
                    diff = store.diff(item.lang, item.slug, item.revision, current)
                except (ArticleNotFound, InvalidRevision):
                    diff = None
            out.append(PinChange(module, item, item.revision, current, diff))
    return out


def flagged_questions(course: Course, store: ArticleStore) -> list[FlaggedQuestion]:
    """Questions whose linked article version is no longer the published one.

    :returns: entries in course order.
    """
    out = []
    for module, question in course.questions():
        current = current_version(store, question.lang, question.slug)
        if not _same_text(store, question.lang, question.slug, question.revision, current):
            out.append(FlaggedQuestion(module, question, current))
    return out


# -- reading and saving through the store -------------------------------------------------


def load(store: ArticleStore, course_id: str, line: str = "draft") -> Course:
    """Read a course from a line.

    :raises ArticleNotFound: if the course is not on that line.
    :raises InvalidArticle: if the stored file is invalid (hand-made commit).
    """
    text, revision = store.read_file(course_path(course_id), line=line)
    course = parse(text, course_id)
    return dataclasses.replace(course, revision=revision, version=blob_id(text))


def list_courses(store: ArticleStore, line: str = "draft") -> list[Course]:
    """Every course of a line (invalid files skipped and logged), sorted by id."""
    out = []
    for path in store.list_files("courses", line=line):
        name = path.rsplit("/", 1)[-1]
        if not name.endswith(".yaml") or not SLUG_RE.fullmatch(name[:-5]):
            continue
        try:
            out.append(load(store, name[:-5], line))
        except InvalidArticle as exc:
            log.warning("skipping invalid %s: %s", path, exc)
    return out


def save(
    store: ArticleStore,
    course: Course | str,
    *,
    actor: Actor,
    expected_revision: str | None = None,
    course_id: str | None = None,
    message: str | None = None,
) -> Course:
    """Validate (articles included), resolve pins and save a course draft in one commit.

    :param store: the content store.
    :param course: a course or its YAML text.
    :param actor: the trainer (commit author).
    :param expected_revision: ``Course.revision`` read, ``None`` for a new course.
    :param course_id: the id expected (for text input).
    :param message: commit message.
    :returns: the saved course as read back.
    :raises InvalidArticle: invalid course (nothing is written).
    :raises RevisionConflict: the course changed since ``expected_revision``.
    """
    parsed = parse(course, course_id) if isinstance(course, str) else course
    resolved = resolve(parsed, store)
    text = dump(resolved)
    # Courses built in code (the editing functions) are checked like a file read back.
    parse(text, resolved.id)
    store.save_file(
        course_path(resolved.id),
        text,
        actor=actor,
        expected_revision=expected_revision,
        message=message,
    )
    return load(store, resolved.id)


def publish(store: ArticleStore, course_id: str, *, actor: Actor) -> Course:
    """Publish the course draft after checking its articles are still published.

    :raises InvalidArticle: if an article was retired since (fix the draft first).
    :raises ArticleNotFound: if the course has no draft.
    """
    resolve(load(store, course_id), store)
    store.publish_file(course_path(course_id), actor=actor)
    return load(store, course_id, line="published")


def history(store: ArticleStore, course_id: str) -> list[Revision]:
    """Commits that changed the course file on either line, newest first.

    :param store: the content store.
    :param course_id: the course.
    :returns: revisions (``line`` is ``draft`` or ``published``).
    """
    from articles.repository import MAIN
    from articles.repository import PUBLISHED as PUBLISHED_REF

    path = course_path(course_id)
    out = [
        Revision(e.commit, e.author, e.email, e.date, e.message, line=line)
        for line, ref in (("draft", MAIN), ("published", PUBLISHED_REF))
        for e in store.repo.log(ref, [path], limit=200)
    ]
    # A publication follows its draft, also within the same second.
    return sorted(out, key=lambda r: (r.date, r.line == "published"), reverse=True)
