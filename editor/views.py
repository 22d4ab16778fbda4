"""Article views: the list, new/edit with live preview, the article page, history, diff.

Each view parses the request, calls one store or KnowledgeBase method with
``actor=current_actor()``, records the action in the audit trail, and renders or
redirects. Refusals (invalid input, conflicts) re-show the form with everything typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from articles.diff import word_diff
from articles.errors import ArticleError
from articles.errors import ArticleNotFound
from articles.errors import RevisionConflict
from articles.field_changes import display
from articles.field_changes import field_changes
from articles.merge import MISSING
from articles.merge import Merge
from articles.merge import changes_since
from articles.merge import merge_versions
from articles.merge import text_at
from articles.model import CATEGORIES
from articles.model import Status
from articles.render import render
from articles.storage import parse_trailers
from editor import REVIEWERS
from editor import WRITERS
from editor import bp
from editor.fields import field_label
from editor.fields import short_label
from editor.forms import ARTICLE_LANGUAGES
from editor.forms import SCRIPT_TEMPLATES
from editor.forms import ArticleForm
from editor.forms import FormError
from editor.forms import article_text
from editor.forms import form_from_article
from editor.forms import form_from_mapping
from editor.forms import with_revision
from editor.history_text import describe
from editor.listing import SIDE_BY_SIDE
from editor.listing import Filters
from editor.listing import Me
from editor.listing import apply_filters
from editor.listing import build_rows
from editor.listing import group_rows
from editor.listing import page_of
from editor.listing import tickable
from editor.messages import ErrorText
from editor.messages import explain
from editor.messages import person
from editor.messages import status_label
from editor.messages import when
from kb.article_card import card_html
from kb.audit import record
from kb.notifications.people import owner_problem
from kb.operator.reader import category_label
from kb.web import current_actor
from kb.web import get_kb
from kb.web import role_required

#: The ``lang`` part of article URLs.
LANG = "<any(kk,ru,en):lang>"


@bp.context_processor
def editor_globals() -> dict[str, Any]:
    """Names every editor template uses."""
    return {
        "status_label": status_label,
        "field_label": field_label,
        "person": person,
        "when": when,
        "category_label": category_label,
        "STATUSES": [s.value for s in Status],
        "CATEGORIES": CATEGORIES,
        "ARTICLE_LANGUAGES": ARTICLE_LANGUAGES,
        "SIDE_BY_SIDE": SIDE_BY_SIDE,
        "can_review": current_user.is_authenticated and current_user.has_role(*REVIEWERS),
    }


def audit(action: str, target: str, detail: str = "") -> None:
    """Record an editor action in the audit trail as the signed-in user.

    :param action: ``save``, ``submit``, ``approve`` ...
    :param target: ``<lang>/<slug>``, ``bodies/<id>`` or ``synonyms.txt``.
    :param detail: comment, revision or date.
    """
    record(current_user.name, action, target, detail)


def _today() -> dt.date:
    return dt.datetime.now().astimezone().date()


@bp.route("/")
@role_required(*WRITERS)
def index() -> ResponseReturnValue:
    """List the draft line, one line per translation group with each language's status;
    filter by language, status, category, text (a group shows when one version matches)."""
    store = get_kb().store
    filters = Filters.from_args(request.args)
    published = {(a.lang, a.slug): a.blob for a in store.list(line="published")}
    writers = store.last_writers() if filters.personal else None
    rows = build_rows(store.list(), published, store.states(), _today(), writers)
    me = Me(login=current_user.name, email=current_user.git_email)
    matching = apply_filters(rows, filters, me)
    groups = group_rows(rows, matching)
    page = request.args.get("page", "1")
    groups_page, pages = page_of(groups, int(page) if page.isdigit() else 1)
    return render_template(
        "editor/index.html",
        groups=groups_page,
        tickable=tickable(groups_page),
        total=len(groups),
        all_count=len(group_rows(rows, rows)),
        filters=filters,
        page=int(page) if page.isdigit() else 1,
        pages=pages,
    )


def _bodies_choice() -> list[tuple[str, str]]:
    """``(id, name)`` of the draft-line bodies, for the agencies picker."""
    lang = "kk" if str(get_locale()) == "kk" else "ru"
    return [(b.id, b.name_in(lang)) for b in get_kb().store.bodies()]


def _edit_page(
    form: ArticleForm,
    *,
    is_new: bool,
    error: ErrorText | None = None,
    conflict: dict[str, Any] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    bodies = _bodies_choice()
    store = get_kb().store
    others = []
    source = request.args.get("from", "")
    try:
        if not is_new:
            others = store.translations(form.lang, form.slug)
        elif "/" in source:
            others = [store.get(*source.split("/", 1))]
    except ArticleError:
        others = []
    # ?beside=kk (or the form's field, kept across a save that failed) opens that
    # translation in the read-only pane beside the text.
    wanted = request.values.get("beside", "")
    beside = wanted if wanted in {o.lang for o in others} else ""
    known = {b for b, _ in bodies}
    # An agency id the directory does not know yet stays ticked, so nothing is lost.
    bodies += [(a, a) for a in form.agencies if a not in known]
    # Ticked ones first, in the article's order: posting the form back keeps that order.
    ticked = {a: i for i, a in enumerate(form.agencies)}
    bodies.sort(key=lambda b: ticked.get(b[0], len(ticked)))
    return (
        render_template(
            "editor/edit.html",
            form=form,
            is_new=is_new,
            error=error,
            conflict=conflict,
            bodies=bodies,
            others=others,
            beside=beside,
            scripts=SCRIPT_TEMPLATES,
        ),
        status,
    )


def _save_message(form: ArticleForm, base: str | None, text: str) -> str:
    """The commit message: what the editor typed, else the changed fields in the UI language."""
    if form.message:
        return form.message
    if base is None:
        return _("Created")
    names = [short_label(c.name) for c in field_changes(base, text)]
    return _("Changed: %(fields)s", fields=", ".join(names)) if names else _("Saved")


def _conflict_view(
    form: ArticleForm, exc: RevisionConflict, outcome: Merge | None, is_new: bool
) -> dict[str, Any]:
    """What the conflict screen shows: who changed the article and when, field by field."""
    lang, slug = form.lang, form.slug
    base = form.expected_revision
    who = changes_since(get_kb().store, lang, slug, base) if base and exc.current else []
    rows = []
    if outcome is None:
        for change in field_changes(exc.current_text or "", exc.attempted):
            rows.append(
                {
                    "name": change.name,
                    "label": field_label(change.name),
                    "theirs": change.old,
                    "mine": change.new,
                    "conflict": True,
                    "source": "conflict",
                }
            )
    for item in outcome.fields if outcome else ():
        rows.append(
            {
                "name": item.name,
                "label": field_label(item.name),
                "theirs": display(None if item.theirs is MISSING else item.theirs),
                "mine": display(None if item.mine is MISSING else item.mine),
                "conflict": item.conflict,
                "source": item.source,
            }
        )
    theirs = exc.current_text or ""
    return {
        "message": explain(exc),
        "changes": [{"who": r.author, "when": r.date} for r in who],
        "fields": rows,
        "theirs": theirs,
        "yours": exc.attempted,
        "diff": word_diff(theirs, exc.attempted).html(),
        "current_url": url_for(".article", lang=lang, slug=slug) if exc.current else None,
        "seen_revision": exc.current.revision if exc.current is not None else "",
        "exists": exc.current is not None and is_new,
    }


def _owner_in(text: str | None, lang: str, slug: str) -> str:
    """The ``owner`` field of an article file (empty when none or unreadable)."""
    if text is None:
        return ""
    try:
        return get_kb().store.parse(text, lang, slug)[0].owner
    except ArticleError:
        return ""


def _save(form: ArticleForm, *, is_new: bool) -> ResponseReturnValue:
    """Save the posted form; on refusal re-show it with the message and everything typed.

    The file is changed only where the form's values changed (clean diffs). When someone
    else saved meanwhile, edits that do not overlap are merged field by field; edits of
    the same field are shown side by side, and only "keep mine" (``resolve=mine``, for
    the version that was shown) overwrites the other person's change.
    """
    store = get_kb().store
    lang, slug = form.lang, form.slug
    base = text_at(store, lang, slug, form.expected_revision) if form.expected_revision else None
    merged_with: list[str] = []
    try:
        problem = owner_problem(form.owner)
        if problem and form.owner != _owner_in(base, lang, slug):
            # A new owner must be a user; one kept from before (since deactivated) does
            # not block other edits (reminders then go to the author).
            raise FormError("owner", "unknown_owner", problem)
        text = article_text(form, base)
        message = _save_message(form, base, text)
        try:
            article = store.save(
                lang,
                slug,
                text,
                actor=current_actor(),
                expected_revision=form.expected_revision or None,
                message=message,
            )
        except RevisionConflict as exc:
            if exc.current is None or exc.current_text is None:
                raise
            resolve = request.form.get("resolve", "")
            seen = request.form.get("seen_revision", "") == exc.current.revision
            prefer = resolve if resolve in ("mine", "theirs") and seen else None
            if base is None:
                # Creating an article that exists: only a deliberate "keep mine" replaces it.
                if prefer != "mine":
                    raise
                merged_text = text
            else:
                outcome = merge_versions(base, text, exc.current_text, prefer=prefer)
                if outcome.text is None:
                    return _edit_page(
                        form,
                        is_new=False,
                        conflict=_conflict_view(form, exc, outcome, is_new),
                        status=409,
                    )
                merged_text = outcome.text
                merged_with = [
                    r.author for r in changes_since(store, lang, slug, form.expected_revision)
                ]
            article = store.save(
                lang,
                slug,
                merged_text,
                actor=current_actor(),
                expected_revision=exc.current.revision,
                message=_save_message(form, exc.current_text, merged_text),
            )
    except RevisionConflict as exc:
        # Creating an article that exists, or a second conflict while merging.
        return _edit_page(
            form,
            is_new=is_new and exc.current is None,
            conflict=_conflict_view(form, exc, None, is_new),
            status=409,
        )
    except (ArticleError, FormError) as exc:
        if isinstance(exc, ArticleNotFound) and exc.field == "revision":
            raise
        return _edit_page(form, is_new=is_new, error=explain(exc), status=400)
    target = f"{lang}/{slug}"
    audit("save", target, form.message)
    for warning in article.warnings:
        flash(warning, "warning")
    if merged_with:
        names = ", ".join(dict.fromkeys(merged_with))
        flash(_("Merged with the changes %(who)s saved meanwhile.", who=names), "ok")
    if request.form.get("then") == "submit":
        from editor.review import submit_article

        return submit_article(lang, slug, request.form.get("note", ""))
    flash(_("Draft saved."), "ok")
    if request.form.get("then") == "stay":
        return redirect(url_for(".edit", lang=lang, slug=slug))
    return redirect(url_for(".article", lang=lang, slug=slug))


@bp.route("/new", methods=["GET", "POST"])
@role_required(*WRITERS)
def new() -> ResponseReturnValue:
    """Create an article (``?lang=kk``; ``?from=ru/slug`` starts a translation of it)."""
    if request.method == "POST":
        form = form_from_mapping(request.form, request.form.getlist("agencies"))
        return _save(with_revision(form, None), is_new=True)
    lang = request.args.get("lang", "ru")
    lang = lang if lang in ARTICLE_LANGUAGES else "ru"
    form = ArticleForm(lang=lang, owner=current_user.name)
    source = request.args.get("from", "")
    if "/" in source:
        src_lang, _sep, src_slug = source.partition("/")
        try:
            original = form_from_article(get_kb().store.get(src_lang, src_slug))
        except ArticleError:
            original = None
        if original is not None:
            # A translation shares the id and the language-neutral fields, not the text.
            form = ArticleForm(
                lang=lang,
                slug=original.slug,
                id=original.id,
                category=original.category,
                services=original.services,
                agencies=original.agencies,
                review_by=original.review_by,
                valid_from=original.valid_from,
                valid_until=original.valid_until,
                related=original.related,
                owner=original.owner or current_user.name,
            )
    return _edit_page(form, is_new=True)[0]


@bp.route(f"/{LANG}/<slug>/edit", methods=["GET", "POST"])
@role_required(*WRITERS)
def edit(lang: str, slug: str) -> ResponseReturnValue:
    """Edit the draft of an article; the hidden ``expected_revision`` guards against overwrites."""
    if request.method == "POST":
        form = form_from_mapping(request.form, request.form.getlist("agencies"))
        form = ArticleForm(**{**form.__dict__, "lang": lang, "slug": slug})
        return _save(form, is_new=False)
    article = get_kb().store.get(lang, slug)
    return _edit_page(form_from_article(article), is_new=False)[0]


@bp.route("/preview", methods=["POST"])
@role_required(*WRITERS)
def preview() -> ResponseReturnValue:
    """Render the posted form as the operator will see it (JSON ``{html, error}``).

    When the front matter is not valid yet, the body alone is rendered and the
    problem is returned beside it, so the preview keeps working while typing.
    """
    form = form_from_mapping(request.form, request.form.getlist("agencies"))
    store = get_kb().store
    error = None
    try:
        meta, body = store.parse(
            article_text(form),
            form.lang if form.lang in ARTICLE_LANGUAGES else "ru",
            form.slug or "preview",
        )
        html = str(card_html(meta, body, heading="h1"))
    except (ArticleError, FormError) as exc:
        html = render(form.body).html
        explained = explain(exc)
        parts = [explained.summary]
        if explained.field:
            parts.append(f"{_('Field')}: «{field_label(explained.field)}»")
        if explained.line:
            parts.append(_("line %(line)s", line=explained.line))
        error = " · ".join(parts)
    return jsonify(html=html, error=error)


@bp.route("/lookup")
@role_required(*WRITERS)
def lookup() -> ResponseReturnValue:
    """Articles whose title or slug contains ``q`` (JSON, for the reference helper)."""
    needle = request.args.get("q", "").strip().casefold()[:100]
    lang = request.args.get("lang", "")
    found = []
    if needle:
        for article in get_kb().store.list(lang=lang if lang in ARTICLE_LANGUAGES else None):
            if needle in article.meta.title.casefold() or needle in article.slug:
                found.append(
                    {
                        "lang": article.lang,
                        "slug": article.slug,
                        "id": article.id,
                        "title": article.meta.title,
                        "url": f"/{article.lang}/{article.slug}",
                    }
                )
                if len(found) >= 20:
                    break
    return jsonify(results=found)


def article_page(
    lang: str, slug: str, *, error: ErrorText | None = None, status: int = 200
) -> ResponseReturnValue:
    """Render the article page (state, actions, draft and published) with an optional error.

    :param lang: language.
    :param slug: slug.
    :param error: a refusal to show at the top.
    :param status: HTTP status.
    :returns: the response.
    """
    kb = get_kb()
    store = kb.store
    state = store.state(lang, slug)
    try:
        draft = store.get(lang, slug)
    except ArticleNotFound:
        draft = None
    try:
        published = store.get(lang, slug, line="published")
    except ArticleNotFound:
        published = None
    draft_html = card_html(draft.meta, draft.body) if draft else ""
    published_html = card_html(published.meta, published.body) if published else ""
    translations = store.translations(lang, slug) if draft else []
    langs_present = {a.lang for a in translations} | {lang}
    return (
        render_template(
            "editor/article.html",
            lang=lang,
            slug=slug,
            state=state,
            draft=draft,
            published=published,
            draft_html=draft_html,
            published_html=published_html,
            draft_ahead=bool(draft and published and draft.blob != published.blob),
            translations=translations,
            missing_langs=[lg for lg in ("kk", "ru") if lg not in langs_present],
            error=error,
            today=_today().isoformat(),
        ),
        status,
    )


@bp.route(f"/{LANG}/<slug>")
@role_required(*WRITERS)
def article(lang: str, slug: str) -> ResponseReturnValue:
    """Show an article's state, its draft and published versions, and the actions."""
    return article_page(lang, slug)


