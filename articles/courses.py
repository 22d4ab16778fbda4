"""Training courses built from published articles: the model, its YAML form, edits, scoring.

A course is a versioned file ``courses/<id>.yaml`` in the content repository (draft and
published lines, like articles). Each module lists articles **pinned** to a published
version (the commit on the published line that published that text), trainer notes
between them, and quiz questions linked to the article version that answers them. When a
pinned article is published again, :func:`articles.course_store.pinned_changes` reports
it with the diff and :func:`update_pin` moves the pin; questions on changed articles are
flagged for review.

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
            kind: choice                     # or short (typed; compared word by word)
            prompt: ...
            options: [4 МРП, "0,2 МРП"]
            correct: [4 МРП]
            explanation: shown after answering
            article: ru/passport             # the article (and revision) that answers it
            revision: published
          - id: ru-passport-days
            kind: short
            prompt: ...
            correct: [15 дней]               # the first is shown after a miss
            accept: [15 дн.]                 # further forms the trainer accepts
            article: ru/passport

Plain Python without a store: :mod:`articles.course_store` loads, saves and publishes
course files through an :class:`~articles.store.ArticleStore`.
"""

from __future__ import annotations

import dataclasses
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

from articles.errors import ArticleNotFound
from articles.errors import InvalidArticle
from articles.errors import InvalidSlug
from articles.slugs import LANGUAGES
from articles.slugs import REVISION_RE
from articles.slugs import SLUG_RE
from articles.yaml_guard import MAX_YAML_DEPTH
from articles.yaml_guard import yaml_problem

if TYPE_CHECKING:
    pass

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
    "accept",
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
    :param correct: correct options (``choice``) or right answers (``short``; the first is
        the one shown after a miss).
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
    #: Further accepted forms of a short answer the trainer lists (``15 дн.``), never shown
    #: as the right answer.
    accept: tuple[str, ...] = ()

    @property
    def accepted(self) -> tuple[str, ...]:
        """Every answer a short question accepts: the right answers, then the variants."""
        return (*self.correct, *self.accept)

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
        raise CoursePartNotFound("no_module", "module", course=self.id, module=module_id[:80])

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
        raise CoursePartNotFound(
            "no_question", "question", course=self.id, question=question_id[:80]
        )


def localized(values: Mapping[str, str], lang: str) -> str:
    """The text in ``lang``, else in the first language that has one.

    :param values: ``{lang: text}``.
    :param lang: wanted language.
    :returns: the text (empty if none).
    """
    return values.get(lang) or next((v for v in values.values() if v), "")


# -- errors ---------------------------------------------------------------------------

