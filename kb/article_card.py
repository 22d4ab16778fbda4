"""One rendering of an article outside the operator's screen, the same as on it.

The editor's preview and article page, course modules and the printed handout show an
article with :func:`card_html`; its "Key facts" block is ``reader/_facts.html``, the very
template the operator's article page includes, so facts get their translated labels
(«Основные факты», «Срок») everywhere and keywords are never printed as text.
"""

from __future__ import annotations

import itertools

from flask import render_template
from markupsafe import Markup

from articles.model import ArticleMeta
from kb.operator.reader import ordered_facts
from kb.operator.reader import render_body

_ids = itertools.count(1)


def card_html(meta: ArticleMeta, body: str, *, heading: str | None = "h2") -> Markup:
    """Render an article card: title, short answer, key facts, body.

    Needs an application context (templates and translations); the labels are in the
    interface language, as on the operator's page.

    :param meta: the article's front matter.
    :param body: its Markdown body.
    :param heading: the title's element (``h1``, ``h2``...), ``None`` for no title.
    :returns: safe HTML.
    """
    if heading not in (None, "h1", "h2", "h3"):
        raise ValueError(f"heading must be h1, h2 or h3, not {heading!r}")
    return Markup(
        render_template(
            "reader/_card.html",
            meta=meta,
            html=render_body(body).html,
            facts=ordered_facts(meta.facts),
            heading=heading,
            facts_id=f"facts-{meta.lang}-{meta.id}-{next(_ids)}",
        )
    )
