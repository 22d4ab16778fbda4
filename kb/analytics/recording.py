"""What the operator screen, the reader and the API log for the search analytics.

Searches are logged by :func:`kb.gaps.log_search` (batched, off the search path) with
their channel, chosen language and first results; this module adds the ids of those
results and the result opens: a link from the results list carries the query and the
position (``?q=...&pos=3``), and the article (or body) view logs the open.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import quote

from flask import Flask
from flask import request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from kb.analytics.models import SearchOpen
from kb.models import db
from kb.models import utcnow
from search.results import SearchResult

log = logging.getLogger(__name__)

#: How many of the first results a logged search keeps (for "never found" and "shown").
TOP_IDS = 5
#: Largest position accepted from a link.
MAX_POSITION = 100


def top_result_ids(result: SearchResult, count: int = TOP_IDS) -> list[str]:
    """The ids of the first results: ``<lang>/<slug>`` for articles, ``body/<id>`` for bodies.

    :param result: a search result.
    :param count: how many to keep.
    """
    ids = []
    for hit in result.hits[:count]:
        if hit.kind == "body":
            ids.append(f"body/{hit.id}")
        else:
            slug = hit.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            ids.append(f"{hit.lang}/{slug}")
    return ids


def result_link(url: str, query: str, position: int) -> str:
    """The link of a search result: its URL with the query and the 1-based position.

    The article view logs the open from these parameters (:func:`log_open_from_request`).

    :param url: the result's URL (may carry a query string already).
    :param query: what the operator searched.
    :param position: 1 for the first result.
    """
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}q={quote(query, safe='')}&pos={int(position)}"


def _position(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        return 0
    return value if 1 <= value <= MAX_POSITION else 0


def log_open(
    actor: str,
    article: str,
    query: str,
    position: int,
    channel: str,
    when: dt.datetime | None = None,
) -> None:
    """Store one result opened from a search (errors are logged, never raised).

    :param actor: the user name.
    :param article: ``<lang>/<slug>`` or ``body/<id>``.
    :param query: the search it was opened from.
    :param position: 1-based position in the results, 0 when unknown.
    :param channel: ``screen`` or ``api``.
    :param when: the time of the open (UTC; default now).
    """
    try:
        db.session.add(
            SearchOpen(
                when=when or utcnow(),
                actor=actor[:64],
                channel=channel,
                query=query[:500],
                article=article[:120],
                position=position,
            )
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("result open of %s not logged", article, exc_info=True)


def log_open_from_request(article: str, channel: str = "screen") -> None:
    """Log an open of ``article`` when the request came from a results list.

    Only links carrying both ``q`` and a position ``pos`` (1 to 100) count: the kk↔ru
    switch and "back to search" carry the query but are not opens from a search.

    :param article: ``<lang>/<slug>`` or ``body/<id>``.
    :param channel: ``screen`` (the reader) or ``api`` (``/api/articles``).
    """
    query = " ".join(request.args.get("q", "").split())
    position = _position(request.args.get("pos", ""))
    if not query or not position:
        return
    log_open(current_user.name, article, query, position, channel)


def init_app(app: Flask) -> None:
    """Make :func:`result_link` available to the results template."""
    app.jinja_env.globals["result_link"] = result_link
