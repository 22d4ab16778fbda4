"""Training courses built from published articles: model, YAML, pins, currency, scoring.

A course is a versioned file ``courses/<id>.yaml`` in the content repository (draft and
published lines, like articles). Each module lists articles **pinned** to a published
version (the commit on the published line that published that text), trainer notes
between them, and quiz questions linked to the article version that answers them. When a
pinned article is published again, :func:`pinned_changes` reports it with the diff and
:func:`update_pin` moves the pin; questions on changed articles are flagged for review.

The file (unknown fields are refused; ``revision: published`` is resolved on save)::

    id: new-operators
    title: {kk: ..., ru: ...}
    languages: [kk, ru]
    audience: new operators
    description: {kk: ..., ru: ...}
    modules:
      - id: documents
        title: {kk: ..., ru: ...}
        items:
          - note: Text between articles      # optional lang: kk|ru (default: every language)
            lang: ru
          - article: ru/passport
            revision: published              # or a commit id of a published version
            note: why it is here
        questions:
          - id: ru-passport-fee              # unique in the course
            kind: choice                     # or short (accepted answers, folded)
            prompt: ...
            options: [4 МРП, "0,2 МРП"]
            correct: [4 МРП]
            explanation: shown after answering
            article: ru/passport             # the article (and revision) that answers it
            revision: published

Plain Python: the web layer and the CLI call these functions with an
:class:`~articles.store.ArticleStore`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

import yaml

from articles.diff import Diff
from articles.errors import ArticleNotFound
from articles.errors import InvalidArticle
from articles.errors import InvalidRevision
from articles.errors import InvalidSlug
from articles.model import Actor
from articles.model import Revision
from articles.slugs import LANGUAGES
from articles.slugs import REVISION_RE
from articles.slugs import SLUG_RE

if TYPE_CHECKING:
    from articles.store import ArticleStore

log = logging.getLogger(__name__)

#: A pin written as this word is resolved to the current published version on save.
PUBLISHED = "published"
KINDS = ("choice", "short")
COURSE_KEYS = {"id", "title", "languages", "audience", "description", "modules"}
MODULE_KEYS = {"id", "title", "items", "questions"}
ARTICLE_KEYS = {"article", "revision", "note"}
NOTE_KEYS = {"note", "lang"}
QUESTION_KEYS = {
    "id",
    "kind",
    "lang",
    "prompt",
    "options",
    "correct",
    "explanation",
    "article",
    "revision",
}


def course_path(course_id: str) -> str:
    """Return the repository path of a course file.

    :param course_id: course id (slug rules).
    :returns: ``courses/<id>.yaml``.
    :raises InvalidSlug: for a bad id.
    """
    if not isinstance(course_id, str) or not SLUG_RE.fullmatch(course_id):
        raise InvalidSlug(
            f"Invalid course id {str(course_id)[:80]!r}: use lowercase latin letters, digits "
            "and hyphens (e.g. 'new-operators').",
            code="invalid_id",
            field="id",
        )
    return f"courses/{course_id}.yaml"


@dataclass(frozen=True)
class ArticleRef:
    """An article in a module, pinned to one published version.

    :param lang: language folder.
    :param slug: article slug.
    :param revision: commit id of the published version (or ``"published"`` before save).
    :param note: the trainer's note about why it is in the module.
    """

    lang: str
    slug: str
    revision: str
    note: str = ""

    @property
    def key(self) -> str:
        """``<lang>/<slug>``."""
        return f"{self.lang}/{self.slug}"


@dataclass(frozen=True)
class TrainerNote:
    """Text a trainer puts between articles (``lang`` None: shown in every language)."""

    text: str
    lang: str | None = None


Item = ArticleRef | TrainerNote


@dataclass(frozen=True)
class Question:
    """A quiz question linked to the article version that answers it.

    :param id: unique within the course.
    :param kind: ``"choice"`` (pick options) or ``"short"`` (type a short answer).
    :param lang: language of the question.
    :param prompt: the question.
    :param options: choices (``choice`` only).
    :param correct: correct options (``choice``) or accepted answers (``short``).
    :param explanation: shown after answering.
    :param slug: article (same language) that answers it.
    :param revision: the article version the question was written against.
    """

    id: str
    kind: str
    lang: str
    prompt: str
    correct: tuple[str, ...]
    slug: str
    revision: str
    options: tuple[str, ...] = ()
    explanation: str = ""

    @property
    def article_key(self) -> str:
        """``<lang>/<slug>`` of the answering article."""
        return f"{self.lang}/{self.slug}"


@dataclass(frozen=True)
class Module:
    """An ordered list of articles and notes, with its quiz."""

    id: str
    title: Mapping[str, str] = field(hash=False)
    items: tuple[Item, ...] = ()
    questions: tuple[Question, ...] = ()

    def articles(self, lang: str | None = None) -> list[ArticleRef]:
        """The pinned articles, optionally of one language."""
        return [i for i in self.items if isinstance(i, ArticleRef) and lang in (None, i.lang)]


@dataclass(frozen=True)
class Course:
    """A course; ``revision`` (line head read at) and ``version`` (file blob id) are not saved."""

    id: str
    title: Mapping[str, str] = field(hash=False)
    languages: tuple[str, ...] = ("kk", "ru")
    audience: str = ""
    description: Mapping[str, str] = field(default_factory=dict, hash=False)
    modules: tuple[Module, ...] = ()
    revision: str = field(default="", compare=False)
    version: str = field(default="", compare=False)

    def module(self, module_id: str) -> Module:
        """Return a module by id.

        :raises ArticleNotFound: if the course has no such module.
        """
        for module in self.modules:
            if module.id == module_id:
                return module
        raise ArticleNotFound(f"Course {self.id} has no module {module_id!r}.", field="module")

    def questions(self) -> Iterator[tuple[Module, Question]]:
        """Every question with its module, in order."""
        for module in self.modules:
            for question in module.questions:
                yield module, question

    def question(self, question_id: str) -> Question:
        """Return a question by id.

        :raises ArticleNotFound: if absent.
        """
        for _module, question in self.questions():
            if question.id == question_id:
                return question
        raise ArticleNotFound(f"Course {self.id} has no question {question_id!r}.")


def localized(values: Mapping[str, str], lang: str) -> str:
    """The text in ``lang``, else in the first language that has one.

    :param values: ``{lang: text}``.
    :param lang: wanted language.
    :returns: the text (empty if none).
    """
    return values.get(lang) or next((v for v in values.values() if v), "")


# -- parsing and dumping ----------------------------------------------------------------


def _fail(where: str, problem: str, fix: str, key: str | None = None) -> InvalidArticle:
    return InvalidArticle(f"{where}: {problem} {fix}", code="invalid_course", field=key)


def _text(value: Any, where: str, key: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _fail(where, f"'{key}' must be text.", "Write it as a plain string.", key)
    text = str(value).strip()
    if required and not text:
        raise _fail(where, f"'{key}' is empty.", "Fill it in.", key)
    return text


def _langs(value: Any, where: str, key: str, *, required: bool) -> dict[str, str]:
    if value is None or value == "":
        value = {}
    if isinstance(value, str):
        raise _fail(where, f"'{key}' must give one text per language.", "Write {kk: ..., ru: ...}.")
    if not isinstance(value, dict):
        raise _fail(where, f"'{key}' must be a mapping.", "Write {kk: ..., ru: ...}.", key)
    out = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            raise _fail(where, f"'{key}' has unknown language {lang!r}.", "Use kk or ru.", key)
        text = _text(text, where, f"{key}.{lang}", required=False)
        if text:
            out[str(lang)] = text
    if required and not out:
        raise _fail(where, f"'{key}' is missing.", "Give it in Kazakh and Russian.", key)
    return out


def _unknown(data: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(str(k) for k in data if k not in allowed)
    if extra:
        raise _fail(
            where,
            f"unknown field(s) {', '.join(extra)}.",
            f"Allowed: {', '.join(sorted(allowed))}.",
            extra[0],
        )


def _article_key(value: Any, where: str) -> tuple[str, str]:
    text = _text(value, where, "article")
    lang, sep, slug = text.partition("/")
    if not sep or lang not in LANGUAGES or not SLUG_RE.fullmatch(slug):
        raise _fail(
            where,
            f"article {text[:80]!r} is not <lang>/<slug>.",
            "Write it like ru/passport.",
            "article",
        )
    return lang, slug


def _revision(value: Any, where: str) -> str:
    if value is None:
        return PUBLISHED
    text = _text(value, where, "revision").lower()
    if text != PUBLISHED and not REVISION_RE.fullmatch(text):
        raise _fail(
            where,
            f"revision {text[:60]!r} is neither a commit id nor 'published'.",
            "Write 'published' to pin the current published version.",
            "revision",
        )
    return text


def _item(data: Any, where: str) -> Item:
    if not isinstance(data, dict):
        raise _fail(where, "an item must be a mapping.", "Write 'article: ru/slug' or 'note: ...'.")
    if "article" in data:
        _unknown(data, ARTICLE_KEYS, where)
        lang, slug = _article_key(data["article"], where)
        return ArticleRef(
            lang=lang,
            slug=slug,
            revision=_revision(data.get("revision"), where),
            note=_text(data.get("note"), where, "note", required=False),
        )
    if "note" in data:
        _unknown(data, NOTE_KEYS, where)
        note_lang = data.get("lang")
        if note_lang is not None and note_lang not in LANGUAGES:
            raise _fail(where, f"unknown note language {note_lang!r}.", "Use kk or ru.", "lang")
        return TrainerNote(text=_text(data["note"], where, "note"), lang=note_lang)
    raise _fail(where, "an item is neither an article nor a note.", "Add 'article' or 'note'.")


def _question(data: Any, where: str) -> Question:
    if not isinstance(data, dict):
        raise _fail(where, "a question must be a mapping.", "Give id, kind, prompt, correct.")
    _unknown(data, QUESTION_KEYS, where)
    qid = _text(data.get("id"), where, "id")
    where = f"{where} ({qid})"
    if not SLUG_RE.fullmatch(qid):
        raise _fail(where, "question id is not a slug.", "Use letters, digits, hyphens.", "id")
    kind = data.get("kind", "choice")
    if kind not in KINDS:
        raise _fail(where, f"kind {kind!r} is unknown.", "Use 'choice' or 'short'.", "kind")
    lang, slug = _article_key(data.get("article"), where)
    if "lang" in data and data["lang"] != lang:
        raise _fail(where, "lang differs from the article's.", "Link an article in it.", "lang")
    options = data.get("options") or []
    correct = data.get("correct")
    if correct is None or correct == "" or correct == []:
        raise _fail(
            where,
            "the question has no correct answer.",
            "Add 'correct' (the right option(s), or accepted short answers).",
            "correct",
        )
    if not isinstance(options, list) or not isinstance(correct, list | str | int):
        raise _fail(where, "options/correct must be lists.", "Write them as YAML lists.", "options")
    opts = tuple(_text(o, where, "options") for o in options)
    right = tuple(
        _text(c, where, "correct") for c in (correct if isinstance(correct, list) else [correct])
    )
    if kind == "choice":
        if len(opts) < 2 or len(set(opts)) != len(opts):
            raise _fail(
                where, "a choice question needs 2+ different options.", "Add options.", "options"
            )
        wrong = [c for c in right if c not in opts]
        if wrong:
            raise _fail(
                where,
                f"correct answer {wrong[0]!r} is not one of the options.",
                "Copy the option text exactly.",
                "correct",
            )
    elif opts:
        raise _fail(where, "a short question has no options.", "Remove 'options'.", "options")
    return Question(
        id=qid,
        kind=kind,
        lang=lang,
        prompt=_text(data.get("prompt"), where, "prompt"),
        correct=right,
        slug=slug,
        revision=_revision(data.get("revision"), where),
        options=opts,
        explanation=_text(data.get("explanation"), where, "explanation", required=False),
    )


def from_data(data: Any, course_id: str | None = None) -> Course:
    """Build a course from parsed YAML, checking its structure (not the articles).

    :param data: the mapping.
    :param course_id: the id the file name gives; must match ``id`` if both are present.
    :returns: the course.
    :raises InvalidArticle: naming the module/question, the field and the fix.
    """
    if not isinstance(data, dict):
        raise _fail("course", "the file must be a YAML mapping.", "Start with 'id:' and 'title:'.")
    _unknown(data, COURSE_KEYS, "course")
    cid = data.get("id", course_id)
    if not isinstance(cid, str) or not SLUG_RE.fullmatch(cid):
        raise _fail(
            "course",
            f"Invalid course id {str(cid)[:80]!r}.",
            "Use lowercase latin letters, digits and hyphens (e.g. 'new-operators').",
            "id",
        )
    if course_id is not None and cid != course_id:
        raise _fail("course", f"id {cid!r} differs from the file name.", f"Use {course_id!r}.")
    languages = data.get("languages") or ["kk", "ru"]
    if not isinstance(languages, list) or any(lg not in LANGUAGES for lg in languages):
        raise _fail("course", "languages must list kk/ru.", "Write [kk, ru].", "languages")
    modules_data = data.get("modules") or []
    if not isinstance(modules_data, list):
        raise _fail("course", "modules must be a list.", "Write '- id: ...' items.", "modules")
    modules, module_ids, question_ids = [], set(), set()
    for number, mdata in enumerate(modules_data, 1):
        where = f"module {number}"
        if not isinstance(mdata, dict):
            raise _fail(where, "a module must be a mapping.", "Give id, title, items.")
        _unknown(mdata, MODULE_KEYS, where)
        mid = _text(mdata.get("id"), where, "id")
        where = f"module {mid!r}"
        if not SLUG_RE.fullmatch(mid):
            raise _fail(where, "module id is not a slug.", "Use letters, digits, hyphens.", "id")
        if mid in module_ids:
            raise _fail(where, "duplicate module id.", "Give every module its own id.", "id")
        module_ids.add(mid)
        items = [_item(i, f"{where} item {n}") for n, i in enumerate(mdata.get("items") or [], 1)]
        questions = []
        for n, qdata in enumerate(mdata.get("questions") or [], 1):
            question = _question(qdata, f"{where} question {n}")
            if question.id in question_ids:
                raise _fail(
                    f"{where} question {question.id!r}",
                    "duplicate question id.",
                    "Give every question of the course its own id.",
                    "id",
                )
            question_ids.add(question.id)
            questions.append(question)
        modules.append(
            Module(
                id=mid,
                title=_langs(mdata.get("title"), where, "title", required=True),
                items=tuple(items),
                questions=tuple(questions),
            )
        )
    return Course(
        id=cid,
        title=_langs(data.get("title"), "course", "title", required=True),
        languages=tuple(dict.fromkeys(languages)),
        audience=_text(data.get("audience"), "course", "audience", required=False),
        description=_langs(data.get("description"), "course", "description", required=False),
        modules=tuple(modules),
    )


def parse(text: str | bytes, course_id: str | None = None) -> Course:
    """Parse and structurally validate a course file.

    :param text: YAML.
    :param course_id: the id the file name gives.
    :returns: the course (pins may still read ``published``).
    :raises InvalidArticle: for bad YAML or structure.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail(
            "course", f"the file is not valid YAML ({str(exc)[:160]}).", "Fix it."
        ) from None
    return from_data(data, course_id)


