"""Issue 18 item 7: one vetted check for every redirect target (no open redirect, no 500)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from kb.models import Feedback
from kb.models import db
from kb.redirects import local_target
from tests.conftest import PASSWORD
from tests.conftest import AuthActions

#: Targets a browser would follow to another site, or that break the Location header.
HOSTILE_TARGETS = (
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    " //evil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "",
    "x" * 5000,
)


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_hostile_targets_fall_back(target: str) -> None:
    assert local_target(target, "/home") == "/home"


def test_local_paths_are_kept() -> None:
    for target in ("/", "/-/edit/?q=%D0%BF", "/-/a/ru/passport#part", "/?q=a b"):
        assert local_target(target, "/home") == target
    assert local_target(None, "/home") == "/home"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/%0D%0ASet-Cookie:x=1", "/\r\n/x"])
def test_login_next_never_leaves_the_site(
    client: FlaskClient, auth: AuthActions, target: str
) -> None:
    token = auth.csrf_token()
    response = client.post(
        "/-/login",
        query_string={"next": target},
        data={"name": "operator", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert not location.startswith("//") and "evil" not in location
    assert "\n" not in location and "\r" not in location


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\r\n/evil.example", "//evil.example"])
def test_language_and_feedback_share_the_check(
    app: Flask, client: FlaskClient, auth: AuthActions, target: str
) -> None:
    auth.login("operator")
    token = auth.csrf_token("/")
    response = client.post(
        "/-/language", data={"locale": "kk", "next": target, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    response = client.post(
        "/-/feedback",
        data={"kind": "gap", "query": "паспорт", "next": target, "csrf_token": token},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    with app.app_context():
        assert db.session.scalar(select(func.count(Feedback.id))) == 1
