"""Issue 18 items 4, 6 and 10: throttling by account and address, proxies, equal KDF work,
and an audit trail that a flood of failed sign-ins cannot grow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from kb.models import AuditEvent
from kb.models import LoginAttempt
from kb.models import db
from tests.conftest import PASSWORD
from tests.conftest import AuthActions
from tests.conftest import add_user
from tests.conftest import make_app


def _login_from(client: FlaskClient, address: str, name: str, password: str, **env: Any) -> int:
    """Sign in as ``name`` from ``address``; returns the status code."""
    auth = AuthActions(client)
    client.environ_base["REMOTE_ADDR"] = address
    token = auth.csrf_token()
    response = client.post(
        "/-/login",
        data={"name": name, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address, **env},
    )
    return response.status_code


def test_one_address_does_not_lock_out_everyone(app: Flask) -> None:
    attacker = app.test_client()
    for _ in range(5):
        assert _login_from(attacker, "10.0.0.5", "nobody", "wrong wrong wrong") == 401
    assert _login_from(attacker, "10.0.0.5", "nobody", "wrong wrong wrong") == 429
    for name in ("editor", "reviewer", "trainer"):  # same NAT address, right passwords
        assert _login_from(app.test_client(), "10.0.0.5", name, PASSWORD) == 302


def test_one_account_is_throttled_across_addresses(app: Flask) -> None:
    limit = app.config["LOGIN_ACCOUNT_MAX_FAILURES"]
    for number in range(limit):
        status = _login_from(app.test_client(), f"10.1.0.{number}", "editor", "not it at all")
        assert status == 401
    assert _login_from(app.test_client(), "10.2.0.1", "editor", PASSWORD) == 429
    assert _login_from(app.test_client(), "10.2.0.1", "reviewer", PASSWORD) == 302


def test_one_address_has_a_higher_ceiling(app: Flask) -> None:
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 12
    for number in range(12):
        assert _login_from(app.test_client(), "10.3.0.1", f"ghost{number}", "x" * 12) == 401
    assert _login_from(app.test_client(), "10.3.0.1", "editor", PASSWORD) == 429
    assert _login_from(app.test_client(), "10.3.0.2", "editor", PASSWORD) == 302


def _attempt_addresses(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(LoginAttempt.address)))


def test_forwarded_for_is_believed_only_from_trusted_proxies(tmp_path: Path) -> None:
    app = make_app(tmp_path / "proxied", TRUSTED_PROXIES="127.0.0.1, 10.9.0.0/16")
    add_user(app, "operator", ["operator"])
    header = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    _login_from(app.test_client(), "127.0.0.1", "operator", "bad password!", **header)
    _login_from(app.test_client(), "10.9.3.4", "operator", "bad password!", **header)
    _login_from(app.test_client(), "198.51.100.1", "operator", "bad password!", **header)
    assert _attempt_addresses(app) == {"203.0.113.7", "198.51.100.1"}


def test_forwarded_for_is_ignored_without_proxies(app: Flask) -> None:
    header = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    _login_from(app.test_client(), "127.0.0.1", "operator", "bad password!", **header)
    assert _attempt_addresses(app) == {"127.0.0.1"}


def test_bad_trusted_proxies_stop_the_start(tmp_path: Path) -> None:
    from kb.config import ConfigError

    with pytest.raises(ConfigError, match="TRUSTED_PROXIES holds 'proxy.local'"):
        make_app(tmp_path / "bad", TRUSTED_PROXIES="127.0.0.1, proxy.local")


def test_missing_user_costs_the_same_key_derivation(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The password check runs once, with the same KDF parameters, whether or not the user
    exists (counted by wrapping the real function, which still does the work)."""
    import kb.auth
    import kb.models

    methods: list[str] = []

    def counting(real: Any) -> Any:
        def check(pwhash: str, password: str) -> bool:
            methods.append(pwhash.split("$", 1)[0])
            return bool(real(pwhash, password))

        return check

    monkeypatch.setattr(kb.auth, "check_password_hash", counting(kb.auth.check_password_hash))
    monkeypatch.setattr(kb.models, "check_password_hash", counting(kb.models.check_password_hash))
    assert _login_from(app.test_client(), "10.4.0.1", "operator", "wrong password!!") == 401
    existing = list(methods)
    methods.clear()
    assert _login_from(app.test_client(), "10.4.0.1", "no-such-user", "wrong password!!") == 401
    assert len(existing) == 1 and methods == existing


def test_deactivated_user_costs_the_same_and_is_refused(app: Flask) -> None:
    from kb.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.name == "trainer"))
        user.active = False
        db.session.commit()
    assert _login_from(app.test_client(), "10.5.0.1", "trainer", PASSWORD) == 401


def _audit_rows(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        db.session.expunge_all()
        return rows


def test_a_flood_of_failures_adds_one_audit_row(app: Flask) -> None:
    client = app.test_client()
    for _ in range(40):
        _login_from(client, "10.6.0.1", "admin", "guess guess guess")
    failed = _audit_rows(app, "login_failed")
    throttled = _audit_rows(app, "login_throttled")
    assert [(r.actor, r.target) for r in failed] == [("admin", "10.6.0.1")]
    assert failed[0].detail.startswith("5 attempts, last ")
    assert len(throttled) == 1 and throttled[0].detail.startswith("35 attempts, last ")
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 2
    # another name or another address is another row: the trail still says who and where
    _login_from(client, "10.6.0.2", "admin", "guess guess guess")
    _login_from(client, "10.6.0.1", "editor", "guess guess guess")
    assert len(_audit_rows(app, "login_failed")) == 3
