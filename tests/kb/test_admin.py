"""Administration pages: users and roles, tokens, audit export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.models import User
from kb.models import db
from tests.conftest import AuthActions


def _user(app: Flask, name: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.name == name))
        if user is not None:
            user.role_names  # noqa: B018 - load roles while the session is open
        return user


@pytest.mark.postgres
def test_admin_creates_a_user_with_several_roles(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("admin")
    token = auth.csrf_token("/-/admin/users")
    response = client.post(
        "/-/admin/users/new",
        data={
            "csrf_token": token,
            "name": "gulnara",
            "full_name": "Гульнара Ахметова",
            "email": "g@example.kz",
            "password": "a long password",
            "roles": ["editor", "trainer"],
        },
    )
    assert response.status_code == 302
    user = _user(app, "gulnara")
    assert user is not None and user.role_names == {"editor", "trainer"}
    page = client.get("/-/admin/users").get_data(as_text=True)
    assert "Гульнара Ахметова" in page


def test_bad_user_form_is_refused_with_a_message(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("admin")
    token = auth.csrf_token("/-/admin/users")
    response = client.post(
        "/-/admin/users/new",
        data={"csrf_token": token, "name": "x y", "password": "short"},
        follow_redirects=True,
    )
    assert "не короче 10 символов" in response.get_data(as_text=True)
    assert _user(app, "x y") is None


@pytest.mark.postgres
def test_admin_edits_roles_and_cannot_demote_self(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("admin")
    operator = _user(app, "operator")
    token = auth.csrf_token(f"/-/admin/users/{operator.id}")
    client.post(
        f"/-/admin/users/{operator.id}",
        data={
            "csrf_token": token,
            "name": "operator",
            "roles": ["operator", "reviewer"],
            "active": "y",
        },
    )
    assert _user(app, "operator").role_names == {"operator", "reviewer"}
    admin = _user(app, "admin")
    token = auth.csrf_token(f"/-/admin/users/{admin.id}")
    response = client.post(
        f"/-/admin/users/{admin.id}",
        data={"csrf_token": token, "name": "admin", "roles": ["operator"], "active": "y"},
        follow_redirects=True,
    )
    assert "Нельзя снять с себя роль администратора" in response.get_data(as_text=True)
    assert "admin" in _user(app, "admin").role_names


@pytest.mark.postgres
def test_admin_issues_a_token_shown_once(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("admin")
    operator = _user(app, "operator")
    token = auth.csrf_token(f"/-/admin/users/{operator.id}")
    page = client.post(
        f"/-/admin/users/{operator.id}/tokens", data={"csrf_token": token, "label": "CRM"}
    ).get_data(as_text=True)
    clear = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
    assert clear.startswith("kb_")
    again = client.get(f"/-/admin/users/{operator.id}").get_data(as_text=True)
    assert clear not in again
    other = app.test_client()
    assert other.get("/", headers={"Authorization": f"Bearer {clear}"}).status_code == 200


@pytest.mark.postgres
def test_audit_export_as_csv(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.login("operator", "wrong password")
    auth.login("admin")
    response = client.get("/-/admin/audit.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    actions = [(r["actor"], r["action"]) for r in rows]
    assert ("operator", "login_failed") in actions and ("admin", "login") in actions
    assert "Журнал действий" in client.get("/-/admin/audit").get_data(as_text=True)
