"""Courses: the trainers' workspace and the operators' reading and quizzes (``/-/courses``).

Trainers build courses from published articles (pinned versions), keep them current and
publish them; everybody signed in reads published courses and answers the quizzes. Views
parse the form, call :mod:`articles.courses` / :class:`~kb.services.KnowledgeBase`, and
render or redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from articles import course_store
from articles import courses
from articles.courses import ArticleRef
from articles.courses import Course
from articles.courses import TrainerNote
from articles.errors import ArticleNotFound
from articles.errors import InvalidArticle
from kb.audit import record
from kb.training import export as course_export
from kb.training import models as course_models
from kb.training import picker
from kb.training import scoring
from kb.training.messages import course_message
from kb.web import current_actor
from kb.web import get_kb
from kb.web import register_nav
from kb.web import role_required
from search.parse import QueryError

bp = Blueprint(
    "courses",
    __name__,
    url_prefix="/-/courses",
    template_folder="templates",
    static_folder="static",
)
bp.record_once(lambda state: register_nav(state.app, "courses.index", lambda: _("Courses")))

#: Course ids that would clash with the workspace's own pages.
RESERVED_IDS = {"new", "dashboard", "pick", "static"}


def _is_trainer() -> bool:
    return bool(current_user.has_role("trainer"))


def _line() -> str:
    """Trainers may preview the draft line with ``?line=draft``."""
    return "draft" if request.args.get("line") == "draft" and _is_trainer() else "published"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _titles(form: MultiDict[str, str], prefix: str) -> dict[str, str]:
    return {lang: form.get(f"{prefix}_{lang}", "").strip() for lang in ("kk", "ru")}


# -- everybody: published courses -------------------------------------------------------


@bp.route("/")
@role_required("operator", "editor", "reviewer", "trainer")
def index() -> ResponseReturnValue:
    """Published courses with the reader's progress; trainers also see every draft."""
    kb = get_kb()
    published = kb.courses(line="published")
    progress = {c.id: course_models.progress(current_user, c) for c in published}
    drafts = kb.courses() if _is_trainer() else []
    return render_template(
        "courses/index.html",
        published=published,
        drafts=drafts,
        published_ids={c.id: c.version for c in published},
        progress=progress,
        lang=str(get_locale()),
        localized=courses.localized,
    )


@bp.route("/<course_id>")
@role_required("operator", "editor", "reviewer", "trainer")
def view(course_id: str) -> ResponseReturnValue:
    """A course's overview: modules and the reader's progress."""
    course = get_kb().course(course_id, line=_line())
    lang = course_export.pick_language(course, request.args.get("lang"), str(get_locale()))
    return render_template(
        "courses/view.html",
        course=course,
        lang=lang,
        line=_line(),
        progress=course_models.progress(current_user, course),
        localized=courses.localized,
    )


@bp.route("/<course_id>/m/<module_id>")
@role_required("operator", "editor", "reviewer", "trainer")
def module(course_id: str, module_id: str) -> ResponseReturnValue:
    """Read a module (the pinned versions' text) and take its quiz."""
    kb = get_kb()
    course = kb.course(course_id, line=_line())
    lang = course_export.pick_language(course, request.args.get("lang"), str(get_locale()))
    mod = course.module(module_id)
    index = [m.id for m in course.modules].index(module_id)
    return render_template(
        "courses/module.html",
        course=course,
        view=course_export.module_view(kb, mod, lang),
        lang=lang,
        line=_line(),
        progress=course_models.progress(current_user, course),
        previous=course.modules[index - 1] if index else None,
        following=course.modules[index + 1] if index + 1 < len(course.modules) else None,
        localized=courses.localized,
    )