#: Every course error code → its English sentence (problem, then fix), ``str.format``-ed
#: with the error's parameters. The web layer translates each code
#: (``kb/training/messages.py``); the CLI shows this English text.
COURSE_ERRORS: dict[str, str] = {
    "not_text": "'{name}' must be text. Write it as a plain string.",
    "empty": "'{name}' is empty. Fill it in.",
    "langs_not_split": "'{name}' must give one text per language. Write {{kk: ..., ru: ...}}.",
    "langs_not_mapping": "'{name}' must be a mapping. Write {{kk: ..., ru: ...}}.",
    "unknown_language": "'{name}' has unknown language {lang!r}. Use kk or ru.",
    "langs_missing": "'{name}' is missing. Give it in Kazakh and Russian.",
    "unknown_fields": "unknown field(s) {fields}. Allowed: {allowed}.",
    "bad_article": "article {article!r} is not <lang>/<slug>. Write it like ru/passport.",
    "bad_revision": (
        "revision {revision!r} is neither a commit id nor 'published'. "
        "Write 'published' to pin the current published version."
    ),
    "item_not_mapping": "an item must be a mapping. Write 'article: ru/slug' or 'note: ...'.",
    "unknown_note_language": "unknown note language {lang!r}. Use kk or ru.",
    "item_kind": "an item is neither an article nor a note. Add 'article' or 'note'.",
    "question_not_mapping": "a question must be a mapping. Give id, kind, prompt, correct.",
    "question_id": "question id {id!r} is not a slug. Use letters, digits, hyphens.",
    "unknown_kind": "kind {kind!r} is unknown. Use 'choice' or 'short'.",
    "question_lang": "lang differs from the article's. Link an article in it.",
    "no_correct": (
        "the question has no correct answer. "
        "Add 'correct' (the right option(s), or accepted short answers)."
    ),
    "not_lists": "options/correct must be lists. Write them as YAML lists.",
    "few_options": "a choice question needs 2+ different options. Add options.",
    "correct_not_option": (
        "correct answer {answer!r} is not one of the options. Copy the option text exactly."
    ),
    "short_options": "a short question has no options. Remove 'options'.",
    "accept_not_list": "'accept' must be a list. Write it as a YAML list.",
    "accept_not_short": (
        "accepted variants are for short answers only. "
        "Remove 'accept', or make the question kind short."
    ),
    "not_mapping": "the file must be a YAML mapping. Start with 'id:' and 'title:'.",
    "invalid_id": (
        "Invalid course id {id!r}. "
        "Use lowercase latin letters, digits and hyphens (e.g. 'new-operators')."
    ),
    "id_differs": "id {id!r} differs from the file name. Use {expected!r}.",
    "languages": "languages must list kk/ru. Write [kk, ru].",
    "modules_not_list": "modules must be a list. Write '- id: ...' items.",
    "module_not_mapping": "a module must be a mapping. Give id, title, items.",
    "module_id": "module id {id!r} is not a slug. Use letters, digits, hyphens.",
    "duplicate_module": "duplicate module id. Give every module its own id.",
    "duplicate_question": "duplicate question id. Give every question of the course its own id.",
    "yaml_alias": (
        "the file uses a YAML anchor or alias (& or *) on line {line}. Write the values out."
    ),
    "yaml_deep": (
        "the file nests lists or mappings more than {depth} levels deep on line {line}. "
        "Write the values out."
    ),
    "yaml_syntax": "the file is not valid YAML ({detail}). Fix it.",
    "article_unpublished": (
        "article {article} is not published. Publish it first, or remove it from the course."
    ),
    "article_missing": (
        "article {article} does not exist. Publish it first, or remove it from the course."
    ),
    "revision_unpublished": (
        "revision {revision} is not a published version of {article}. "
        "Pick one from the article's history, or write 'published'."
    ),
    "reserved_id": "the id {id!r} is reserved. Choose another id.",
    "course_exists": "a course {id!r} already exists. Open it, or choose another id.",
    "empty_note": "the note is empty. Write its text.",
    "pick_article": (
        "{article!r} is not a published article. Type words of its title and pick it from "
        "the list, or type its language and id (e.g. ru/passport)."
    ),
    "no_module": "course {course} has no module {module!r}. Reload the page and pick one.",
    "no_question": "course {course} has no question {question!r}. Reload the page.",
    "module_lacks_article": (
        "module {module} does not hold {article}. Reload the page and pick an article of it."
    ),
}


@dataclass(frozen=True)
class Place:
    """Where in a course file an error is: the course, a module, an item or a question.

    :param module: the module's id, once known.
    :param module_number: the module's 1-based position (before its id is read).
    :param item: the item's 1-based position in the module.
    :param question: the question's 1-based position in the module.
    :param question_id: the question's id, once known.
    """

    module: str = ""
    module_number: int | None = None
    item: int | None = None
    question: int | None = None
    question_id: str = ""

    def __str__(self) -> str:
        parts = []
        if self.module:
            parts.append(f"module {self.module!r}")
        elif self.module_number is not None:
            parts.append(f"module {self.module_number}")
        if self.item is not None:
            parts.append(f"item {self.item}")
        if self.question is not None:
            parts.append(f"question {self.question}")
            if self.question_id:
                parts.append(f"({self.question_id})")
        elif self.question_id:
            parts.append(f"question {self.question_id!r}")
        return " ".join(parts) or "course"


COURSE = Place()


class InvalidCourse(InvalidArticle):
    """A course file or form refused: ``code`` (a key of :data:`COURSE_ERRORS`) says why.

    :param code: the stable code.
    :param place: where in the course.
    :param field: the offending field (the YAML key), if any.
    :param params: the values the sentence names.
    """

    def __init__(
        self, code: str, place: Place = COURSE, field: str | None = None, **params: object
    ) -> None:
        super().__init__(f"{place}: {COURSE_ERRORS[code].format(**params)}", code=code, field=field)
        self.place = place
        self.params = params


class CoursePartNotFound(ArticleNotFound):
    """A module, question or pinned article the request names is not in the course.

    :param code: ``no_module``, ``no_question`` or ``module_lacks_article``.
    :param field: the request parameter that named it.
    :param params: the values the sentence names.
    """

    def __init__(self, code: str, field: str, **params: object) -> None:
        super().__init__(COURSE_ERRORS[code].format(**params), code=code, field=field)
        self.place = COURSE
        self.params = params


