"""The JSON API: contract, tokens, errors, feedback, and the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.browser.instance import close_app
from tests.browser.instance import demo_app
from tests.conftest import AuthActions

CONTRACT = {"id", "lang", "title", "score", "snippet", "url"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One application on a copy of the demo instance for this module."""
    app = demo_app(tmp_path_factory, "api")
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def token(demo: Flask) -> str:
    """An API token of the operator."""
    from sqlalchemy import select

    from kb.models import ApiToken
    from kb.models import User
    from kb.models import db

    with demo.app_context():
        user = db.session.scalar(select(User).where(User.name == "operator"))
        row, clear = ApiToken.issue(user, "softphone")
        db.session.add(row)
        db.session.commit()
    return clear


@pytest.fixture
def api(demo: Flask, token: str) -> Iterator[FlaskClient]:
    """A client sending the operator's token on every request."""
    client = demo.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    yield client


def test_search_contract_in_russian(api: FlaskClient) -> None:
    response = api.get("/api/search", query_string={"q": "паспорт", "limit": 3})
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    assert {"query", "took_ms", "results", "total", "corrected"} <= set(data)
    assert data["query"] == "паспорт" and len(data["results"]) == 3
    first = data["results"][0]
    assert CONTRACT <= set(first)
    assert (first["id"], first["lang"], first["url"]) == ("passport", "ru", "/ru/passport")
    assert "<mark>" in first["snippet"] and first["kind"] == "article"
    assert first["agencies"] == ["mvd", "gov4c"] and first["stale"] is False


def test_search_in_kazakh_with_filters(api: FlaskClient) -> None:
    data = api.get("/api/search?q=төлқұжат&lang=kk&kind=article").get_json()
    assert data["results"][0]["url"] == "/kk/passport"
    assert all(r["lang"] == "kk" and r["kind"] == "article" for r in data["results"])
    bodies = api.get("/api/search?q=паспорт&kind=body").get_json()["results"]
    assert bodies and all(r["kind"] == "body" and r["url"].startswith("/-/bodies/") for r in bodies)


def test_article_contract(api: FlaskClient) -> None:
    data = api.get("/api/articles/kk/passport").get_json()
    assert (data["id"], data["lang"], data["slug"]) == ("passport", "kk", "passport")
    assert data["meta"]["review_by"] == "2027-04-01"  # dates as ISO text
    assert data["meta"]["answer"].startswith("ҚР азаматының төлқұжатын")
    assert "<h2" in data["html"] and "ХҚКО" in data["text"]
    assert re.fullmatch(r"[0-9a-f]{40}", data["revision"])
    assert [t["url"] for t in data["translations"]] == ["/ru/passport"]
    assert [b["id"] for b in data["bodies"]] == ["mvd", "gov4c"]


@pytest.mark.parametrize(
    ("url", "status", "param"),
    [
        ("/api/search?q=x&limit=abc", 400, "limit"),
        ("/api/search?q=x&limit=0", 400, "limit"),
        ("/api/search?q=x&limit=101", 400, "limit"),
        ("/api/search?q=x&limit=1e3", 400, "limit"),
        ("/api/search?q=x&lang=de", 400, "lang"),
        ("/api/search?q=x&kind=people", 400, "kind"),
        ("/api/search?q=" + quote("я" * 1001), 400, "q"),
        ("/api/search?q=%00%01%02", 400, "q"),
        ("/api/search?q=x&category=" + "c" * 200, 400, "category"),
        ("/api/articles/ru/no-such-article", 404, None),
        ("/api/articles/de/passport", 404, None),
        ("/api/articles/ru/Bad%20Slug", 404, None),
        ("/api/nothing-here", 404, None),
    ],
)
def test_errors_are_json_with_the_right_status(
    api: FlaskClient, url: str, status: int, param: str | None
) -> None:
    path, _sep, query = url.partition("?")
    # The query string goes as it is, so percent-escapes reach the server unchanged.
    response = api.get(path, environ_overrides={"QUERY_STRING": query})
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["status"] == status and error["message"]
    if param:
        assert error["param"] == param and param in error["message"]


def test_undecodable_bytes_are_searched_as_text_not_a_500(api: FlaskClient) -> None:
    # Werkzeug keeps undecodable %-escapes as text: the search finds nothing, no error.
    response = api.get("/api/search", environ_overrides={"QUERY_STRING": "q=%FF%FE%80"})
    assert response.status_code == 200 and response.get_json()["results"] == []


