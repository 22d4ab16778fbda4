"""The operator's search screen at ``/``: one box, results as they type, keyboard first.

Without JavaScript the screen is a GET form (``/?q=...``) rendered on the server; with it,
``operator.js`` fetches the same results markup from ``/-/results`` while the operator
types, so both paths show identical results.

Logging (batched inserts, no per-keystroke noise): a search is *final* when the form is
submitted, when the script sends ``final=1`` (the operator opened or copied a result, or
stopped typing for a moment), or when an integration calls ``/api/search``. Final
searches go to ``SearchLog`` (zero-hit ones feed the gap queue) and, from the screen, to
the audit trail; live keystroke searches are not logged.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from flask import Blueprint
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from kb.analytics.recording import top_result_ids
from kb.audit import record_read
from kb.gaps import file_weak_search
from kb.gaps import log_search
from kb.operator import shift
from kb.operator.reader import result_views
from kb.web import get_kb
from search.parse import QueryError
from search.results import SearchResult

bp = Blueprint("home", __name__)

#: Longest query accepted over HTTP, in characters (not bytes: a Cyrillic letter is six
#: bytes of a URL, and ``kb serve`` accepts request lines of 8,190 bytes, so 1,000 fit).
MAX_QUERY_CHARS = 1000
#: Result count bounds for ``limit``.
MAX_LIMIT = 100
#: Results on the operator screen.
SCREEN_LIMIT = 10
#: Languages a search can be restricted to.
SEARCH_LANGS = ("kk", "ru", "en")
#: Filters passed through to the engine.
FILTER_NAMES = ("category", "agency", "service", "kind")


class SearchInputError(ValueError):
    """A search parameter that cannot be used; the message names it and the fix.

    :param message: what is wrong and how to fix it.
    :param param: the parameter's name.
    """

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class SearchArgs:
    """Validated search parameters."""

    q: str = ""
    lang: str | None = None
    limit: int = SCREEN_LIMIT
    filters: Mapping[str, str] = field(default_factory=dict)
    prefer: str | None = None


def clean_query(raw: str) -> str:
    """Check a query's length and characters; tabs and newlines become spaces.

    :param raw: the ``q`` parameter as received.
    :returns: the query.
    :raises SearchInputError: for more than :data:`MAX_QUERY_CHARS` characters or control
        characters (binary data).
    """
    if len(raw) > MAX_QUERY_CHARS:
        raise SearchInputError(
            f"q is {len(raw)} characters long: send at most {MAX_QUERY_CHARS}", "q"
        )
    text = raw.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise SearchInputError("q contains control or undecodable characters: send UTF-8 text", "q")
    return text.strip()


def parse_search_args(args: Mapping[str, str], default_limit: int = SCREEN_LIMIT) -> SearchArgs:
    """Validate ``q``, ``lang``, ``limit`` and the filters of a search request.

    :param args: the query-string parameters.
    :param default_limit: ``limit`` when none is given.
    :returns: the parameters.
    :raises SearchInputError: naming the bad parameter.
    """
    q = clean_query(args.get("q", ""))
    lang = args.get("lang") or None
    if lang is not None and lang not in SEARCH_LANGS:
        raise SearchInputError(f"lang must be one of {', '.join(SEARCH_LANGS)} or empty", "lang")
    raw_limit = args.get("limit", "")
    if raw_limit == "":
        limit = default_limit
    else:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise SearchInputError(
                f"limit must be a whole number from 1 to {MAX_LIMIT}", "limit"
            ) from None
        if not 1 <= limit <= MAX_LIMIT:
            raise SearchInputError(f"limit must be from 1 to {MAX_LIMIT}, not {limit}", "limit")
    prefer = args.get("prefer") or None
    if prefer is not None and prefer not in shift.CALLER_LANGS:
        raise SearchInputError(
            "prefer must be kk, ru or empty (the query's own language)", "prefer"
        )
    filters = {}
    for name in FILTER_NAMES:
        value = args.get(name, "")
        if len(value) > 100 or any(unicodedata.category(ch) == "Cc" for ch in value):
            raise SearchInputError(f"{name} must be a short id such as 'documents'", name)
        if value:
            filters[name] = value
    return SearchArgs(q=q, lang=lang, limit=limit, filters=filters, prefer=prefer)


def run_search(
    args: SearchArgs, *, log: bool, audit: bool = False, channel: str = "screen"
) -> SearchResult:
    """Search the published content and log it as decided by the caller.

    :param args: validated parameters.
    :param log: store the search in ``SearchLog`` (final searches).
    :param audit: also record it in the audit trail.
    :param channel: where the search came from (``screen`` or ``api``), for the analytics.
    :returns: the result.
    :raises SearchInputError: when the engine rejects the query or a filter.
    """
    if not args.q:
        return SearchResult(query="", took_ms=0.0)
    try:
        result = get_kb().search(
            args.q,
            lang=args.lang,
            limit=args.limit,
            filters=args.filters,
            prefer=args.prefer,
            settled=log,  # a keystroke of search-as-you-type never spends an embedding
        )
    except QueryError as exc:
        param = "kind" if "kind" in str(exc) else "q"
        raise SearchInputError(str(exc), param) from None
    if log:
        log_search(
            current_user.name,
            args.q,
            result.total,
            result.took_ms,
            channel=channel,
            lang=args.lang or "",
            top_ids=top_result_ids(result),
        )
        if result.weak:
            file_weak_search(current_user.name, args.q)
    if audit:
        record_read(current_user.name, "search", "", f"{args.q} ({result.total})")
    return result


def _screen_error(exc: SearchInputError) -> str:
    """The screen's message for a bad search, in the interface language."""
    if exc.param == "q" and "characters long" in str(exc):
        return _(
            "The text is too long: the search takes at most %(max)s characters. Keep the "
            "key words of the question, or paste a shorter part.",
            max=MAX_QUERY_CHARS,
        )
    return _("The search could not run: %(reason)s.", reason=str(exc))


def _screen(template: str, status_ok: int = 200) -> ResponseReturnValue:
    """Render the search screen or its results fragment for the request's parameters."""
    final = template == "home.html" or request.args.get("final") == "1"
    error = None
    stored = shift.caller_lang(current_user)
    query_args = dict(request.args)
    if "prefer" not in query_args and stored:
        query_args["prefer"] = stored
    try:
        args = parse_search_args(query_args)
        result = run_search(args, log=final and bool(args.q), audit=final and bool(args.q))
    except SearchInputError as exc:
        args, result = SearchArgs(), SearchResult(query="", took_ms=0.0)
        error = _screen_error(exc)
    views = result_views(get_kb(), result)
    status = 400 if error else status_ok
    panels = shift.home_panels(current_user) if template == "home.html" and not args.q else None
    return (
        render_template(
            template,
            q=request.args.get("q", "")[:MAX_QUERY_CHARS] if not error else "",
            lang=args.lang or "",
            prefer=args.prefer or "",
            result=result,
            views=views,
            error=error,
            panels=panels,
            max_query_chars=MAX_QUERY_CHARS,
        ),
        status,
    )


@bp.route("/")
def index() -> ResponseReturnValue:
    """The search screen; ``?q=`` renders results on the server (works without JS)."""
    return _screen("home.html")


@bp.route("/-/results")
def results() -> ResponseReturnValue:
    """The results list alone, fetched by ``operator.js`` as the operator types."""
    return _screen("reader/results.html")