def course_error(
    where: Place, code: str, key: str | None = None, **params: object
) -> InvalidCourse:
    """An error in a course that names the place, the problem and the fix.

    :param where: the place.
    :param code: a key of :data:`COURSE_ERRORS`.
    :param key: the offending field.
    :param params: the values the sentence names.
    """
    return InvalidCourse(code, where, key, **params)


# -- parsing and dumping ----------------------------------------------------------------


def _text(value: Any, where: Place, key: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise course_error(where, "not_text", key, name=key)
    text = str(value).strip()
    if required and not text:
        raise course_error(where, "empty", key, name=key)
    return text


def _langs(value: Any, where: Place, key: str, *, required: bool) -> dict[str, str]:
    if value is None or value == "":
        value = {}
    if isinstance(value, str):
        raise course_error(where, "langs_not_split", key, name=key)
    if not isinstance(value, dict):
        raise course_error(where, "langs_not_mapping", key, name=key)
    out = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            raise course_error(where, "unknown_language", key, name=key, lang=str(lang)[:20])
        text = _text(text, where, f"{key}.{lang}", required=False)
        if text:
            out[str(lang)] = text
    if required and not out:
        raise course_error(where, "langs_missing", key, name=key)
    return out


def _unknown(data: dict[str, Any], allowed: set[str], where: Place) -> None:
    extra = sorted(str(k) for k in data if k not in allowed)
    if extra:
        raise course_error(
            where,
            "unknown_fields",
            extra[0],
            fields=", ".join(extra),
            allowed=", ".join(sorted(allowed)),
        )


def _article_key(value: Any, where: Place) -> tuple[str, str]:
    text = _text(value, where, "article")
    lang, sep, slug = text.partition("/")
    if not sep or lang not in LANGUAGES or not SLUG_RE.fullmatch(slug):
        raise course_error(where, "bad_article", "article", article=text[:80])
    return lang, slug


def _revision(value: Any, where: Place) -> str:
    if value is None:
        return PUBLISHED
    text = _text(value, where, "revision").lower()
    if text != PUBLISHED and not REVISION_RE.fullmatch(text):
        raise course_error(where, "bad_revision", "revision", revision=text[:60])
    return text


def _item(data: Any, where: Place) -> Item:
    if not isinstance(data, dict):
        raise course_error(where, "item_not_mapping")
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
            raise course_error(where, "unknown_note_language", "lang", lang=str(note_lang)[:20])
        return TrainerNote(text=_text(data["note"], where, "note"), lang=note_lang)
    raise course_error(where, "item_kind")


def _question(data: Any, where: Place) -> Question:
    if not isinstance(data, dict):
        raise course_error(where, "question_not_mapping")
    _unknown(data, QUESTION_KEYS, where)
    qid = _text(data.get("id"), where, "id")
    where = dataclasses.replace(where, question_id=qid[:80])
    if not SLUG_RE.fullmatch(qid):
        raise course_error(where, "question_id", "id", id=qid[:80])
    kind = data.get("kind", "choice")
    if kind not in KINDS:
        raise course_error(where, "unknown_kind", "kind", kind=str(kind)[:40])
    lang, slug = _article_key(data.get("article"), where)
    if "lang" in data and data["lang"] != lang:
        raise course_error(where, "question_lang", "lang")
    options = data.get("options") or []
    correct = data.get("correct")
    if correct is None or correct == "" or correct == []:
        raise course_error(where, "no_correct", "correct")
    if not isinstance(options, list) or not isinstance(correct, list | str | int):
        raise course_error(where, "not_lists", "options")
    opts = tuple(_text(o, where, "options") for o in options)
    right = tuple(
        _text(c, where, "correct") for c in (correct if isinstance(correct, list) else [correct])
    )
    if kind == "choice":
        if len(opts) < 2 or len(set(opts)) != len(opts):
            raise course_error(where, "few_options", "options")
        wrong = [c for c in right if c not in opts]
        if wrong:
            raise course_error(where, "correct_not_option", "correct", answer=wrong[0][:80])
    elif opts:
        raise course_error(where, "short_options", "options")
    variants = data.get("accept") or []
    if not isinstance(variants, list):
        raise course_error(where, "accept_not_list", "accept")
    if variants and kind != "short":
        raise course_error(where, "accept_not_short", "accept")
    accept = tuple(dict.fromkeys(_text(v, where, "accept") for v in variants))
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
        accept=accept,
    )


