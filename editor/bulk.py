"""Bulk actions on the article list: submit, approve or retire the ticked articles.

"Select all" takes every article of the page (see :func:`bulk`).

Each article is its own action, checked on the server as if it had been done on its own
page: the role (approve and retire are for reviewers), the workflow (only a draft is
submitted, self-approval is refused, retiring needs a reason) and the article's state.
One refusal does not stop the others; the page lists every article with what happened
to it, in the user's language. Successes are audited and notified like single actions.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from articles.errors import ArticleError
from articles.errors import WorkflowError
from articles.slugs import split_article_path
from editor import REVIEWERS
from editor import WRITERS
from editor import bp
from editor.listing import PAGE_SIZE
from editor.listing import SIDE_BY_SIDE
from editor.messages import explain
from editor.views import audit
from kb.notifications.events import after_action
from kb.web import current_actor
from kb.web import get_kb
from kb.web import role_required

#: Articles one bulk action takes at most: every box of a full page of the list.
MAX_ITEMS = PAGE_SIZE * len(SIDE_BY_SIDE)
#: Bulk actions → (audit action, roles allowed).
ACTIONS = {
    "submit": ("submit", WRITERS),
    "approve": ("approve", REVIEWERS),
    "retire": ("unpublish", REVIEWERS),
}


@dataclass(frozen=True)
class Outcome:
    """What a bulk action did to one article: ``ok`` and the sentence to show."""

    lang: str
    slug: str
    title: str
    ok: bool
    message: str
    detail: str = ""


def _title(lang: str, slug: str) -> str:
    try:
        return get_kb().store.get(lang, slug).meta.title
    except ArticleError:
        return f"{lang}/{slug}"


def _one(action: str, lang: str, slug: str, comment: str) -> Outcome:
    """Do ``action`` to one article and say what happened."""
    kb = get_kb()
    title = _title(lang, slug)
    audit_action, roles = ACTIONS[action]
    if not current_user.has_role(*roles):
        return Outcome(lang, slug, title, False, _("Refused: your role does not allow this."))
    try:
        if action == "submit":
            kb.store.submit(lang, slug, actor=current_actor(), comment=comment or None)
            done = _("Submitted for review.")
        elif action == "approve":
            kb.store.approve(lang, slug, actor=current_actor(), comment=comment or None)
            done = _("Approved. Publish it now or on its effective date.")
        else:
            if not comment:
                raise WorkflowError("Say why the article is retired.", code="comment_required")
            kb.unpublish(lang, slug, actor=current_actor(), comment=comment)
            done = _("Unpublished: operators no longer find it.")
    except ArticleError as exc:
        explained = explain(exc)
        return Outcome(lang, slug, title, False, explained.summary, explained.detail)
    audit(audit_action, f"{lang}/{slug}", comment)
    after_action(audit_action, lang, slug, actor=current_user, detail=comment)
    return Outcome(lang, slug, title, True, done)


@bp.route("/bulk", methods=["POST"])
@role_required(*WRITERS)
def bulk() -> ResponseReturnValue:
    """Apply one action to the ticked articles and list the result of each.

    "Select all" (``all``) stands for every article the page showed with a box (the
    ``shown`` fields), whatever the boxes say: so it works without the page's script,
    which ticks the boxes to match and unticks "all" when one box is unticked.
    """
    action = request.form.get("action", "")
    comment = (request.form.get("comment") or "").strip()[:2000]
    chosen = request.form.getlist("shown" if request.form.get("all") else "item")
    items = list(dict.fromkeys(chosen))
    problem = None
    if action not in ACTIONS:
        problem = _("Choose what to do with the ticked articles: submit, approve or retire.")
    elif not items:
        problem = _("Tick at least one article in the list.")
    elif len(items) > MAX_ITEMS:
        problem = _("At most %(count)s articles at once: tick fewer and repeat.", count=MAX_ITEMS)
    outcomes = []
    if problem is None:
        for item in items:
            key = split_article_path(f"{item}.md")
            if key is None:
                outcomes.append(Outcome("", "", item[:120], False, _("No such article.")))
                continue
            outcomes.append(_one(action, key[0], key[1], comment))
    return (
        render_template(
            "editor/bulk.html",
            action=action,
            outcomes=outcomes,
            problem=problem,
            done=sum(1 for o in outcomes if o.ok),
        ),
        400 if problem else 200,
    )
