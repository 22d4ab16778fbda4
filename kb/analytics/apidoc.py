"""The OpenAPI description of ``GET /api/analytics/searches``, merged into the API document."""

from __future__ import annotations

from typing import Any

#: An answer of the endpoint, as documented.
SEARCHES_EXAMPLE = {
    "from": "2026-12-01",
    "to": "2026-12-02",
    "searches": 3,
    "zero_results": 1,
    "top_queries": [{"query": "паспорт", "count": 2, "hits": 4}],
    "top_zero_queries": [{"query": "төлқұжат жоғалды", "count": 1}],
    "per_day": [
        {"date": "2026-12-01", "searches": 1, "zero_results": 0},
        {"date": "2026-12-02", "searches": 2, "zero_results": 1},
    ],
}


def openapi_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    """The path item of the analytics endpoint and its schema: ``(paths, schemas)``."""
    count = {"type": "integer", "minimum": 0}
    date = {"type": "string", "format": "date"}
    schema = {
        "type": "object",
        "required": [
            "from",
            "to",
            "searches",
            "zero_results",
            "top_queries",
            "top_zero_queries",
            "per_day",
        ],
        "properties": {
            "from": date,
            "to": date,
            "searches": {**count, "description": "settled searches (a typing burst is one)"},
            "zero_results": count,
            "top_queries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["query", "count", "hits"],
                    "properties": {
                        "query": {"type": "string", "description": "normalised query"},
                        "count": count,
                        "hits": {**count, "description": "mean number of results"},
                    },
                },
            },
            "top_zero_queries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["query", "count"],
                    "properties": {"query": {"type": "string"}, "count": count},
                },
            },
            "per_day": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["date", "searches", "zero_results"],
                    "properties": {"date": date, "searches": count, "zero_results": count},
                },
            },
        },
    }

    def param(name: str, description: str, spec: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "in": "query", "description": description, "schema": spec}

    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "/api/analytics/searches": {
            "get": {
                "operationId": "analyticsSearches",
                "summary": "Settled searches of a period of local (TIMEZONE) days: totals, "
                "top queries, top queries with no result, per day",
                "description": "Editors, reviewers and administrators (session or token).",
                "parameters": [
                    param("from", "first local day (default: 29 days before `to`)", date),
                    param("to", "last local day, included (default: today)", date),
                    param(
                        "lang",
                        "only searches in this language",
                        {"type": "string", "enum": ["kk", "ru", "en"]},
                    ),
                    param(
                        "channel",
                        "only the operator screen or only the API",
                        {"type": "string", "enum": ["screen", "api"]},
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "The figures",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/AnalyticsSearches"},
                                "example": SEARCHES_EXAMPLE,
                            }
                        },
                    },
                    "400": {"description": "Bad parameter", "content": error},
                    "401": {"description": "No session or token", "content": error},
                    "403": {
                        "description": "Not an editor, reviewer or administrator",
                        "content": error,
                    },
                },
            }
        }
    }, {"AnalyticsSearches": schema}
