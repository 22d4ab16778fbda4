"""Workflow actions and the review queue.

Editors submit, or delete a draft that was never published; reviewers approve or
reject, publish now or on an effective date, unpublish and roll back. Publishing goes
through :class:`kb.services.KnowledgeBase`, so the search index follows in the same call.
A refusal (``WorkflowError``) re-shows the article page with the reason, translated, and
the English detail.
"""

from __future__ import annotations

import datetime as dt

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from articles.errors import ArticleNotFound
from articles.errors import WorkflowError
from editor import REVIEWERS
from editor import WRITERS
from editor import bp
from editor.forms import FormError
from editor.listing import awaiting_publication
from editor.listing import review_queue as queue_of
from editor.messages import explain
from editor.views import LANG
from editor.views import article_page
from editor.views import audit
from kb.notifications.events import after_action
from kb.notifications.events import after_scheduled
from kb.web import current_actor
from kb.web import get_kb
from kb.web import role_required


def _note() -> str:
    return (request.form.get("comment") or "").strip()[:2000]


def _refused(lang: str, slug: str, exc: WorkflowError | FormError) -> ResponseReturnValue:
    return article_page(lang, slug, error=explain(exc), status=409)


def _done(lang: str, slug: str, action: str, detail: str, message: str) -> ResponseReturnValue:
    """Audit a workflow action that succeeded, notify whom it concerns, tell the user, and
    go back to the article."""
    audit(action, f"{lang}/{slug}", detail)
    after_action(action, lang, slug, actor=current_user, detail=detail)
    flash(message, "ok")
    return redirect(url_for(".article", lang=lang, slug=slug))


def submit_article(lang: str, slug: str, note: str) -> ResponseReturnValue:
    """Submit the draft for review with a note for the reviewer.

    :param lang: language.
    :param slug: slug.
    :param note: the editor's note (may be empty).
    :returns: a redirect to the article, or the article page with the refusal.
    """
    try:
        get_kb().store.submit(lang, slug, actor=current_actor(), comment=note or None)
    except WorkflowError as exc:
        return _refused(lang, slug, exc)
    return _done(lang, slug, "submit", note, _("Submitted for review."))


@bp.route(f"/{LANG}/<slug>/submit", methods=["POST"])
@role_required(*WRITERS)
def submit(lang: str, slug: str) -> ResponseReturnValue:
    """Send the draft to the review queue."""
    return submit_article(lang, slug, _note())


@bp.route(f"/{LANG}/<slug>/approve", methods=["POST"])
@role_required(*REVIEWERS)
def approve(lang: str, slug: str) -> ResponseReturnValue:
    """Approve the draft in review (refused for the last author: no self-approval)."""
    note = _note()
    try:
        get_kb().store.approve(lang, slug, actor=current_actor(), comment=note or None)
    except WorkflowError as exc:
        return _refused(lang, slug, exc)
    return _done(
        lang, slug, "approve", note, _("Approved. Publish it now or on its effective date.")
    )


@bp.route(f"/{LANG}/<slug>/reject", methods=["POST"])
@role_required(*REVIEWERS)
def reject(lang: str, slug: str) -> ResponseReturnValue:
    """Send the draft back to its author with a comment (required)."""
    note = _note()
    try:
        get_kb().store.reject(lang, slug, actor=current_actor(), comment=note)
    except WorkflowError as exc:
        return _refused(lang, slug, exc)
    return _done(lang, slug, "reject", note, _("Sent back to the author with your comment."))


