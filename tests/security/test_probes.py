"""The probe suite of issue 18: hostile uploads and parameters, and every role x route x
method, against a real application. Asserts no 5xx, no role violation, no CSRF bypass;
prints tried / failed and the longest time one hostile upload kept the worker.

Run: ``.venv/bin/python -m pytest -p no:cacheprovider tests/security/test_probes.py -q -s``
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ROLE_USERS
from tests.conftest import AuthActions
from tests.kb.test_access import ACCESS
from tests.kb.test_access import ANY
from tests.kb.test_access import PUBLIC
from tests.kb.test_access import _routes
from tests.security.hostile import good_page
from tests.security.hostile import huge_table
from tests.security.hostile import nested_divs
from tests.security.hostile import nested_lists
from tests.security.hostile import nested_tables_docx
from tests.security.hostile import pixel_bomb_png
from tests.security.hostile import yaml_bomb
from tests.security.hostile import zip_bomb_docx

# Werkzeug spools large uploads to temporary files that the test client leaves to the GC.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

HOSTILE_VALUES = (
    "x" * 5000,
    "\x00\x01\xff",
    "99999999999999999999999",
    "-1",
    "%00",
    "/\t/evil.example",
    "/\r\n/evil.example",
    '=HYPERLINK("http://evil.example","x")',
    "' OR 1=1 --",
    "../../etc/passwd",
)


def _token(client: FlaskClient) -> str:
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match
    return match.group(1)


def _uploads(tmp_path: Path) -> list[tuple[str, str, bytes]]:
    docx = nested_tables_docx(tmp_path / "tables.docx").read_bytes()
    bomb = "---\ntitle: Бомба\n" + yaml_bomb(9) + "---\nx\n"
    table = "id,lang,title,body\nt,ru,Таблица," + '"' + huge_table(4000, 50) + '"\n'
    nul = "id,lang,title,body\nn,kk,Төлқұжат\x00,Мәтін\x00\n"
    return [
        ("html", "divs.html", nested_divs().encode()),
        ("html", "lists.html", nested_lists(4000).encode()),
        ("html", "good.html", good_page().encode()),
        ("docx", "tables.docx", docx),
        ("markdown", "bomb.md", bomb.encode()),
        ("csv", "table.csv", table.encode()),
        ("csv", "nul.csv", nul.encode()),
        ("html", "binary.html", bytes(range(256)) * 100),
    ]


def test_hostile_uploads(
    app: Flask, client: FlaskClient, auth: AuthActions, tmp_path: Path
) -> None:
    auth.login("admin")
    token = _token(client)
    failed: list[str] = []
    longest = (0.0, "")
    uploads = _uploads(tmp_path)
    for fmt, name, data in uploads:
        started = time.perf_counter()
        response = client.post(
            "/-/edit/import",
            data={"csrf_token": token, "fmt": fmt, "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        # Above 500 KB werkzeug's test client spools the encoded body to a temporary
        # file and, without follow_redirects, never closes it: left to the garbage
        # collector, it was a ResourceWarning (an error here) in a later test.
        response.request.input_stream.close()
        spent = time.perf_counter() - started
        longest = max(longest, (spent, name))
        if response.status_code >= 500:
            failed.append(f"{name}: {response.status_code}")
    print(
        f"\nhostile uploads: tried {len(uploads)}, failed {len(failed)}, "
        f"longest {longest[0]:.2f} s ({longest[1]})"
    )
    assert failed == []


def _hostile_attachments() -> list[tuple[str, bytes]]:
    """Files an attacker might upload as attachments; every one must be refused."""
    from tests.attachment_files import DISGUISED_HTML
    from tests.attachment_files import SVG
    from tests.attachment_files import docx_with_macros
    from tests.attachment_files import png

    return [
        ("photo.png", DISGUISED_HTML),
        ("bom.jpg", b"\xef\xbb\xbf  <html><script>alert(1)</script>"),
        ("scheme.svg", SVG),
        ("scheme.png", SVG.replace(b"<?xml", b"  <?xml")),
        ("polyglot.gif", b"GIF89a<script>alert(1)</script>" + b"\x00" * 64),
        ("bomb.png", pixel_bomb_png()),
        ("cut.png", png()[:45]),
        ("bomb.docx", zip_bomb_docx()),
        ("macro.docx", docx_with_macros()),
        ("page.pdf", b"%PDF-1.4\n<html><script>alert(1)</script>"),
        ("binary.png", bytes(range(256)) * 100),
        ("empty.png", b""),
    ]


def test_hostile_attachments_are_refused_and_nothing_is_served(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    from articles.model import Actor

    store = app.extensions["kb"].store
    store.save(
        "ru",
        "probe",
        "---\nid: probe\ntitle: Проба\nlang: ru\ncategory: other\n---\nТекст.\n",
        actor=Actor("Probe", "probe@example.kz"),
    )
    auth.login("editor")
    token = _token(client)
    failed: list[str] = []
    uploads = _hostile_attachments()
    for name, data in uploads:
        response = client.post(
            "/-/edit/ru/probe/attachments",
            data={"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
            headers={"X-CSRFToken": token},
        )
        reply = response.get_json(silent=True) or {}
        if response.status_code not in (400, 413) or reply.get("ok") is not False:
            failed.append(f"{name}: {response.status_code} {reply}")
    print(f"\nhostile attachments: tried {len(uploads)}, accepted or 5xx {len(failed)}")
    assert failed == []
    assert store.attachments("ru", "probe") == []


def test_hostile_parameters(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.login("admin")
    token = _token(client)
    tried, failed = 0, []
    for endpoint, method, url in _routes(app):
        if endpoint == "auth.logout":
            continue
        for value in HOSTILE_VALUES:
            args = {"q": value, "next": value, "lang": value, "page": value, "limit": value,
                    "actor": value, "from": value, "since": value, "sort": value}  # fmt: skip
            if method == "GET":
                response = client.get(url, query_string=args)
            else:
                response = client.post(url, data={**args, "csrf_token": token, "kind": value,
                                                  "comment": value, "locale": value})  # fmt: skip
            tried += 1
            if response.status_code >= 500:
                failed.append(f"{method} {url} {value[:20]!r}: {response.status_code}")
            location = response.headers.get("Location", "")
            if location.startswith("//") or "evil.example" in location.split("?")[0]:
                failed.append(f"{method} {url}: open redirect to {location[:60]}")
    print(f"\nhostile parameters: tried {tried}, failed {len(failed)}")
    assert failed == [], failed[:20]


def _outcome(response: Any) -> str:
    if response.status_code == 401 or (
        response.status_code == 302 and response.headers["Location"].startswith("/-/login")
    ):
        return "login"
    if response.status_code >= 500:
        return f"error {response.status_code}"
    return "denied" if response.status_code == 403 else "served"


def test_role_route_method_matrix(app: Flask) -> None:
    """Every rule of ``app.url_map`` with each of its methods, for anonymous and each role;
    POSTs are sent with and without the CSRF token."""
    tried, failed = 0, []
    rules = {r.endpoint: r for r in app.url_map.iter_rules()}
    for role in (None, *ROLE_USERS):
        client = app.test_client()
        if role:
            assert AuthActions(client).login(role).status_code == 302
        token = _token(client) if role else ""
        for endpoint, _method, url in _routes(app):
            if endpoint == "auth.logout":
                continue
            allowed = ACCESS[endpoint]
            for method in sorted((rules[endpoint].methods or set()) - {"HEAD", "OPTIONS"}):
                if method == "GET":
                    responses = [("", client.get(url))]
                else:
                    responses = [
                        ("with token", client.post(url, data={"csrf_token": token})),
                        ("no token", client.post(url, data={})),
                    ]
                for how, response in responses:
                    tried += 1
                    got = _outcome(response)
                    where = f"{role or 'anonymous'} {method} {url} {how}"
                    if got.startswith("error"):
                        failed.append(f"{where}: {got}")
                    elif how == "no token" and response.status_code not in (400, 302, 401, 403):
                        failed.append(f"{where}: CSRF bypass ({response.status_code})")
                    elif allowed == PUBLIC:
                        continue
                    elif role is None and got != "login" and response.status_code != 400:
                        failed.append(f"{where}: {got} without sign-in")
                    elif role and allowed != ANY and role != "admin" and role not in allowed:
                        if got == "served" and response.status_code != 400:
                            failed.append(f"{where}: served to a role without the right")
    print(f"\nrole x route x method: tried {tried}, failed {len(failed)}")
    assert failed == [], failed[:20]
