"""The language switch on the sign-in page, and where signing in lands (issue 15, item 1)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.models import User
from kb.models import db
from tests.conftest import PASSWORD
from tests.conftest import AuthActions


@pytest.mark.parametrize(("locale", "word"), [("kk", "Кіру"), ("ru", "Вход")])
def test_switch_on_the_sign_in_page_changes_it_and_sticks_after_sign_in(
    app: Flask, client: FlaskClient, auth: AuthActions, locale: str, word: str
) -> None:
    token = auth.csrf_token()
    switched = client.post(
        "/-/language", data={"locale": locale, "csrf_token": token, "next": "/-/login"}
    )
    # Not bounced to the sign-in page with next=/-/language: the switch itself is public.
    assert switched.status_code == 302
    assert switched.headers["Location"] == "/-/login"
    page = client.get("/-/login").get_data(as_text=True)
    assert f'<html lang="{locale}">' in page
    assert word in page
    response = client.post(
        "/-/login",
        data={"name": "operator", "password": PASSWORD, "csrf_token": auth.csrf_token()},
    )
    assert response.headers["Location"] == "/"
    assert f'<html lang="{locale}">' in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.name == "operator")).locale == locale


@pytest.mark.parametrize("target", ["/-/language", "/-/logout", "/-/login", "/no/such/page"])
def test_sign_in_never_lands_on_a_form_address(
    client: FlaskClient, auth: AuthActions, target: str
) -> None:
    response = client.post(
        f"/-/login?next={target}",
        data={"name": "operator", "password": PASSWORD, "csrf_token": auth.csrf_token()},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get(response.headers["Location"]).status_code == 200


def test_sign_in_keeps_a_real_page_as_next(client: FlaskClient, auth: AuthActions) -> None:
    response = client.post(
        "/-/login?next=/-/edit/?q=x",
        data={"name": "operator", "password": PASSWORD, "csrf_token": auth.csrf_token()},
    )
    assert response.headers["Location"] == "/-/edit/?q=x"