def to_data(course: Course) -> dict[str, Any]:
    """The course as plain data (the YAML layout)."""

    def item(i: Item) -> dict[str, Any]:
        if isinstance(i, ArticleRef):
            out: dict[str, Any] = {"article": i.key, "revision": i.revision}
            if i.note:
                out["note"] = i.note
            return out
        return {"note": i.text, **({"lang": i.lang} if i.lang else {})}

    def question(q: Question) -> dict[str, Any]:
        out: dict[str, Any] = {"id": q.id, "kind": q.kind, "prompt": q.prompt}
        if q.options:
            out["options"] = list(q.options)
        out["correct"] = list(q.correct)
        if q.explanation:
            out["explanation"] = q.explanation
        out.update(article=q.article_key, revision=q.revision)
        return out

    data: dict[str, Any] = {
        "id": course.id,
        "title": dict(course.title),
        "languages": list(course.languages),
    }
    if course.audience:
        data["audience"] = course.audience
    if course.description:
        data["description"] = dict(course.description)
    data["modules"] = [
        {
            "id": m.id,
            "title": dict(m.title),
            "items": [item(i) for i in m.items],
            "questions": [question(q) for q in m.questions],
        }
        for m in course.modules
    ]
    return data


def dump(course: Course) -> str:
    """Serialise a course to YAML (stable key order, readable Unicode).

    :param course: the course.
    :returns: the file text.
    """
    return yaml.safe_dump(to_data(course), allow_unicode=True, sort_keys=False, width=100)


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


