"""The JSON API for integrations (CRM, softphone) and the operator screen's script.

Every route needs a signed-in session or ``Authorization: Bearer TOKEN`` (``kb token
add``); the login wall in :mod:`kb.auth` answers 401 JSON otherwise, and
:mod:`kb.errors` turns every error under ``/api/`` into ``{"error": {status, code,
message}}``. ``/api/openapi.json`` describes exactly these routes (a test compares it with
the URL map).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint
from flask import request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from articles.errors import ArticleError
from kb.analytics.apidoc import openapi_paths as analytics_openapi
from kb.analytics.recording import log_open_from_request
from kb.audit import record_read
from kb.errors import error_response
from kb.gaps import FEEDBACK_KINDS
from kb.gaps import MAX_COMMENT_CHARS
from kb.gaps import FeedbackError
from kb.gaps import record_feedback
from kb.operator.home import MAX_LIMIT
from kb.operator.home import MAX_QUERY_CHARS
from kb.operator.home import SearchInputError
from kb.operator.home import parse_search_args
from kb.operator.home import run_search
from kb.operator.reader import ARTICLE_LANGS
from kb.operator.reader import is_stale
from kb.operator.reader import render_body
from kb.web import get_kb

bp = Blueprint("api", __name__, url_prefix="/api")


def _bad_request(message: str, param: str) -> ResponseReturnValue:
    body, status = error_response(400, message, "invalid_parameter")
    body["error"]["param"] = param
    return body, status


def _iso(value: Any) -> Any:
    """Dates as ISO strings; other values unchanged (lists and dicts walked)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_iso(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _iso(v) for k, v in value.items()}
    return value


@bp.route("/search")
def search() -> ResponseReturnValue:
    """Search published articles and competent bodies (the design's contract, plus extras).

    Logged to ``SearchLog`` unless ``live=1`` (the operator screen's per-keystroke calls);
    ``final=1`` also records the search in the audit trail.
    """
    try:
        args = parse_search_args(request.args, default_limit=10)
        final = request.args.get("final") == "1"
        live = request.args.get("live") == "1" and not final
        result = run_search(
            args, log=not live and bool(args.q), audit=final and bool(args.q), channel="api"
        )
    except SearchInputError as exc:
        return _bad_request(str(exc), exc.param)
    outdated = get_kb().outdated_for_search()  # one look-up per search, not one per hit
    payload = result.as_dict()
    for hit, item in zip(result.hits, payload["results"], strict=True):
        item["stale"] = is_stale(hit.review_by)
        slug = hit.url.split("?", 1)[0].rsplit("/", 1)[-1]
        item["outdated_by"] = outdated.get((hit.lang, slug)) if hit.kind == "article" else None
    payload["timed_out"] = result.timed_out
    return payload


@bp.route("/articles/<lang>/<slug>")
def article(lang: str, slug: str) -> ResponseReturnValue:
    """The published article: front matter, rendered HTML, plain text, links."""
    if lang not in ARTICLE_LANGS:
        return error_response(404, f"No language {lang[:10]!r}: use kk, ru or en.", "not_found")
    kb = get_kb()
    try:
        found, _card = kb.published(lang, slug)
    except ArticleError:
        retired = kb.retired(lang, slug)
        message = "This article was retired." if retired else "No published article here."
        return error_response(404, message, "retired" if retired else "not_found")
    log_open_from_request(f"{lang}/{slug}", channel="api")
    record_read(current_user.name, "open", f"{lang}/{slug}", "api")
    rendered = render_body(found.body)
    meta = found.meta
    bodies = kb.published_bodies()
    return {
        "id": meta.id,
        "lang": found.lang,
        "slug": found.slug,
        "title": meta.title,
        "url": f"/{found.lang}/{found.slug}",
        "meta": _iso(
            {
                "id": meta.id,
                "title": meta.title,
                "lang": meta.lang,
                "category": meta.category,
                "services": list(meta.services),
                "agencies": list(meta.agencies),
                "keywords": list(meta.keywords),
                "answer": meta.answer,
                "facts": dict(meta.facts),
                "review_by": meta.review_by,
                "valid_from": meta.valid_from,
                "valid_until": meta.valid_until,
                "related": list(meta.related),
            }
        ),
        "html": rendered.html,
        "text": rendered.text,
        "revision": found.revision,
        "stale": is_stale(meta.review_by),
        "outdated_by": kb.outdated_translation(lang, slug),
        "translations": [
            {
                "lang": other.lang,
                "slug": other.slug,
                "title": other.title,
                "url": f"/{other.lang}/{other.slug}",
                "outdated_by": kb.outdated_translation(other.lang, other.slug),
            }
            for other in kb.published_translations(found)
        ],
        "bodies": [
            {
                "id": body.id,
                "name": body.name_in(lang),
                "handles": body.handles.get(lang) or body.handles.get("ru", ""),
                "phone": body.phone,
                "site": body.site,
                "address": (body.address or {}).get(lang, ""),
                "url": f"/-/bodies/{body.id}?lang={lang}",
            }
            for body in (bodies[a] for a in meta.agencies if a in bodies)
        ],
    }


