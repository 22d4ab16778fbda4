"""Issue 18 item 14: `kb serve` warns about a clear-text session cookie; signed-in pages are
never cached."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from kb.server import startup_line
from tests.conftest import AuthActions


@pytest.mark.parametrize("host", ["0.0.0.0", "10.20.30.40", "kb.example.kz", "::"])
def test_startup_line_warns_when_the_cookie_is_not_secure(host: str) -> None:
    line = startup_line(host, 5000, 2, 3, cookie_secure=False)
    assert line.startswith(f"Serving http://{host}:5000 with 2 workers x 3 threads.")
    assert "KB_COOKIE_SECURE=true" in line
    assert "KB_COOKIE_SECURE" not in startup_line(host, 5000, 2, 3, cookie_secure=True)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_no_warning_on_loopback(host: str) -> None:
    assert "WARNING" not in startup_line(host, 5000, 2, 3, cookie_secure=False)


def test_signed_in_pages_are_not_stored(client: FlaskClient, auth: AuthActions) -> None:
    assert client.get("/-/login").headers.get("Cache-Control") != "no-store"
    auth.login("admin")
    for path in ("/", "/-/admin/users", "/-/admin/audit", "/-/edit/", "/api/search?q=a"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
