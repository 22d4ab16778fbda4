"""Issue 18 item 5: a saved session cookie dies with sign-out, password, roles, deactivation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.models import User
from kb.models import db
from tests.conftest import AuthActions


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("kb_session")
    assert cookie is not None
    return cookie.value


def _replay(app: Flask, cookie: str) -> int:
    """Status of the signed-in home page for a fresh browser holding ``cookie``."""
    other = app.test_client()
    other.set_cookie("kb_session", cookie)
    return other.get("/").status_code


def test_cookie_saved_before_logout_is_dead(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("operator")
    saved = _session_cookie(client)
    assert _replay(app, saved) == 200
    auth.logout()
    assert _replay(app, saved) == 302  # back to the sign-in page


def _admin_edit(app: Flask, name: str, **fields: object) -> None:
    """Change user ``name`` through the admin page, signed in as admin in its own client."""
    admin = app.test_client()
    admin_auth = AuthActions(admin)
    admin_auth.login("admin")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.name == name))
        assert user is not None
        user_id, roles, active = user.id, sorted(user.role_names), user.active
    data: dict[str, object] = {"roles": roles, "full_name": name.title()}
    if active:
        data["active"] = "y"
    data.update(fields)
    data["csrf_token"] = admin_auth.csrf_token(f"/-/admin/users/{user_id}")
    response = admin.post(f"/-/admin/users/{user_id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize(
    "change",
    [
        lambda app: _admin_edit(app, "editor", password="свежий пароль для смены"),
        lambda app: _admin_edit(app, "editor", roles=["operator"]),
        lambda app: _admin_edit(app, "editor", active=""),
    ],
    ids=["password", "roles", "deactivation"],
)
def test_admin_changes_end_the_sessions(
    app: Flask, client: FlaskClient, auth: AuthActions, change: Callable[[Flask], None]
) -> None:
    auth.login("editor")
    saved = _session_cookie(client)
    assert _replay(app, saved) == 200
    change(app)
    assert _replay(app, saved) == 302
    assert client.get("/").status_code == 302


def test_unrelated_changes_keep_the_session(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("editor")
    _admin_edit(app, "editor", full_name="Редактор Ерлан")
    assert client.get("/").status_code == 200


def test_admin_changing_own_password_stays_signed_in(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("admin")
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.name == "admin"))
    response = client.post(
        f"/-/admin/users/{admin_id}",
        data={
            "csrf_token": auth.csrf_token(f"/-/admin/users/{admin_id}"),
            "roles": ["admin"],
            "active": "y",
            "full_name": "Admin",
            "password": "новый пароль администратора",
        },
    )
    assert response.status_code == 302
    assert client.get("/-/admin/users").status_code == 200
