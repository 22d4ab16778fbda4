"""Sign-in, sign-out, throttling, CSRF, API tokens, interface language."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.models import ApiToken
from kb.models import AuditEvent
from kb.models import User
from kb.models import db
from tests.conftest import PASSWORD
from tests.conftest import AuthActions


def test_pages_need_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/-/login?next=/")


def test_health_needs_no_sign_in(client: FlaskClient) -> None:
    response = client.get("/-/healthz")
    assert response.json["checks"]["database"] == "ok"


@pytest.mark.postgres
def test_login_and_logout(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    response = auth.login("operator")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert actions == ["login", "logout"]


def test_wrong_password_is_refused(client: FlaskClient, auth: AuthActions) -> None:
    response = auth.login("operator", "wrong password")
    assert response.status_code == 401
    assert "Неверное имя пользователя или пароль" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_redirects_only_to_local_paths(client: FlaskClient, auth: AuthActions) -> None:
    token = auth.csrf_token()
    response = client.post(
        "/-/login?next=//evil.example/x",
        data={"name": "operator", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


@pytest.mark.postgres
def test_throttling_after_repeated_failures(client: FlaskClient, auth: AuthActions) -> None:
    for _ in range(5):
        assert auth.login("editor", "nope nope nope").status_code == 401
    response = auth.login("editor", PASSWORD)  # right password, but locked out
    assert response.status_code == 429
    assert "Слишком много неудачных попыток входа" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


@pytest.mark.postgres
def test_deactivated_user_cannot_sign_in(app: Flask, auth: AuthActions) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.name == "trainer"))
        user.active = False
        db.session.commit()
    assert auth.login("trainer").status_code == 401


def test_post_without_csrf_token_is_rejected(client: FlaskClient, auth: AuthActions) -> None:
    response = client.post("/-/login", data={"name": "admin", "password": PASSWORD})
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)
    auth.login("admin")
    response = client.post("/-/logout")
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def _issue_token(app: Flask, name: str) -> tuple[int, str]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.name == name))
        row, clear = ApiToken.issue(user, "crm")
        db.session.add(row)
        db.session.commit()
        return row.id, clear


@pytest.mark.postgres
def test_token_auth_and_revocation(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    token_id, clear = _issue_token(app, "operator")
    with app.app_context():
        stored = db.session.get(ApiToken, token_id)
        assert stored.token_hash != clear and clear not in stored.token_hash
    headers = {"Authorization": f"Bearer {clear}"}
    assert client.get("/", headers=headers).status_code == 200
    assert client.get("/", headers={"Authorization": "Bearer kb_wrong"}).status_code == 302
    auth.login("admin")
    token = auth.csrf_token("/-/admin/users")
    client.post(f"/-/admin/tokens/{token_id}/revoke", data={"csrf_token": token})
    auth.logout()
    assert client.get("/", headers=headers).status_code == 302


def test_token_requests_need_no_csrf_but_stay_in_role(app: Flask, client: FlaskClient) -> None:
    _, clear = _issue_token(app, "operator")
    headers = {"Authorization": f"Bearer {clear}"}
    response = client.post("/-/admin/users/new", headers=headers, data={"name": "x"})
    assert response.status_code == 403


@pytest.mark.postgres
def test_language_switch_is_remembered_per_user(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("operator")
    token = auth.csrf_token("/")
    client.post("/-/language", data={"locale": "kk", "csrf_token": token, "next": "/"})
    with app.app_context():
        assert db.session.scalar(select(User).where(User.name == "operator")).locale == "kk"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="kk">' in page
    assert "Іздеу" in page  # "Search" in Kazakh
    auth.logout()
    other = app.test_client()
    AuthActions(other).login("operator")
    assert '<html lang="kk">' in other.get("/").get_data(as_text=True)


def test_interface_speaks_russian_and_english(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("operator")
    for locale, word in (("ru", "Поиск"), ("en", "Search")):
        token = auth.csrf_token("/")
        client.post("/-/language", data={"locale": locale, "csrf_token": token})
        assert word in client.get("/").get_data(as_text=True)


def test_security_headers_on_every_page(client: FlaskClient, auth: AuthActions) -> None:
    for response in (client.get("/-/login"), client.get("/-/healthz")):
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    auth.login("operator")
    assert client.get("/").headers["X-Frame-Options"] == "DENY"


def test_no_inline_scripts_in_templates() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    templates = [*root.glob("kb/**/templates/**/*.html"), *root.glob("editor/templates/**/*.html")]
    for template in templates:
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son\w+=", text):
            offenders.append(str(template.relative_to(root)))
    assert not offenders, "inline scripts are blocked by the CSP: move them to static files"
