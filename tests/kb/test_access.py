"""Every role's access to every page: one table, and every route must be in it.

When a page is added, add its endpoint to ACCESS with the roles that may use it; the
test ``test_every_route_is_in_the_table`` fails until then.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ROLE_USERS
from tests.conftest import AuthActions

PUBLIC = "public"  # no sign-in needed
ANY = "any"  # any signed-in user

ALL_ROLES = tuple(ROLE_USERS)

# endpoint -> who may use it (admins may use everything that is not public)
ACCESS: dict[str, str | tuple[str, ...]] = {
    # courses (kb/training/courses.py): everyone reads and takes courses, trainers build them
    "courses.index": ANY,
    "courses.view": ANY,
    "courses.module": ANY,
    "courses.answer": ANY,
    "courses.mark_read": ANY,
    "courses.new": ("trainer",),
    "courses.edit": ("trainer",),
    "courses.change": ("trainer",),
    "courses.source": ("trainer",),
    "courses.publish": ("trainer",),
    "courses.dashboard": ("trainer",),
    "courses.results": ("trainer",),
    "courses.handout": ("trainer",),
    "courses.bundle": ("trainer",),
    "courses.pick": ("trainer",),
    "courses.static": ANY,
    "auth.login": PUBLIC,
    "health.healthz": PUBLIC,
    "health.readyz": PUBLIC,
    "auth.logout": ANY,
    "auth.set_language": PUBLIC,  # the sign-in page switches its language too
    "home.index": ANY,
    "home.results": ANY,
    "reader.article": ANY,
    "reader.body": ANY,
    "reader.attachment": ANY,  # published copies; writers also get drafts' (kb/operator/files.py)
    "api.search": ANY,
    "api.article": ANY,
    "api.feedback": ANY,
    "api.openapi": ANY,
    "gaps.index": ("editor", "reviewer"),
    "gaps.resolve": ("editor", "reviewer"),
    "gaps.feedback": ANY,
    # the operator's home for the shift (kb/operator/shift.py): editors pin and flag
    "shift.caller_language": ANY,
    "shift.favourite": ANY,
    "shift.read": ANY,
    "shift.confirm_view": ANY,
    "shift.pin": ("editor", "reviewer"),
    "shift.flag_view": ("editor", "reviewer"),
    "shift.flags": ("editor", "reviewer"),
    "admin.users": ("admin",),
    "admin.create_user": ("admin",),
    "admin.edit_user": ("admin",),
    "admin.add_token": ("admin",),
    "admin.revoke_token": ("admin",),
    "admin.audit": ("admin",),
    "admin.audit_csv": ("admin",),
    "editor.index": ("editor", "reviewer"),
    "editor.new": ("editor", "reviewer"),
    "editor.edit": ("editor", "reviewer"),
    "editor.preview": ("editor", "reviewer"),
    "editor.lookup": ("editor", "reviewer"),
    "editor.article": ("editor", "reviewer"),
    "editor.history": ("editor", "reviewer"),
    "editor.diff": ("editor", "reviewer"),
    "editor.submit": ("editor", "reviewer"),
    "editor.approve": ("reviewer",),
    "editor.reject": ("reviewer",),
    "editor.publish": ("reviewer",),
    "editor.unpublish": ("reviewer",),
    "editor.rollback": ("reviewer",),
    "editor.delete_draft": ("editor", "reviewer"),
    "editor.translation_ok": ("editor", "reviewer"),
    "editor.review_queue": ("reviewer",),
    "editor.publish_due": ("reviewer",),
    "editor.bodies": ("editor", "reviewer"),
    "editor.body": ("editor", "reviewer"),
    "editor.new_body": ("editor", "reviewer"),
    "editor.edit_body": ("editor", "reviewer"),
    "editor.publish_body": ("reviewer",),
    "editor.synonyms": ("editor", "reviewer"),
    "editor.publish_synonyms": ("reviewer",),
    "editor.import_upload": ("editor", "reviewer"),
    "editor.upload_attachment": ("editor", "reviewer"),
    "editor.delete_attachment": ("editor", "reviewer"),
    "editor.static": ANY,
    "analytics.dashboard": ("editor", "reviewer"),
    "analytics.export": ("editor", "reviewer"),
    "analytics.api_searches": ("editor", "reviewer"),
    "analytics.static": ANY,
    # bulk actions on the article list: roles checked per article inside (editor/bulk.py)
    "editor.bulk": ("editor", "reviewer"),
    # everyone's own inbox (kb/notifications/views.py)
    "notifications.inbox": ANY,
    "notifications.open_note": ANY,
    "notifications.mark_read": ANY,
    "notifications.mark_all_read": ANY,
    "notifications.static": ANY,
}

SAMPLE_VALUES = {"integer": "1", "float": "1.0", "default": "x", "string": "x", "path": "x"}


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule, with sample values for its arguments."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {}
        for name, converter in rule._converters.items():  # noqa: SLF001
            kind = type(converter).__name__.replace("Converter", "").lower()
            values[name] = SAMPLE_VALUES.get(kind, "x")
            if name == "lang":
                values[name] = "ru"
        url = rule.build(values, append_unknown=False)[1]
        method = "GET" if "GET" in (rule.methods or ()) else "POST"
        routes.append((rule.endpoint, method, url))
    return routes


def test_every_route_is_in_the_table(app: Flask) -> None:
    missing = sorted({endpoint for endpoint, _, _ in _routes(app)} - set(ACCESS))
    assert not missing, f"add these endpoints to ACCESS in {__file__}: {missing}"


def _request(client: FlaskClient, auth: AuthActions, method: str, url: str) -> str:
    """Return ``"login"`` (sent to sign in), ``"denied"`` (403) or ``"served"``."""
    if method == "GET":
        response = client.get(url)
    else:
        token = auth.csrf_token("/") if client.get("/").status_code == 200 else auth.csrf_token()
        response = client.post(url, data={"csrf_token": token})
    if response.status_code == 401 or (
        response.status_code == 302 and response.headers["Location"].startswith("/-/login")
    ):
        return "login"
    if response.status_code >= 500:
        return f"error {response.status_code}"
    return "denied" if response.status_code == 403 else "served"


@pytest.mark.parametrize("role", [None, *ALL_ROLES])
def test_role_access_table(app: Flask, client: FlaskClient, auth: AuthActions, role: str) -> None:
    if role:
        assert auth.login(role).status_code == 302
    failures = []
    for endpoint, method, url in _routes(app):
        if endpoint in ("auth.logout",):
            continue  # would end the session mid-table; covered in test_auth
        allowed = ACCESS[endpoint]
        status = _request(client, auth, method, url)
        if allowed == PUBLIC:
            ok = status == "served" or endpoint == "auth.login"
        elif role is None:
            ok = status == "login"
        elif allowed == ANY or role == "admin" or role in allowed:
            ok = status == "served"
        else:
            ok = status == "denied"
        if not ok:
            failures.append(f"{role or 'anonymous'} {method} {url} ({endpoint}) -> {status}")
    assert not failures, "\n".join(failures)