@bp.route("/feedback", methods=["POST"])
def feedback() -> ResponseReturnValue:
    """Store an operator's feedback: ``{kind, article?, query?, comment?}`` as JSON."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _bad_request("send a JSON object with kind, article, query, comment", "body")
    values = {}
    for name in ("kind", "article", "query", "comment"):
        value = data.get(name, "")
        if not isinstance(value, str):
            return _bad_request(f"{name} must be a string", name)
        values[name] = value
    try:
        row = record_feedback(current_user.name, **values)
    except FeedbackError as exc:
        return _bad_request(str(exc), exc.field)
    return {"id": row.id, "kind": row.kind, "article": row.article, "query": row.query}, 201


@bp.route("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 description of this API."""
    return openapi_document()


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "code", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "param": {"type": "string"},
                },
            }
        },
    }


def _errors(*statuses: int) -> dict[str, Any]:
    names = {400: "Bad parameter", 401: "No session or token", 404: "Not found"}
    return {
        str(s): {
            "description": names[s],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for s in statuses
    }


def _param(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


SEARCH_EXAMPLE = {
    "query": "паспорт",
    "took_ms": 3.2,
    "corrected": None,
    "total": 1,
    "timed_out": False,
    "results": [
        {
            "id": "passport",
            "lang": "ru",
            "title": "Паспорт гражданина Республики Казахстан",
            "score": 33.36,
            "snippet": "<mark>Паспорт</mark> гражданина РК оформляют в любом ЦОНе…",
            "url": "/ru/passport",
            "kind": "article",
            "category": "documents",
            "agencies": ["mvd", "gov4c"],
            "review_by": "2027-04-01",
            "valid_until": None,
            "stale": False,
            "outdated_by": None,
        }
    ],
}

ARTICLE_EXAMPLE = {
    "id": "passport",
    "lang": "ru",
    "slug": "passport",
    "title": "Паспорт гражданина Республики Казахстан",
    "url": "/ru/passport",
    "meta": {
        "id": "passport",
        "title": "Паспорт гражданина Республики Казахстан",
        "lang": "ru",
        "category": "documents",
        "services": ["passport"],
        "agencies": ["mvd", "gov4c"],
        "keywords": ["паспорт"],
        "answer": "Паспорт гражданина РК оформляют в любом ЦОНе…",
        "facts": {"fee": "госпошлина 4 МРП", "documents": ["удостоверение личности"]},
        "review_by": "2027-04-01",
        "valid_from": None,
        "valid_until": None,
        "related": ["id-card-replacement"],
    },
    "html": "<h2>Для чего нужен паспорт</h2>…",
    "text": "Для чего нужен паспорт…",
    "revision": "0123456789abcdef0123456789abcdef01234567",
    "stale": False,
    "outdated_by": None,
    "translations": [
        {
            "lang": "kk",
            "slug": "passport",
            "title": "Қазақстан Республикасы азаматының төлқұжаты",
            "url": "/kk/passport",
            "outdated_by": None,
        }
    ],
    "bodies": [
        {
            "id": "mvd",
            "name": "Министерство внутренних дел Республики Казахстан (МВД)",
            "handles": "Миграционная служба…",
            "phone": "102",
            "site": "https://www.gov.kz/memleket/entities/qriim",
            "address": "",
            "url": "/-/bodies/mvd?lang=ru",
        }
    ],
}

FEEDBACK_EXAMPLE = {"kind": "gap", "article": "ru/passport", "query": "паспорт ребенку"}


def openapi_document() -> dict[str, Any]:
    """Build the OpenAPI 3.1 document (examples included, validated by the tests)."""
    nullable_text = {"type": ["string", "null"]}
    hit_schema = {
        "type": "object",
        "required": ["id", "lang", "title", "score", "snippet", "url"],
        "properties": {
            "id": {"type": "string", "description": "translation-group id"},
            "lang": {"type": "string", "enum": list(ARTICLE_LANGS)},
            "title": {"type": "string"},
            "score": {"type": "number"},
            "snippet": {"type": "string", "description": "escaped HTML with <mark>"},
            "url": {"type": "string"},
            "kind": {"type": "string", "enum": ["article", "body"]},
            "category": {"type": "string"},
            "agencies": {"type": "array", "items": {"type": "string"}},
            "review_by": nullable_text,
            "valid_until": nullable_text,
            "stale": {"type": "boolean", "description": "review_by has passed"},
            "outdated_by": {
                **nullable_text,
                "description": "language whose newer version made this one outdated",
            },
        },
    }
    search_schema = {
        "type": "object",
        "required": ["query", "took_ms", "results"],
        "properties": {
            "query": {"type": "string"},
            "took_ms": {"type": "number"},
            "corrected": {**nullable_text, "description": "the variant searched instead"},
            "total": {"type": "integer"},
            "timed_out": {"type": "boolean"},
            "lang_first": {**nullable_text, "description": "language whose versions come first"},
            "weak": {
                "type": "boolean",
                "description": "no result matches enough of the question's words",
            },
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
        },
    }
    article_schema = {
        "type": "object",
        "required": ["id", "lang", "slug", "title", "meta", "html", "text", "revision"],
        "properties": {
            "id": {"type": "string"},
            "lang": {"type": "string"},
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "url": {"type": "string"},
            "meta": {
                "type": "object",
                "required": ["id", "title", "lang", "category", "answer"],
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "lang": {"type": "string"},
                    "category": {"type": "string"},
                    "services": {"type": "array", "items": {"type": "string"}},
                    "agencies": {"type": "array", "items": {"type": "string"}},
                    "keywords": {"type": "array", "items": {"type": "string"}},
                    "answer": {"type": "string"},
                    "facts": {"type": "object"},
                    "review_by": nullable_text,
                    "valid_from": nullable_text,
                    "valid_until": nullable_text,
                    "related": {"type": "array", "items": {"type": "string"}},
                },
            },
            "html": {"type": "string"},
            "text": {"type": "string"},
            "revision": {"type": "string"},
            "stale": {"type": "boolean"},
            "outdated_by": nullable_text,
            "translations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["lang", "slug", "title", "url"],
                    "properties": {
                        "lang": {"type": "string"},
                        "slug": {"type": "string"},
                        "title": {"type": "string"},
                        "url": {"type": "string"},
                        "outdated_by": nullable_text,
                    },
                },
            },
            "bodies": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {
                        name: {"type": "string"}
                        for name in ("id", "name", "handles", "phone", "site", "address", "url")
                    },
                },
            },
        },
    }
    feedback_in = {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {"type": "string", "enum": list(FEEDBACK_KINDS)},
            "article": {"type": "string", "description": "<lang>/<slug>", "maxLength": 120},
            "query": {"type": "string", "maxLength": 500},
            "comment": {"type": "string", "maxLength": MAX_COMMENT_CHARS},
        },
    }
    feedback_out = {
        "type": "object",
        "required": ["id", "kind"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string"},
            "article": {"type": "string"},
            "query": {"type": "string"},
        },
    }
    text_id = {"type": "string", "maxLength": 100}
    analytics_paths, analytics_schemas = analytics_openapi()
    json_of = lambda ref, example: {  # noqa: E731 - a local shorthand for four responses
        "application/json": {"schema": {"$ref": ref}, "example": example}
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "1414 knowledge base API",
            "version": "1.0.0",
            "description": "Search and read the published articles of the 1414 contact "
            "center's knowledge base; report feedback. Send a session cookie or "
            "`Authorization: Bearer TOKEN` (from `kb token add USER`).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search articles and competent bodies as an operator does",
                    "parameters": [
                        _param(
                            "q",
                            "what was typed (typos, wrong keyboard layout and Kazakh typed "
                            "without Kazakh letters are tolerated)",
                            {"type": "string", "maxLength": MAX_QUERY_CHARS},
                            required=True,
                        ),
                        _param(
                            "lang",
                            "only this language",
                            {"type": "string", "enum": ["kk", "ru", "en"]},
                        ),
                        _param(
                            "prefer",
                            "the caller's language: its versions come first",
                            {"type": "string", "enum": ["kk", "ru"]},
                        ),
                        _param(
                            "limit",
                            "how many results",
                            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10},
                        ),
                        _param("category", "only this category id", text_id),
                        _param("agency", "only items of this competent body id", text_id),
                        _param("service", "only this egov.kz service id", text_id),
                        _param(
                            "kind",
                            "only articles or only bodies",
                            {"type": "string", "enum": ["article", "body"]},
                        ),
                        _param(
                            "final",
                            "1: the operator acted on this search (audited)",
                            {"type": "string", "enum": ["0", "1"]},
                        ),
                        _param(
                            "live",
                            "1: a per-keystroke search (not logged)",
                            {"type": "string", "enum": ["0", "1"]},
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "Results, best first",
                            "content": json_of("#/components/schemas/SearchResult", SEARCH_EXAMPLE),
                        },
                        **_errors(400, 401),
                    },
                }
            },
            "/api/articles/{lang}/{slug}": {
                "get": {
                    "operationId": "getArticle",
                    "summary": "The published article: front matter, HTML, plain text, links",
                    "parameters": [
                        {
                            "name": "lang",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": list(ARTICLE_LANGS)},
                        },
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
                        },
                        _param(
                            "q",
                            "the search it was opened from (with pos: logged for the analytics)",
                            {"type": "string", "maxLength": 500},
                        ),
                        _param(
                            "pos",
                            "its position in that search's results, 1 = first",
                            {"type": "integer", "minimum": 1, "maximum": 100},
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "The article",
                            "content": json_of("#/components/schemas/Article", ARTICLE_EXAMPLE),
                        },
                        **_errors(401, 404),
                    },
                }
            },
            "/api/feedback": {
                "post": {
                    "operationId": "postFeedback",
                    "summary": "Report whether an article answered the call, or a knowledge gap",
                    "description": "Browser sessions send the `X-CSRFToken` header; "
                    "token clients need none.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/FeedbackIn"},
                                "example": FEEDBACK_EXAMPLE,
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Stored",
                            "content": json_of(
                                "#/components/schemas/Feedback",
                                {"id": 1, **FEEDBACK_EXAMPLE},
                            ),
                        },
                        **_errors(400, 401),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_errors(401),
                    },
                }
            },
            **analytics_paths,
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "kb_session"},
            },
            "schemas": {
                "Hit": hit_schema,
                "SearchResult": search_schema,
                "Article": article_schema,
                "FeedbackIn": feedback_in,
                "Feedback": feedback_out,
                "Error": _error_schema(),
                **analytics_schemas,
            },
        },
    }