@bp.route(f"/{LANG}/<slug>/history")
@role_required(*WRITERS)
def history(lang: str, slug: str) -> ResponseReturnValue:
    """List every version on both lines with author, reviewer, date and message."""
    revisions = get_kb().store.history(lang, slug)
    published_texts = [r for r in revisions if r.line == "published" and r.changed_text]
    texts = [r.commit for r in revisions if r.changed_text]
    # On the published line the commit's author is whoever published; the text's author
    # is in its Written-by trailer.
    written_by = {
        r.commit: person(parse_trailers(r.message).get("Written-by"))
        for r in revisions
        if r.line == "published"
    }
    return render_template(
        "editor/history.html",
        lang=lang,
        slug=slug,
        revisions=revisions,
        describe=describe,
        written_by=written_by,
        default_b=texts[0] if texts else None,
        default_a=texts[1] if len(texts) > 1 else None,
        latest_published=published_texts[0].commit if published_texts else None,
    )


@bp.route(f"/{LANG}/<slug>/diff")
@role_required(*WRITERS)
def diff(lang: str, slug: str) -> ResponseReturnValue:
    """Word diff between two versions (``a`` older, ``b`` newer; default published → draft)."""
    a = request.args.get("a", "published").strip() or "published"
    b = request.args.get("b", "draft").strip() or "draft"
    store = get_kb().store
    result = store.diff(lang, slug, a, b)
    texts = [_text_of(store, lang, slug, rev) for rev in (a, b)]
    changes = [
        {"label": field_label(c.name), "name": c.name, "html": c.diff.html(), "change": c}
        for c in field_changes(texts[0], texts[1])
    ]
    return render_template(
        "editor/diff.html",
        lang=lang,
        slug=slug,
        a=a,
        b=b,
        diff_html=result.html(),
        diff=result,
        changes=changes,
    )


def _text_of(store: Any, lang: str, slug: str, revision: str) -> str | None:
    """The article file at a revision name (``draft``, ``published``) or commit id."""
    if revision in ("draft", "published"):
        try:
            return text_at(store, lang, slug, store.get(lang, slug, line=revision).revision)
        except ArticleError:
            return None
    return text_at(store, lang, slug, revision)