@bp.route("/<course_id>/m/<module_id>/answer", methods=["POST"])
@role_required("operator", "editor", "reviewer", "trainer")
def answer(course_id: str, module_id: str) -> ResponseReturnValue:
    """Score the submitted answers (:mod:`kb.training.scoring`), store them as the next
    attempt (the first counts) and show the explanations."""
    course = get_kb().course(course_id, line="published")
    mod = course.module(module_id)
    lang = course_export.pick_language(course, request.form.get("lang"), str(get_locale()))
    scored = []
    for question in mod.questions:
        if question.lang != lang:
            continue
        key = f"q-{question.id}"
        if question.kind == "choice":
            chosen = [o for o in request.form.getlist(key) if o in question.options]
            given: str | list[str] = chosen
            text = " | ".join(chosen)
        else:
            text = request.form.get(key, "").strip()[:500]
            given = text
        scored.append((question.id, text, scoring.score(question, given)))
    before = course_models.progress(current_user, course).answers
    course_models.record_answers(current_user, course, module_id, scored)
    right = sum(1 for _q, _a, ok in scored if ok)
    flash(_("%(right)s of %(total)s answers are right.", right=right, total=len(scored)))
    if any(qid in before for qid, _a, _ok in scored):
        flash(_("Only your first attempt at each question counts in your score."))
    target = url_for("courses.module", course_id=course_id, module_id=module_id, lang=lang)
    return redirect(target + "#quiz")


@bp.route("/<course_id>/m/<module_id>/read", methods=["POST"])
@role_required("operator", "editor", "reviewer", "trainer")
def mark_read(course_id: str, module_id: str) -> ResponseReturnValue:
    """Mark a module as read (modules without questions, or before the quiz)."""
    course = get_kb().course(course_id, line="published")
    course_models.mark_read(current_user, course, module_id)
    flash(_("Module marked as read."))
    return redirect(
        url_for(
            "courses.module",
            course_id=course_id,
            module_id=module_id,
            lang=request.form.get("lang") or None,
        )
    )


# -- trainers: workspace ----------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@role_required("trainer")
def new() -> ResponseReturnValue:
    """Create a course (id, titles, languages, audience, description)."""
    form = request.form
    if request.method == "POST":
        course_id = form.get("id", "").strip()
        try:
            if course_id in RESERVED_IDS:
                raise courses.course_error(courses.COURSE, "reserved_id", "id", id=course_id)
            course = courses.from_data(_meta_data(form, {"id": course_id, "modules": []}))
            if _exists(course_id):
                raise courses.course_error(courses.COURSE, "course_exists", "id", id=course_id)
            saved = get_kb().save_course(course, actor=current_actor())
        except InvalidArticle as exc:
            return render_template("courses/new.html", form=form, error=course_message(exc)), 400
        record(current_user.name, "course_create", saved.id)
        flash(_("Course created. Add modules and articles."))
        return redirect(url_for("courses.edit", course_id=saved.id))
    return render_template("courses/new.html", form=form, error=None)


def _exists(course_id: str) -> bool:
    try:
        get_kb().course(course_id)
    except ArticleNotFound:
        return False
    return True


def _meta_data(form: MultiDict[str, str], base: dict[str, Any]) -> dict[str, Any]:
    langs = [lg for lg in form.getlist("languages") if lg in ("kk", "ru")] or ["kk", "ru"]
    return {
        **base,
        "title": _titles(form, "title"),
        "languages": langs,
        "audience": form.get("audience", "").strip(),
        "description": _titles(form, "description"),
    }


def _workspace(course: Course, **extra: Any) -> dict[str, Any]:
    kb = get_kb()
    changes, flagged = kb.course_changes(course)
    try:
        published = kb.course(course.id, line="published")
    except ArticleNotFound:
        published = None
    titles = {}
    for mod in course.modules:
        for item in mod.articles():
            try:
                titles[(item.key, item.revision)] = kb.store.get(
                    item.lang, item.slug, revision=item.revision
                ).title
            except ArticleNotFound:
                titles[(item.key, item.revision)] = item.key
    return {
        "course": course,
        "changes": changes,
        "changed_keys": {(c.module.id, c.item.key) for c in changes},
        "flagged": flagged,
        "flagged_ids": {f.question.id for f in flagged},
        "published": published,
        "titles": titles,
        "history": course_store.history(kb.store, course.id)[:20],
        "localized": courses.localized,
        "form": request.form,
        "error": None,
        **extra,
    }