def _resolve(store: ArticleStore, lang: str, slug: str, revision: str, where: str) -> str:
    current = current_version(store, lang, slug)
    if current is None:
        exists = store.exists(lang, slug)
        problem = "is not published" if exists else "does not exist"
        raise _fail(
            where,
            f"article {lang}/{slug} {problem}.",
            "Publish it first, or remove it from the course.",
            "article",
        )
    if revision == PUBLISHED:
        return current
    for commit in published_versions(store, lang, slug):
        if commit.startswith(revision):
            store.get(lang, slug, revision=commit)  # a retire commit holds no text
            return commit
    raise _fail(
        where,
        f"revision {revision[:12]} is not a published version of {lang}/{slug}.",
        "Pick one from the article's history, or write 'published'.",
        "revision",
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
                where = f"module {module.id!r} item {n}"
                rev = _resolve(store, item.lang, item.slug, item.revision, where)
                pins.setdefault(item.key, rev)
                item = dataclasses.replace(item, revision=rev)
            items.append(item)
        questions = []
        for q in module.questions:
            where = f"module {module.id!r} question {q.id!r}"
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


def update_pin(course: Course, module_id: str, lang: str, slug: str, revision: str) -> Course:
    """Pin an article of a module to ``revision`` (every occurrence in that module).

    :param course: the course.
    :param module_id: the module.
    :param lang: article language.
    :param slug: article slug.
    :param revision: the new published version (commit id).
    :returns: the changed course.
    :raises ArticleNotFound: if the module does not hold that article.
    """
    module = course.module(module_id)
    key = f"{lang}/{slug}"
    if not any(i.key == key for i in module.articles()):
        raise ArticleNotFound(f"Module {module_id} does not hold {key}.", field="article")
    items = tuple(
        dataclasses.replace(i, revision=revision)
        if isinstance(i, ArticleRef) and i.key == key
        else i
        for i in module.items
    )
    return replace_module(course, dataclasses.replace(module, items=items))


def confirm_question(course: Course, question_id: str, revision: str) -> Course:
    """Mark a question reviewed against ``revision`` of its article.

    :raises ArticleNotFound: if the course has no such question.
    """
    course.question(question_id)
    modules = tuple(
        dataclasses.replace(
            m,
            questions=tuple(
                dataclasses.replace(q, revision=revision) if q.id == question_id else q
                for q in m.questions
            ),
        )
        for m in course.modules
    )
    return dataclasses.replace(course, modules=modules)


# -- editing (pure: each returns a new course) ------------------------------------------


def replace_module(course: Course, module: Module) -> Course:
    """Return the course with ``module`` replacing the module of the same id."""
    course.module(module.id)
    return dataclasses.replace(
        course, modules=tuple(module if m.id == module.id else m for m in course.modules)
    )


def add_module(course: Course, module_id: str, title: Mapping[str, str]) -> Course:
    """Append an empty module.

    :raises InvalidArticle: for a bad or duplicate id or a missing title.
    """
    data = to_data(course)
    data["modules"].append({"id": module_id, "title": dict(title), "items": []})
    return from_data(data, course.id)


def _move(values: tuple[Any, ...], index: int, step: int) -> tuple[Any, ...]:
    target = index + step
    if not (0 <= index < len(values)) or not (0 <= target < len(values)):
        return values
    out = list(values)
    out[index], out[target] = out[target], out[index]
    return tuple(out)


def move_module(course: Course, module_id: str, step: int) -> Course:
    """Move a module up (``-1``) or down (``+1``); no-op at the ends."""
    index = [m.id for m in course.modules].index(course.module(module_id).id)
    return dataclasses.replace(course, modules=_move(course.modules, index, step))


def remove_module(course: Course, module_id: str) -> Course:
    """Remove a module and its questions."""
    course.module(module_id)
    return dataclasses.replace(
        course, modules=tuple(m for m in course.modules if m.id != module_id)
    )


def add_item(course: Course, module_id: str, item: Item) -> Course:
    """Append an article or a note to a module."""
    module = course.module(module_id)
    return replace_module(course, dataclasses.replace(module, items=(*module.items, item)))


def move_item(course: Course, module_id: str, index: int, step: int) -> Course:
    """Move the item at ``index`` up or down within its module."""
    module = course.module(module_id)
    return replace_module(
        course, dataclasses.replace(module, items=_move(module.items, index, step))
    )


def remove_item(course: Course, module_id: str, index: int) -> Course:
    """Remove the item at ``index`` of a module (no-op if out of range)."""
    module = course.module(module_id)
    items = tuple(i for n, i in enumerate(module.items) if n != index)
    return replace_module(course, dataclasses.replace(module, items=items))


def add_question(course: Course, module_id: str, data: Mapping[str, Any]) -> Course:
    """Append a question (YAML-style mapping) to a module, validated like a saved file.

    :raises InvalidArticle: no correct answer, duplicate id, bad options...
    """
    course.module(module_id)
    full = to_data(course)
    for mdata in full["modules"]:
        if mdata["id"] == module_id:
            mdata["questions"].append(dict(data))
    return from_data(full, course.id)


def remove_question(course: Course, question_id: str) -> Course:
    """Remove a question."""
    course.question(question_id)
    modules = tuple(
        dataclasses.replace(m, questions=tuple(q for q in m.questions if q.id != question_id))
        for m in course.modules
    )
    return dataclasses.replace(course, modules=modules)


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


# -- quiz scoring ---------------------------------------------------------------------

_FOLD = str.maketrans(
    {
        "ё": "е",
        "ә": "а",
        "ғ": "г",
        "қ": "к",
        "ң": "н",
        "ө": "о",
        "ұ": "у",
        "ү": "у",
        "һ": "х",
        "і": "и",
    }
)
_NOT_WORD = re.compile(r"[^\w]+")


def normalise_answer(text: str) -> str:
    """Fold an answer for comparison: case, ё/е, Kazakh letters, punctuation, whitespace.

    >>> normalise_answer("  Төрт  АЕК. ")
    'торт аек'

    :param text: what the operator typed.
    :returns: the folded text.
    """
    folded = unicodedata.normalize("NFC", text).casefold().translate(_FOLD)
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def is_correct(question: Question, answer: str | Sequence[str]) -> bool:
    """Score one answer.

    ``choice``: the set of chosen options must equal the set of correct ones. ``short``:
    the folded answer must equal one of the folded accepted answers.

    :param question: the question.
    :param answer: chosen option texts (``choice``) or the typed text (``short``).
    :returns: whether it is right.
    """
    if question.kind == "choice":
        chosen = {answer} if isinstance(answer, str) else set(answer)
        return chosen == set(question.correct)
    text = answer if isinstance(answer, str) else " ".join(answer)
    given = normalise_answer(text)
    return bool(given) and given in {normalise_answer(c) for c in question.correct}
