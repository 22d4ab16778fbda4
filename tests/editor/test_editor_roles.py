"""Who may use which editor page: operators and trainers none, editors no publishing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.kb.test_access import ACCESS


def _editor_routes(app: Flask) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("editor.") or rule.endpoint == "editor.static":
            continue
        values = {name: "ru" if name == "lang" else "x" for name in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            routes.append((rule.endpoint, method, url))
    return routes


def test_every_editor_endpoint_is_in_the_access_table(users_app: Flask) -> None:
    endpoints = {endpoint for endpoint, _m, _u in _editor_routes(users_app)}
    assert len(endpoints) >= 20
    assert endpoints <= set(ACCESS)
    assert "trainer" not in str([ACCESS[e] for e in endpoints])


@pytest.mark.parametrize("role", ["operator", "trainer", "editor", "reviewer", "admin"])
def test_roles_on_every_editor_page(users_app: Flask, login: Any, role: str) -> None:
    session = login(role)
    failures = []
    for endpoint, method, url in _editor_routes(users_app):
        allowed = ACCESS[endpoint]
        response = session.get(url) if method == "GET" else session.post(url)
        may = role == "admin" or role in allowed
        if response.status_code >= 500 or (response.status_code == 403) == may:
            failures.append(f"{role} {method} {url} -> {response.status_code}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_sign_in(users_app: Flask) -> None:
    client = users_app.test_client()
    for endpoint, method, url in _editor_routes(users_app):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302, endpoint
            assert response.headers["Location"].startswith("/-/login"), endpoint


def test_trainer_has_no_articles_link(login: Any) -> None:
    page = login("trainer").get("/").get_data(as_text=True)
    assert "/-/edit/" not in page
    editor_page = login("editor").get("/").get_data(as_text=True)
    assert "/-/edit/" in editor_page and "/-/edit/review" not in editor_page
    assert "/-/edit/review" in login("reviewer").get("/").get_data(as_text=True)