@bp.route("/pick")
@role_required("trainer")
def pick() -> ResponseReturnValue:
    """Published articles for the workspace's picker: ``?q=words&lang=kk|ru`` -> JSON."""
    try:
        query = picker.parse_query(request.args)
    except picker.PickerInputError as exc:
        if str(exc) == "lang":
            message = _("Unknown language: choose kk or ru, or leave it empty for both.")
        else:
            message = _(
                "The search text is too long: type at most %(limit)s characters.",
                limit=picker.MAX_QUERY_CHARS,
            )
        return {"error": {"param": str(exc), "message": message}}, 400
    try:
        found = picker.find_articles(get_kb(), query)
    except QueryError:
        message = _("This text cannot be searched. Type a few words of the title.")
        return {"error": {"param": "q", "message": message}}, 400
    return {"results": found}


@bp.route("/<course_id>/edit")
@role_required("trainer")
def edit(course_id: str) -> ResponseReturnValue:
    """The trainer's workspace for one course (draft line)."""
    return render_template("courses/edit.html", **_workspace(get_kb().course(course_id)))


def _add_article(course: Course, form: MultiDict[str, str]) -> Course:
    key = form.get("article", "").strip()
    lang, _sep, slug = key.partition("/")
    if not courses.SLUG_RE.fullmatch(slug) or lang not in ("kk", "ru", "en"):
        raise courses.course_error(courses.COURSE, "pick_article", "article", article=key[:80])
    ref = ArticleRef(lang, slug, courses.PUBLISHED, form.get("note", "").strip())
    return courses.add_item(course, form["module"], ref)


def _add_question(course: Course, form: MultiDict[str, str]) -> Course:
    data: dict[str, Any] = {
        "id": form.get("qid", "").strip(),
        "kind": form.get("kind", "choice"),
        "prompt": form.get("prompt", "").strip(),
        "correct": _lines(form.get("correct", "")),
        "explanation": form.get("explanation", "").strip(),
        "article": form.get("qarticle", "").strip(),
    }
    if data["kind"] == "choice":
        data["options"] = _lines(form.get("options", ""))
    elif _lines(form.get("accept", "")):
        data["accept"] = _lines(form.get("accept", ""))
    return courses.add_question(course, form["module"], data)


def _step(form: MultiDict[str, str]) -> int:
    return -1 if form.get("direction") == "up" else 1


#: Workspace actions: each turns the draft course and the form into the changed course.
ACTIONS: dict[str, Callable[[Course, MultiDict[str, str]], Course]] = {
    "meta": lambda c, f: courses.from_data(_meta_data(f, {**courses.to_data(c), "id": c.id}), c.id),
    "add_module": lambda c, f: courses.add_module(
        c, f.get("new_module", "").strip(), _titles(f, "mtitle")
    ),
    "move_module": lambda c, f: courses.move_module(c, f["module"], _step(f)),
    "remove_module": lambda c, f: courses.remove_module(c, f["module"]),
    "add_article": _add_article,
    "add_note": lambda c, f: courses.add_item(
        c,
        f["module"],
        TrainerNote(f.get("text", "").strip(), f.get("note_lang") or None),
    ),
    "move_item": lambda c, f: courses.move_item(c, f["module"], int(f["index"]), _step(f)),
    "remove_item": lambda c, f: courses.remove_item(c, f["module"], int(f["index"])),
    "add_question": _add_question,
    "remove_question": lambda c, f: courses.remove_question(c, f["question"]),
}


@bp.route("/<course_id>/edit", methods=["POST"])
@role_required("trainer")
def change(course_id: str) -> ResponseReturnValue:
    """Apply one workspace action to the draft and save it (one commit)."""
    kb = get_kb()
    form = request.form
    action = form.get("action", "")
    expected = form.get("revision") or None
    course = kb.course(course_id)
    try:
        if action == "update_pin":
            kb.update_course_pin(
                course_id,
                form.get("module", ""),
                form.get("lang", ""),
                form.get("slug", ""),
                actor=current_actor(),
                expected_revision=expected,
            )
        elif action == "confirm_question":
            kb.confirm_course_question(
                course_id,
                form.get("question", ""),
                actor=current_actor(),
                expected_revision=expected,
            )
        elif action in ACTIONS:
            if action == "add_note" and not form.get("text", "").strip():
                raise courses.course_error(courses.COURSE, "empty_note", "text")
            changed = ACTIONS[action](course, form)
            kb.save_course(changed, actor=current_actor(), expected_revision=expected)
        else:
            abort(400)
    except (KeyError, ValueError):
        abort(400)
    except courses.CoursePartNotFound as exc:
        context = _workspace(course, error=course_message(exc))
        return render_template("courses/edit.html", **context), 404
    except InvalidArticle as exc:
        context = _workspace(course, error=course_message(exc))
        return render_template("courses/edit.html", **context), 400
    record(current_user.name, "course_edit", course_id, action)
    flash(_("Course draft saved."))
    anchor = form.get("module") or ""
    return redirect(
        url_for("courses.edit", course_id=course_id) + (f"#m-{anchor}" if anchor else "")
    )


