"""The operator's reading views: a published article built for a call, a competent body card.

Also the presentation helpers shared with the search screen and the API: what a result
shows besides the hit (competent body names, the short answer to copy, stale and
outdated-translation marks).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import Blueprint
from flask import abort
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from articles.errors import ArticleError
from articles.model import Article
from articles.model import Rendered
from articles.render import html_to_text
from articles.render import render
from kb.analytics.recording import log_open_from_request
from kb.audit import record_read
from kb.localtime import format_local
from kb.localtime import local_today
from kb.operator import shift
from kb.services import KnowledgeBase
from kb.web import get_kb
from search.results import Hit
from search.results import SearchResult

bp = Blueprint("reader", __name__)

#: Interface languages an article can be written in (the URL's first segment).
ARTICLE_LANGS = ("kk", "ru", "en")
#: Facts shown in this order; other keys follow as written.
FACT_ORDER = ("deadline", "documents", "fee", "where")


def category_label(category: str) -> str:
    """The translated name of a category id (the id itself when unknown)."""
    labels = {
        "channels": _("Contact channels"),
        "documents": _("Identity documents"),
        "family": _("Family"),
        "social": _("Social support"),
        "pension": _("Pensions"),
        "taxes": _("Taxes"),
        "property": _("Property"),
        "business": _("Business"),
        "digital-signature": _("Digital signature"),
        "complaints": _("Complaints"),
        "health": _("Health"),
        "education": _("Education"),
        "transport": _("Transport"),
        "other": _("Other"),
    }
    return labels.get(category, category)


def fact_label(key: str) -> str:
    """The translated label of a structured fact."""
    labels = {
        "deadline": _("Deadline"),
        "documents": _("Documents"),
        "fee": _("Fee"),
        "where": _("Where to apply"),
    }
    return labels.get(key, key.replace("_", " ").capitalize())


def ordered_facts(facts: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """Facts as ``(key, label, values)`` rows, known ones first; lists stay lists."""
    keys = [k for k in FACT_ORDER if k in facts] + [k for k in facts if k not in FACT_ORDER]
    rows = []
    for key in keys:
        value = facts[key]
        values = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        if any(values):
            rows.append((key, fact_label(key), values))
    return rows


def is_stale(review_by: dt.date | str | None, today: dt.date | None = None) -> bool:
    """Whether the review-by date has passed.

    :param review_by: a date or an ISO date string.
    :param today: the date to compare with (default: today in the Center's time zone).
    :returns: True when an editor should have re-checked the article already.
    """
    if not review_by:
        return False
    if isinstance(review_by, str):
        try:
            review_by = dt.date.fromisoformat(review_by[:10])
        except ValueError:
            return False
    return review_by < (today or local_today())


@dataclass(frozen=True)
class ResultView:
    """A search hit with what the operator's screen shows beside it.

    :param hit: the hit.
    :param slug: the article slug (the body id for bodies).
    :param answer: the short answer (for bodies: what they handle and their phone).
    :param bodies: competent body names, in the hit's language.
    :param category: the category's label.
    :param stale: the review-by date has passed.
    :param outdated_by: the language whose newer version made this one outdated.
    :param verified_on: the date a reviewer last approved (or published) this version.
    :param snippet_in_body: the match is in the body, not the short answer (the card then
        shows the snippet below the answer).
    :param other_url: the article's version in the other language, if published.
    :param other_lang: that version's language.
    """

    hit: Hit
    slug: str
    answer: str
    bodies: tuple[str, ...]
    category: str
    stale: bool
    outdated_by: str | None
    verified_on: str = ""
    snippet_in_body: bool = True
    other_url: str = ""
    other_lang: str = ""

    @property
    def path(self) -> str:
        """``<lang>/<slug>`` of an article (feedback target), empty for bodies."""
        return f"{self.hit.lang}/{self.slug}" if self.hit.kind == "article" else ""


def _slug_of(hit: Hit) -> str:
    """The slug from the hit's URL (``/ru/passport`` or ``/-/bodies/mvd?lang=ru``)."""
    path = hit.url.split("?", 1)[0].rstrip("/")
    return path.rsplit("/", 1)[-1]


def body_summary(kb: KnowledgeBase, body_id: str, lang: str) -> str:
    """What a competent body handles and its phone, as one line of plain text."""
    body = kb.published_bodies().get(body_id)
    if body is None:
        return ""
    handles = body.handles.get(lang) or body.handles.get("ru") or ""
    phone = f" {_('Phone')}: {body.phone}." if body.phone else ""
    return f"{body.name_in(lang)}. {handles}{phone}".strip()


def result_views(kb: KnowledgeBase, result: SearchResult) -> list[ResultView]:
    """Decorate the hits of ``result`` for the operator's screen.

    :param kb: the knowledge base.
    :param result: a search result.
    :returns: one view per hit, in order.
    """
    bodies = kb.published_bodies()
    outdated_by = kb.outdated_for_search()
    verified = kb.verified_dates() if result.hits else {}
    views = []
    for hit in result.hits:
        slug = _slug_of(hit)
        if hit.kind == "body":
            answer = body_summary(kb, hit.id, hit.lang)
            outdated = None
        else:
            try:
                article, _rendered = kb.published(hit.lang, slug)
                answer = article.meta.answer
            except ArticleError:  # retired since the index was read
                answer = ""
            outdated = outdated_by.get((hit.lang, slug))
        names = tuple(bodies[a].name_in(hit.lang) for a in hit.agencies if a in bodies)
        other_url = other_lang = ""
        if hit.kind == "body":
            names = ()
        else:
            for lang, (other_slug, _title) in sorted(kb.published_versions(hit.id).items()):
                if lang != hit.lang and not other_url:
                    other_url, other_lang = f"/{lang}/{other_slug}", lang
        views.append(
            ResultView(
                hit=hit,
                slug=slug,
                answer=answer,
                bodies=names,
                category=category_label(hit.category) if hit.category else "",
                stale=is_stale(hit.review_by),
                outdated_by=outdated,
                verified_on=format_local(verified.get((hit.lang, slug)), "%Y-%m-%d"),
                snippet_in_body=not _snippet_in(answer, hit.snippet),
                other_url=other_url,
                other_lang=other_lang,
            )
        )
    return views


_MARK_RE = re.compile(r"</?mark>")


def _snippet_in(answer: str, snippet: str) -> bool:
    """Whether the snippet's matched passage is the short answer's (not the body's)."""
    if not answer:
        return False
    text = html.unescape(_MARK_RE.sub("", snippet)).strip("… ").replace("\n", " ")
    probe = text[:60]
    return bool(probe) and probe in " ".join(answer.split())


@lru_cache(maxsize=1024)
def render_body(body: str) -> Rendered:
    """Render an article's Markdown body alone (the view lays out title, answer and facts).

    :param body: the Markdown body.
    :returns: sanitised HTML and plain text.
    """
    return render(body)


def email_text(article: Article, rendered: Rendered) -> str:
    """The article as clean plain text for a written reply: title, short answer, body.

    :param article: the article.
    :param rendered: the render of its body alone (:func:`render_body`).
    :returns: plain text, blocks separated by blank lines.
    """
    # Source line breaks inside a paragraph are not breaks in the text: only blocks are.
    body = html_to_text(rendered.html.replace("\n", " "))
    parts = [article.title, article.meta.answer, body]
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def _missing_page(kb: KnowledgeBase, lang: str, slug: str) -> ResponseReturnValue:
    """The 404 page for an article that is not published, saying whether it was retired."""
    retired = kb.retired(lang, slug)
    message = (
        _("This article was retired: it is no longer valid. Search again for the current answer.")
        if retired
        else _("This article is not published. Search again for the current answer.")
    )
    return render_template("reader/missing.html", message=message, retired=retired), 404


def _translations(kb: KnowledgeBase, article: Article) -> list[dict[str, Any]]:
    """The article's published translations with their outdated marks."""
    return [
        {
            "article": other,
            "url": f"/{other.lang}/{other.slug}",
            "outdated_by": kb.outdated_translation(other.lang, other.slug),
        }
        for other in kb.published_translations(article)
    ]


def _bodies_of(kb: KnowledgeBase, agencies: Iterable[str]) -> list[Any]:
    known = kb.published_bodies()
    return [known[a] for a in agencies if a in known]


@bp.route("/<any(kk,ru,en):lang>/<slug>")
def article(lang: str, slug: str) -> ResponseReturnValue:
    """Show a published article laid out for a call: answer card first, then the rest."""
    kb = get_kb()
    try:
        found, _card = kb.published(lang, slug)
    except ArticleError:
        return _missing_page(kb, lang, slug)
    rendered = render_body(found.body)
    query = request.args.get("q", "")[:500]
    lang_filter = request.args.get("lang", "")
    log_open_from_request(f"{lang}/{slug}")
    record_read(current_user.name, "open", f"{lang}/{slug}", query)
    meta = found.meta
    try:
        state = kb.store.state(lang, slug)
        reviewed_on = format_local(state.approved_at or state.published_at, "%Y-%m-%d")
    except ArticleError:
        reviewed_on = ""
    return render_template(
        "reader/article.html",
        reviewed_on=reviewed_on,
        article=found,
        meta=meta,
        html=rendered.html,
        toc=rendered.toc,
        query=query,
        path=f"{lang}/{slug}",
        category=category_label(meta.category),
        facts=ordered_facts(meta.facts),
        bodies=_bodies_of(kb, meta.agencies),
        translations=_translations(kb, found),
        outdated_by=kb.outdated_translation(lang, slug),
        related=kb.related_articles(found),
        stale=is_stale(meta.review_by),
        email_text=email_text(found, rendered),
        lang_filter=lang_filter if lang_filter in ARTICLE_LANGS else "",
        marks=shift.article_marks(current_user, found.id),
    )


@bp.route("/-/bodies/<body_id>")
def body(body_id: str) -> ResponseReturnValue:
    """Show a competent body's card: what it handles, contacts, and articles naming it."""
    kb = get_kb()
    lang = request.args.get("lang", "ru")
    if lang not in ARTICLE_LANGS:
        lang = "ru"
    found = kb.published_bodies().get(body_id)
    if found is None:
        abort(404)
    log_open_from_request(f"body/{body_id}")
    record_read(current_user.name, "open", f"body/{body_id}", request.args.get("q", "")[:500])
    return render_template(
        "reader/body.html",
        body=found,
        lang=lang,
        summary=body_summary(kb, body_id, lang),
        articles=kb.articles_of_body(body_id, lang),
    )


from kb.operator import files  # noqa: E402,F401  (the attachment route registers on this blueprint)
