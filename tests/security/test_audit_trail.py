"""Issue 18 items 11 and 12, issue 15's audit page: filters and pages in the database, a
streamed export of what is shown, translated action names, local time, safe CSV cells."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from kb.csv_export import FORMULA_STARTS
from kb.models import AuditEvent
from kb.models import db
from tests.conftest import AuthActions

BASE = datetime(2026, 3, 1, 12, 0, 0)


@pytest.fixture
def trail(app: Flask) -> Flask:
    """250 events: 200 searches by operator, 50 publications by reviewer, and one
    publication at 19:30 UTC on 1 March, which is 00:30 on 2 March in Almaty."""
    with app.app_context():
        for number in range(200):
            db.session.add(
                AuditEvent(
                    when=BASE - timedelta(days=10, minutes=number),
                    actor="operator",
                    action="search",
                    detail=f"паспорт {number}",
                )
            )
        for number in range(50):
            db.session.add(
                AuditEvent(
                    when=BASE - timedelta(days=5, minutes=number),
                    actor="reviewer",
                    action="publish",
                    target=f"ru/passport-{number}" if number % 2 else f"kk/tolqu-{number}",
                )
            )
        db.session.add(
            AuditEvent(
                when=datetime(2026, 3, 1, 19, 30), actor="reviewer", action="publish",
                target="ru/late-night",
            )
        )  # fmt: skip
        db.session.commit()
    return app


def _rows(page: str) -> list[str]:
    return re.findall(r"<tr><td>(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)</td>", page)


def test_pages_of_the_trail(trail: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.login("admin")
    first = client.get("/-/admin/audit").get_data(as_text=True)
    assert len(_rows(first)) == 100
    assert "page=2" in first
    third = client.get("/-/admin/audit?page=3").get_data(as_text=True)
    assert len(_rows(third)) == 52  # 251 seeded + this admin's sign-in, 100 a page
    assert "page=4" not in third and "page=2" in third
    assert client.get("/-/admin/audit?page=99999999999999999").status_code == 200


def test_filters_by_who_action_article_and_local_days(
    trail: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("admin")

    def count(**args: str) -> int:
        response = client.get("/-/admin/audit", query_string=args)
        assert response.status_code == 200
        return len(_rows(response.get_data(as_text=True)))

    assert count(actor="reviewer") == 51
    assert count(actor="reviewer", action="search") == 0
    assert count(action="publish", target="ru/passport") == 25
    # 19:30 UTC on 1 March is 2 March in Asia/Almaty (UTC+5): local days decide
    assert count(**{"from": "2026-03-02", "to": "2026-03-02"}) == 1
    assert count(**{"from": "2026-02-20", "to": "2026-03-01"}) == 50
    page = client.get("/-/admin/audit?target=ru/late").get_data(as_text=True)
    assert "2026-03-02 00:30:00" in page  # shown in local time
    assert "Asia/Almaty" in page


def test_bad_dates_are_explained(trail: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.login("admin")
    response = client.get("/-/admin/audit?from=yesterday")
    assert response.status_code == 200
    assert "не дата" in response.get_data(as_text=True)
    assert client.get("/-/admin/audit.csv?from=yesterday").status_code == 400


@pytest.mark.parametrize(
    ("locale", "name"), [("ru", "Публикация"), ("kk", "Жариялау"), ("en", "publication")]
)
def test_action_names_in_the_interface_language(
    trail: Flask, client: FlaskClient, auth: AuthActions, locale: str, name: str
) -> None:
    auth.login("admin")
    client.post("/-/language", data={"locale": locale, "csrf_token": auth.csrf_token("/")})
    page = client.get("/-/admin/audit?action=publish").get_data(as_text=True)
    assert f'title="publish">{name}</td>' in page


def test_export_streams_the_filtered_rows(
    trail: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("admin")
    response = client.get("/-/admin/audit.csv?actor=reviewer&target=kk/")
    assert response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 25
    assert {r["actor"] for r in rows} == {"reviewer"}
    assert all(r["target"].startswith("kk/") for r in rows)
    assert rows[0]["when_local"].endswith("+05:00")


def test_page_and_export_never_load_the_whole_trail(
    trail: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    """Every query of the audit table on the page has a LIMIT; the export fetches rows in
    batches (no statement loads all rows into the process at once)."""
    auth.login("admin")
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM audit_events" in statement and statement.lstrip().startswith("SELECT"):
            statements.append(statement)

    with trail.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        client.get("/-/admin/audit?actor=operator")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements and all("LIMIT" in s for s in statements)


def test_formulas_are_neutralised_in_the_export(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    hostile = '=HYPERLINK("http://evil.example","x")'
    auth.login(hostile, "wrong password!!")
    auth.login("operator")
    token = auth.csrf_token("/")
    for comment in ("=1+cmd|' /C calc'!A0", "@SUM(1+1)", "+1", "-2", "\tx", "\rx"):
        client.post(
            "/-/feedback",
            data={"kind": "gap", "query": "паспорт", "comment": comment, "csrf_token": token},
        )
    auth.logout()
    auth.login("admin")
    text = client.get("/-/admin/audit.csv").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + hostile in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