@bp.route("/<course_id>/source", methods=["GET", "POST"])
@role_required("trainer")
def source(course_id: str) -> ResponseReturnValue:
    """Edit the course file as YAML (questions and notes in bulk)."""
    kb = get_kb()
    course = kb.course(course_id)
    if request.method == "POST":
        text = request.form.get("text", "")
        try:
            kb.save_course(
                text,
                actor=current_actor(),
                expected_revision=request.form.get("revision") or None,
                course_id=course_id,
            )
        except InvalidArticle as exc:
            return render_template(
                "courses/source.html", course=course, text=text, error=course_message(exc)
            ), 400
        record(current_user.name, "course_edit", course_id, "source")
        flash(_("Course draft saved."))
        return redirect(url_for("courses.edit", course_id=course_id))
    return render_template(
        "courses/source.html", course=course, text=courses.dump(course), error=None
    )


@bp.route("/<course_id>/publish", methods=["POST"])
@role_required("trainer")
def publish(course_id: str) -> ResponseReturnValue:
    """Publish the course draft (operators see it at once)."""
    kb = get_kb()
    try:
        kb.publish_course(course_id, actor=current_actor())
    except InvalidArticle as exc:
        context = _workspace(kb.course(course_id), error=course_message(exc))
        return render_template("courses/edit.html", **context), 400
    record(current_user.name, "course_publish", course_id)
    flash(_("Course published."))
    return redirect(url_for("courses.edit", course_id=course_id))


@bp.route("/dashboard")
@role_required("trainer")
def dashboard() -> ResponseReturnValue:
    """Every course's pinned articles changed since pinning, and questions to review."""
    kb = get_kb()
    rows = []
    for course in kb.courses():
        changes, flagged = kb.course_changes(course)
        rows.append((course, changes, flagged))
    return render_template(
        "courses/dashboard.html",
        rows=rows,
        total=sum(len(c) + len(f) for _c, c, f in rows),
        localized=courses.localized,
        lang=str(get_locale()),
    )


@bp.route("/<course_id>/results")
@role_required("trainer")
def results(course_id: str) -> ResponseReturnValue:
    """Results per operator and per question (which questions fail most)."""
    course = get_kb().course(course_id, line="published")
    per_question = course_models.question_results(course)
    return render_template(
        "courses/results.html",
        course=course,
        operators=course_models.operator_results(course),
        questions=per_question,
        chart=[q for q in per_question if q.answered][:12],
        localized=courses.localized,
        lang=str(get_locale()),
    )


def _export_course(course_id: str) -> tuple[Course, list[str]]:
    """The course to export (``?line=draft`` for the draft) and its languages (``?lang=``)."""
    line = "draft" if request.args.get("line") == "draft" else "published"
    course = get_kb().course(course_id, line=line)
    return course, course_export.course_languages(course, request.args.get("lang"))


@bp.route("/<course_id>/handout")
@role_required("trainer")
def handout(course_id: str) -> ResponseReturnValue:
    """The printable handout (print it to PDF from the browser)."""
    course, langs = _export_course(course_id)
    record(current_user.name, "course_export", course_id, "html")
    return course_export.handout_html(get_kb(), course, langs)


@bp.route("/<course_id>/bundle.zip")
@role_required("trainer")
def bundle(course_id: str) -> ResponseReturnValue:
    """The Markdown bundle as a zip (course.md and one file per module)."""
    course, langs = _export_course(course_id)
    files = course_export.markdown_bundle(get_kb(), course, langs)
    record(current_user.name, "course_export", course_id, "markdown")
    return Response(
        course_export.zip_bundle(files, course.id),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{course.id}.zip"'},
    )