def from_data(data: Any, course_id: str | None = None) -> Course:
    """Build a course from parsed YAML, checking its structure (not the articles).

    :param data: the mapping.
    :param course_id: the id the file name gives; must match ``id`` if both are present.
    :returns: the course.
    :raises InvalidCourse: naming the module/question, the field and the fix.
    """
    if not isinstance(data, dict):
        raise course_error(COURSE, "not_mapping")
    _unknown(data, COURSE_KEYS, COURSE)
    cid = data.get("id", course_id)
    if not isinstance(cid, str) or not SLUG_RE.fullmatch(cid):
        raise course_error(COURSE, "invalid_id", "id", id=str(cid)[:80])
    if course_id is not None and cid != course_id:
        raise course_error(COURSE, "id_differs", "id", id=cid, expected=course_id)
    languages = data.get("languages") or ["kk", "ru"]
    if not isinstance(languages, list) or any(lg not in LANGUAGES for lg in languages):
        raise course_error(COURSE, "languages", "languages")
    modules_data = data.get("modules") or []
    if not isinstance(modules_data, list):
        raise course_error(COURSE, "modules_not_list", "modules")
    modules, module_ids, question_ids = [], set(), set()
    for number, mdata in enumerate(modules_data, 1):
        where = Place(module_number=number)
        if not isinstance(mdata, dict):
            raise course_error(where, "module_not_mapping")
        _unknown(mdata, MODULE_KEYS, where)
        mid = _text(mdata.get("id"), where, "id")
        where = Place(module=mid[:80])
        if not SLUG_RE.fullmatch(mid):
            raise course_error(where, "module_id", "id", id=mid[:80])
        if mid in module_ids:
            raise course_error(where, "duplicate_module", "id")
        module_ids.add(mid)
        items = [
            _item(i, dataclasses.replace(where, item=n))
            for n, i in enumerate(mdata.get("items") or [], 1)
        ]
        questions = []
        for n, qdata in enumerate(mdata.get("questions") or [], 1):
            question = _question(qdata, dataclasses.replace(where, question=n))
            if question.id in question_ids:
                raise course_error(
                    dataclasses.replace(where, question_id=question.id), "duplicate_question", "id"
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
        title=_langs(data.get("title"), COURSE, "title", required=True),
        languages=tuple(dict.fromkeys(languages)),
        audience=_text(data.get("audience"), COURSE, "audience", required=False),
        description=_langs(data.get("description"), COURSE, "description", required=False),
        modules=tuple(modules),
    )


def parse(text: str | bytes, course_id: str | None = None) -> Course:
    """Parse and structurally validate a course file.

    :param text: YAML.
    :param course_id: the id the file name gives.
    :returns: the course (pins may still read ``published``).
    :raises InvalidCourse: for bad YAML or structure.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    refused = yaml_problem(text)
    if refused:
        code = "yaml_alias" if "alias" in refused[0] else "yaml_deep"
        raise course_error(COURSE, code, line=refused[1], depth=MAX_YAML_DEPTH)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise course_error(
            COURSE,
            "yaml_syntax",
            detail=str(exc)[:160],
            line=mark.line + 1 if mark is not None else "",
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
        if q.accept:
            out["accept"] = list(q.accept)
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


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated values out in full: course files never hold anchors (see
    :mod:`articles.yaml_guard`, which refuses them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(course: Course) -> str:
    """Serialise a course to YAML (stable key order, readable Unicode).

    :param course: the course.
    :returns: the file text.
    """
    return yaml.dump(
        to_data(course), Dumper=_PlainDumper, allow_unicode=True, sort_keys=False, width=100
    )


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
        raise CoursePartNotFound("module_lacks_article", "article", module=module_id, article=key)
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
    the folded answer must equal one of the folded accepted answers (right answers and
    variants). The web application compares short answers word by word through the
    search analysers instead (:mod:`kb.training.scoring`); this folding is the part of it
    that needs no morphology.

    :param question: the question.
    :param answer: chosen option texts (``choice``) or the typed text (``short``).
    :returns: whether it is right.
    """
    if question.kind == "choice":
        chosen = {answer} if isinstance(answer, str) else set(answer)
        return chosen == set(question.correct)
    text = answer if isinstance(answer, str) else " ".join(answer)
    given = normalise_answer(text)
    return bool(given) and given in {normalise_answer(c) for c in question.accepted}