def _effective() -> dt.date | None:
    text = (request.form.get("effective") or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FormError(
            "effective",
            "invalid_date",
            f"The effective date {text[:20]!r} is not a date: use YYYY-MM-DD, e.g. 2027-01-01.",
        ) from None


@bp.route(f"/{LANG}/<slug>/publish", methods=["POST"])
@role_required(*REVIEWERS)
def publish(lang: str, slug: str) -> ResponseReturnValue:
    """Publish the approved draft now, or schedule it for a future effective date."""
    try:
        effective = _effective()
        state = get_kb().publish(lang, slug, actor=current_actor(), effective=effective)
    except (WorkflowError, FormError) as exc:
        return _refused(lang, slug, exc)
    if state.status.value == "scheduled":
        message = _("Scheduled: it will be published on %(date)s.", date=state.scheduled_for)
        return _done(lang, slug, "schedule", state.scheduled_for or "", message)
    detail = effective.isoformat() if effective else ""
    return _done(lang, slug, "publish", detail, _("Published: operators see this version now."))


@bp.route(f"/{LANG}/<slug>/unpublish", methods=["POST"])
@role_required(*REVIEWERS)
def unpublish(lang: str, slug: str) -> ResponseReturnValue:
    """Retire the published version (the draft stays); a reason is required."""
    note = _note()
    if not note:
        return _refused(
            lang,
            slug,
            WorkflowError("Say why the article is retired.", code="comment_required"),
        )
    try:
        get_kb().unpublish(lang, slug, actor=current_actor(), comment=note)
    except WorkflowError as exc:
        return _refused(lang, slug, exc)
    return _done(lang, slug, "unpublish", note, _("Unpublished: operators no longer find it."))


@bp.route(f"/{LANG}/<slug>/delete", methods=["POST"])
@role_required(*WRITERS)
def delete_draft(lang: str, slug: str) -> ResponseReturnValue:
    """Delete a draft that was never published; the slug typed again confirms it."""
    if (request.form.get("confirm") or "").strip() != slug:
        return _refused(
            lang,
            slug,
            WorkflowError(
                f"Type the slug {slug} to confirm the deletion.", code="confirm_required"
            ),
        )
    note = _note()
    try:
        get_kb().store.delete_draft(lang, slug, actor=current_actor(), comment=note or None)
    except WorkflowError as exc:
        return _refused(lang, slug, exc)
    audit("delete", f"{lang}/{slug}", note)
    flash(_("Deleted: the draft is no longer listed (the repository history keeps it)."), "ok")
    return redirect(url_for(".index"))


@bp.route(f"/{LANG}/<slug>/rollback", methods=["POST"])
@role_required(*REVIEWERS)
def rollback(lang: str, slug: str) -> ResponseReturnValue:
    """Publish an earlier published version again, as a new commit."""
    revision = (request.form.get("revision") or "").strip()
    if not revision:
        raise ArticleNotFound("Choose the version to roll back to.", field="revision")
    try:
        get_kb().rollback(lang, slug, revision, actor=current_actor())
    except WorkflowError as exc:
        return _refused(lang, slug, exc)
    return _done(
        lang, slug, "rollback", revision, _("Rolled back: the chosen version is published again.")
    )


@bp.route(f"/{LANG}/<slug>/translation-ok", methods=["POST"])
@role_required(*WRITERS)
def translation_ok(lang: str, slug: str) -> ResponseReturnValue:
    """Clear the "translation outdated" mark when the other change does not concern it."""
    get_kb().store.confirm_translation(lang, slug, actor=current_actor())
    return _done(lang, slug, "translation_ok", "", _("Marked as up to date with its translation."))


@bp.route("/review")
@role_required(*REVIEWERS)
def review_queue() -> ResponseReturnValue:
    """Articles waiting for review (oldest first), then approved and scheduled ones."""
    store = get_kb().store
    states = store.states()
    titles = {(a.lang, a.slug): a.meta.title for a in store.list()}
    return render_template(
        "editor/review.html",
        waiting=queue_of(states),
        ready=awaiting_publication(states),
        titles=titles,
    )


@bp.route("/publish-due", methods=["POST"])
@role_required(*REVIEWERS)
def publish_due() -> ResponseReturnValue:
    """Publish now the scheduled articles whose effective date has come."""
    done = get_kb().publish_due()
    for lang, slug in done:
        audit("publish", f"{lang}/{slug}", "scheduled")
    after_scheduled(done)
    flash(_("Published %(count)s scheduled articles.", count=len(done)), "ok")
    return redirect(url_for(".review_queue"))
