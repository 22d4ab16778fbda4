"""What a course shows: module pages with the pinned texts, the printable handout, Markdown.

Shared by the course views (reading a module), the handout download and ``kb course
export``. The pinned version of each article is read by commit and rendered once (cached
by revision in :class:`~kb.services.KnowledgeBase`).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import render_template

from articles.courses import ArticleRef
from articles.courses import Course
from articles.courses import Module
from articles.courses import Question
from articles.courses import TrainerNote
from articles.courses import localized
from articles.errors import ArticleNotFound
from articles.errors import InvalidRevision
from kb.article_card import card_html
from kb.services import KnowledgeBase

_HEADING = re.compile(r"^(#{1,5})(\s)", re.M)


@dataclass(frozen=True)
class ItemView:
    """One item of a module as shown: a trainer note or a pinned article.

    :param kind: ``"note"`` or ``"article"``.
    :param text: the note text, or the article's short answer.
    :param ref: the pin (articles only).
    :param title: article title (plain text).
    :param html: the pinned version rendered (sanitised by ``articles.render``).
    :param markdown: the pinned version's Markdown body.
    :param missing: the pinned version could not be read.
    """

    kind: str
    text: str = ""
    ref: ArticleRef | None = None
    title: str = ""
    html: str = ""
    markdown: str = ""
    missing: bool = False


@dataclass(frozen=True)
class ModuleView:
    """A module in one language: its title, items and questions."""

    module: Module
    lang: str
    title: str
    items: tuple[ItemView, ...]
    questions: tuple[Question, ...]


def course_languages(course: Course, wanted: str | None) -> list[str]:
    """The languages to show: ``wanted`` if the course has it, else all of the course's."""
    if wanted and wanted in course.languages:
        return [wanted]
    return list(course.languages)


def pick_language(course: Course, wanted: str | None, fallback: str | None) -> str:
    """One language for reading: ``wanted``, else ``fallback`` (the UI locale), else the first."""
    for lang in (wanted, fallback):
        if lang and lang in course.languages:
            return lang
    return course.languages[0] if course.languages else "ru"


def module_view(kb: KnowledgeBase, module: Module, lang: str) -> ModuleView:
    """Build what a reader of ``module`` in ``lang`` sees.

    :param kb: the service (store and render cache).
    :param module: the module.
    :param lang: the language.
    :returns: the view.
    """
    items = []
    for item in module.items:
        if isinstance(item, TrainerNote):
            if item.lang in (None, lang):
                items.append(ItemView(kind="note", text=item.text))
            continue
        if item.lang != lang:
            continue
        try:
            article = kb.store.get(item.lang, item.slug, line="published", revision=item.revision)
        except (ArticleNotFound, InvalidRevision):
            items.append(ItemView(kind="article", ref=item, title=item.key, missing=True))
            continue
        items.append(
            ItemView(
                kind="article",
                text=item.note,
                ref=item,
                title=article.title,
                html=card_html(article.meta, article.body),
                markdown=article.body,
            )
        )
    questions = tuple(q for q in module.questions if q.lang == lang)
    return ModuleView(module, lang, localized(module.title, lang), tuple(items), questions)


def course_views(kb: KnowledgeBase, course: Course, langs: list[str]) -> list[list[ModuleView]]:
    """Every module in every language of ``langs`` (outer list: languages)."""
    return [[module_view(kb, m, lang) for m in course.modules] for lang in langs]


def handout_html(kb: KnowledgeBase, course: Course, langs: list[str]) -> str:
    """The printable handout: pinned texts, then the quizzes with answers in an appendix.

    Needs an application context (templates and translations).

    :param kb: the service.
    :param course: the course.
    :param langs: languages to include, in order.
    :returns: a standalone HTML page (inline CSS with ``@media print`` rules).
    """
    return render_template(
        "courses/handout.html",
        course=course,
        langs=langs,
        views=course_views(kb, course, langs),
        localized=localized,
    )


def _demote(markdown: str) -> str:
    """Push article headings one level down so they sit under the article title."""
    return _HEADING.sub(lambda m: "#" + m.group(1) + m.group(2), markdown)


def _question_md(number: int, question: Question) -> str:
    lines = [f"{number}. {question.prompt}"]
    for option in question.options:
        mark = "x" if option in question.correct else " "
        lines.append(f"   - [{mark}] {option}")
    if question.kind == "short":
        lines.append(f"   - → {' / '.join(question.correct)}")
    if question.explanation:
        lines.append(f"   - {question.explanation}")
    lines.append(f"   - ({question.article_key} @ {question.revision[:10]})")
    return "\n".join(lines)


def markdown_bundle(kb: KnowledgeBase, course: Course, langs: list[str]) -> dict[str, str]:
    """The course as Markdown files: ``course.md`` and one file per module and language.

    :param kb: the service.
    :param course: the course.
    :param langs: languages to include.
    :returns: ``{file name: text}`` in order.
    """
    files: dict[str, str] = {}
    overview: list[str] = []
    answers: list[str] = []
    for lang, views in zip(langs, course_views(kb, course, langs), strict=True):
        overview.append(f"# {localized(course.title, lang)}\n")
        if course.description.get(lang):
            overview.append(course.description[lang] + "\n")
        if course.audience:
            overview.append(f"*{course.audience}*\n")
        answers.append(f"## {localized(course.title, lang)} — ✓\n")
        number = 0
        for index, view in enumerate(views, 1):
            name = f"{index:02d}-{view.module.id}.{lang}.md"
            overview.append(f"{index}. [{view.title}]({name})")
            parts = [f"# {index}. {view.title}\n"]
            for item in view.items:
                if item.kind == "note":
                    parts.append(f"> {item.text}\n")
                    continue
                assert item.ref is not None
                parts.append(f"## {item.title}\n")
                parts.append(f"`{item.ref.key}` @ `{item.ref.revision[:10]}`\n")
                if item.text:
                    parts.append(f"> {item.text}\n")
                parts.append(_demote(item.markdown).strip() + "\n")
            files[name] = "\n".join(parts)
            for question in view.questions:
                number += 1
                answers.append(_question_md(number, question))
        overview.append("")
        answers.append("")
    files["course.md"] = "\n".join(overview + ["---", ""] + answers).strip() + "\n"
    return {"course.md": files.pop("course.md"), **files}


def zip_bundle(files: dict[str, str], folder: str) -> bytes:
    """Pack bundle files into a zip under ``folder/``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(f"{folder}/{name}", text)
    return out.getvalue()


def write_bundle(files: dict[str, str], target: Path, folder: str) -> Path:
    """Write bundle files as a zip (``target`` ends in ``.zip``) or into a folder.

    :returns: the path written.
    """
    if target.suffix == ".zip":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(zip_bundle(files, folder))
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
    return target