def test_empty_and_punctuation_queries_find_nothing(api: FlaskClient) -> None:
    for q in ("", "   ", "?!…", "\u200b"):
        response = api.get("/api/search", query_string={"q": q})
        assert response.status_code == 200 and response.get_json()["results"] == []


def test_wrong_method_is_json_405(api: FlaskClient) -> None:
    response = api.post("/api/search")
    assert response.status_code == 405 and response.get_json()["error"]["status"] == 405


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer "])
def test_missing_or_bad_token_is_401_json(demo: Flask, header: str | None) -> None:
    client = demo.test_client()
    if header:
        client.environ_base["HTTP_AUTHORIZATION"] = header
    for url in ("/api/search?q=паспорт", "/api/articles/ru/passport", "/api/openapi.json"):
        response = client.get(url)
        assert response.status_code == 401 and response.is_json
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_session_works_and_feedback_needs_the_csrf_header(demo: Flask) -> None:
    client = demo.test_client()
    auth = AuthActions(client)
    auth.login("operator")
    assert client.get("/api/search?q=ЭЦП").status_code == 200
    body = {"kind": "answered", "article": "ru/passport", "query": "паспорт"}
    assert client.post("/api/feedback", json=body).status_code == 400  # no CSRF header
    token = auth.csrf_token("/")
    response = client.post("/api/feedback", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 201 and response.get_json()["kind"] == "answered"


def test_feedback_with_a_token_is_stored(demo: Flask, api: FlaskClient) -> None:
    from sqlalchemy import select

    from kb.models import Feedback
    from kb.models import db

    body = {"kind": "gap", "article": "kk/passport", "query": "шетелдік", "comment": "Мерзім жоқ"}
    response = api.post("/api/feedback", json=body)
    assert response.status_code == 201
    with demo.app_context():
        row = db.session.get(Feedback, response.get_json()["id"])
        assert (row.actor, row.kind, row.article, row.comment) == (
            "operator",
            "gap",
            "kk/passport",
            "Мерзім жоқ",
        )
        assert db.session.scalar(select(Feedback).where(Feedback.query == "шетелдік"))


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"kind": "great"}, "kind"),
        ({"kind": "gap", "article": "../etc/passwd"}, "article"),
        ({"kind": "gap"}, "article"),
        ({"kind": "gap", "query": 5}, "query"),
        ({"kind": "gap", "comment": "x" * 2001}, "comment"),
        (["not", "an", "object"], "body"),
    ],
)
def test_bad_feedback_is_400_naming_the_field(api: FlaskClient, body: Any, param: str) -> None:
    response = api.post("/api/feedback", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == param


# -- the OpenAPI document ---------------------------------------------------------------


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = target
    return schema


_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def _validate(doc: dict[str, Any], schema: dict[str, Any], value: Any, where: str) -> None:
    """A structural check: types, required keys, enums, nested properties and items."""
    schema = _resolve(doc, schema)
    types = schema.get("type")
    if types:
        allowed = tuple(
            t
            for name in ([types] if isinstance(types, str) else types)
            for t in (_TYPES[name] if isinstance(_TYPES[name], tuple) else (_TYPES[name],))
        )
        assert isinstance(value, allowed), f"{where}: {value!r} is not {types}"
        if bool in (type(value),) and bool not in allowed:
            raise AssertionError(f"{where}: boolean where {types} expected")
    if "enum" in schema and value is not None:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{where}: missing {key}"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                _validate(doc, sub, value[key], f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            _validate(doc, schema["items"], item, f"{where}[{i}]")


@pytest.fixture(scope="module")
def openapi(demo: Flask, token: str) -> dict[str, Any]:
    client = demo.test_client()
    response = client.get("/api/openapi.json", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return response.get_json()  # type: ignore[no-any-return]


def test_openapi_describes_every_api_route(demo: Flask, openapi: dict[str, Any]) -> None:
    assert openapi["openapi"].startswith("3.1")
    routes = {}
    for rule in demo.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes[path] = {m.lower() for m in rule.methods or ()} - {"head", "options"}
            described = openapi["paths"].get(path)
            assert described is not None, f"{rule.rule} is not in openapi.json"
            assert set(described) == routes[path], f"{path}: methods differ"
            for method in routes[path]:
                declared = {p["name"] for p in described[method].get("parameters", [])}
                path_args = {p for p in rule.arguments}
                assert path_args <= declared, f"{path}: path parameters undeclared"
    assert set(openapi["paths"]) == set(routes), "openapi.json lists routes that do not exist"
    search_params = {p["name"] for p in openapi["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "lang", "limit", "category", "agency", "service", "kind"} <= search_params


def test_openapi_examples_and_live_answers_match_the_schemas(
    openapi: dict[str, Any], api: FlaskClient
) -> None:
    for path, methods in openapi["paths"].items():
        for operation in methods.values():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                _validate(openapi, body["schema"], body["example"], f"{path} request")
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json", {})
                if "example" in content:
                    _validate(openapi, content["schema"], content["example"], f"{path} {status}")
    schemas = openapi["components"]["schemas"]
    _validate(openapi, schemas["SearchResult"], api.get("/api/search?q=ЭЦП").get_json(), "live")
    article = api.get("/api/articles/ru/passport").get_json()
    _validate(openapi, schemas["Article"], article, "live article")
    error = api.get("/api/search?limit=x&q=a").get_json()
    _validate(openapi, schemas["Error"], error, "live error")


def _sql_statements(app: Flask) -> list[str]:
    """A list that receives every SQL statement ``app`` sends from now on."""
    from sqlalchemy import event

    from kb.models import db

    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    return seen


def test_a_token_is_checked_once_then_remembered_and_revocation_is_seen(
    demo: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import update

    from kb import auth
    from kb.models import ApiToken
    from kb.models import db
    from kb.models import utcnow

    clear = _new_token(demo, "integration")
    client = demo.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {clear}"
    seen = _sql_statements(demo)
    assert client.get("/api/openapi.json").status_code == 200
    assert any("api_tokens" in s for s in seen)
    seen.clear()
    for q in ("паспорт", "төлқұжат"):
        response = client.get("/api/search", query_string={"q": q, "live": "1"})
        assert response.status_code == 200 and response.get_json()["results"]
    assert seen == []  # no SQL at all for a remembered token and an unlogged search
    # Revoked behind this process's back (as another worker or `kb token revoke` would):
    # trusted until the cache interval ends, refused after it.
    with demo.app_context():
        db.session.execute(
            update(ApiToken).where(ApiToken.label == "integration").values(revoked=utcnow())
        )
        db.session.commit()
    assert client.get("/api/openapi.json").status_code == 200
    monkeypatch.setattr(auth, "TOKEN_CACHE_SECONDS", 0.0)
    assert client.get("/api/openapi.json").status_code == 401


def test_revoking_in_this_process_applies_at_once(demo: Flask) -> None:
    from sqlalchemy import select

    from kb.models import ApiToken
    from kb.models import db
    from kb.models import utcnow

    clear = _new_token(demo, "crm-revoked")
    client = demo.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {clear}"
    assert client.get("/api/search?q=ЭЦП").status_code == 200
    with demo.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.label == "crm-revoked"))
        row.revoked = utcnow()
        db.session.commit()
    assert client.get("/api/search?q=ЭЦП").status_code == 401


def _new_token(app: Flask, label: str) -> str:
    from sqlalchemy import select

    from kb.models import ApiToken
    from kb.models import User
    from kb.models import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.name == "operator"))
        row, clear = ApiToken.issue(user, label)
        db.session.add(row)
        db.session.commit()
    return clear


def test_search_marks_an_outdated_translation_right_after_a_publication(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from pathlib import Path

    import kb as kb_package
    from articles.model import Actor

    app = demo_app(tmp_path_factory, "api-outdated")
    try:
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {_new_token(app, 'outdated')}"

        def outdated_by(q: str, lang: str) -> list[Any]:
            data = client.get("/api/search", query_string={"q": q, "lang": lang}).get_json()
            return [r["outdated_by"] for r in data["results"] if r["url"] == f"/{lang}/passport"]

        assert outdated_by("төлқұжат", "kk") == [None]
        assert outdated_by("паспорт", "ru") == [None]
        knowledge = app.extensions["kb"]
        store = knowledge.store
        demo_text = Path(kb_package.__file__).parent / "demo" / "content" / "ru" / "passport.md"
        editor = Actor("Editor", "editor@kb.local")
        reviewer = Actor("Reviewer", "reviewer@kb.local")
        store.save(
            "ru",
            "passport",
            demo_text.read_text(encoding="utf-8") + "\nНовое правило с 2027 года.\n",
            actor=editor,
            expected_revision=store.get("ru", "passport").revision,
        )
        store.submit("ru", "passport", actor=editor)
        store.approve("ru", "passport", actor=reviewer)
        knowledge.publish("ru", "passport", actor=reviewer)
        # The Kazakh version is marked by the very next search, in both languages' terms.
        assert outdated_by("төлқұжат", "kk") == ["ru"]
        assert outdated_by("паспорт", "ru") == [None]
    finally:
        close_app(app)
