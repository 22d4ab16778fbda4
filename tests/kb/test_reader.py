"""The operator's search screen (server-rendered results) and the article view for a call."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.services import DEMO_EDITOR
from kb.services import DEMO_REVIEWER
from tests.browser.instance import close_app
from tests.browser.instance import demo_app
from tests.conftest import AuthActions
from tests.conftest import make_app


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One application on a copy of the demo instance, shared read-only by this module."""
    app = demo_app(tmp_path_factory, "reader")
    yield app
    close_app(app)


@pytest.fixture
def operator(demo: Flask) -> Iterator[FlaskClient]:
    """A client signed in as the operator."""
    client = demo.test_client()
    assert AuthActions(client).login("operator").status_code == 302
    yield client


def _results(page: str) -> list[str]:
    """The ``data-url`` of each result, in order."""
    return re.findall(r'<li class="result[^"]*"[^>]*data-url="([^"?]+)', page)


def test_home_without_query_shows_the_focused_box(operator: FlaskClient) -> None:
    page = operator.get("/").get_data(as_text=True)
    assert re.search(r'<input type="search" id="q" name="q" value=""\s+autofocus', page)
    assert 'role="search"' in page and 'aria-live="polite"' in page
    assert "operator.js" in page and "operator.css" in page
    assert '<li class="result' not in page


def test_russian_query_renders_the_passport_article_first(operator: FlaskClient) -> None:
    page = operator.get("/?q=паспорт").get_data(as_text=True)
    urls = _results(page)
    assert urls[0] == "/ru/passport"
    first = page[page.index('id="result-0"') : page.index('id="result-1"')]
    assert '<span class="badge lang"' in first and ">RU</span>" in first
    assert "<mark>" in first
    assert "Министерство внутренних дел" in first  # competent body name
    # The trust signal, not the editor's review-by date (issue 14).
    assert re.search(r"Проверено \d{4}-\d{2}-\d{2}", first)
    assert "2027-04-01" not in first
    assert 'data-answer="Паспорт гражданина РК оформляют' in first
    assert 'name="kind" value="answered"' in first


def test_kazakh_query_renders_the_kazakh_article_first(operator: FlaskClient) -> None:
    page = operator.get("/?q=төлқұжат").get_data(as_text=True)
    assert _results(page)[0] == "/kk/passport"
    first = page[page.index('id="result-0"') : page.index('id="result-1"')]
    assert ">KK</span>" in first and "Ішкі істер министрлігі" in first


def test_language_filter_keeps_one_language(operator: FlaskClient) -> None:
    page = operator.get("/?q=паспорт&lang=kk").get_data(as_text=True)
    urls = _results(page)
    assert urls and all(u.startswith("/kk/") or u.startswith("/-/bodies/") for u in urls)


def test_competent_bodies_are_results_of_their_own_kind(operator: FlaskClient) -> None:
    page = operator.get("/?q=кто выдаёт паспорт").get_data(as_text=True)
    assert any(u.startswith("/-/bodies/") for u in _results(page))
    assert 'class="result kind-body' in page


def test_results_fragment_is_the_same_markup(operator: FlaskClient) -> None:
    fragment = operator.get("/-/results?q=паспорт").get_data(as_text=True)
    assert fragment.lstrip().startswith('<div class="results-wrap"')
    assert "<html" not in fragment
    assert _results(fragment)[0] == "/ru/passport"


def test_wrong_layout_query_says_what_was_searched(operator: FlaskClient) -> None:
    page = operator.get("/?q=gfcgjhn").get_data(as_text=True)
    assert _results(page)[:1] == ["/ru/passport"]
    assert 'class="corrected"' in page and "паспорт" in page


def test_nothing_found_offers_a_gap_report(operator: FlaskClient) -> None:
    page = operator.get("/?q=щзщзщзщ").get_data(as_text=True)
    assert _results(page) == []
    assert '<details class="gap-report" open>' in page
    assert 'name="kind" value="gap"' in page


@pytest.mark.parametrize("query", ["x" * 1001, "паспорт\x00", "\x01\x02"])
def test_bad_queries_get_a_400_page_not_a_500(operator: FlaskClient, query: str) -> None:
    response = operator.get("/", query_string={"q": query})
    assert response.status_code == 400
    assert "flash error" in response.get_data(as_text=True)


def test_article_view_is_laid_out_for_a_call(operator: FlaskClient) -> None:
    page = operator.get("/ru/passport?q=паспорт").get_data(as_text=True)
    answer = page.index('id="answer-text"')
    assert answer < page.index('class="article-body"')  # the short answer comes first
    assert "Паспорт гражданина РК оформляют в любом ЦОНе" in page[answer : answer + 400]
    assert '<div class="admonition script">' in page
    assert 'data-copy="email-text"' in page and 'id="email-text"' in page
    email = re.search(r'<textarea id="email-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert email and email.group(1).startswith("Паспорт гражданина Республики Казахстан\n\n")
    assert re.search(r"Проверено \d{4}-\d{2}-\d{2}", page)  # when the reviewer approved it
    assert "госпошлина 4 МРП" in page  # structured facts
    assert 'href="/kk/passport?q=' in page  # the kk switch keeps the query
    assert "Министерство внутренних дел" in page and 'href="tel:' in page
    assert 'href="/ru/id-card-replacement"' in page and 'href="/ru/iin"' in page  # related
    assert 'name="article" value="ru/passport"' in page


def test_kazakh_article_view_in_kazakh_interface(demo: Flask) -> None:
    client = demo.test_client()
    auth = AuthActions(client)
    auth.login("operator")
    client.post("/-/language", data={"locale": "kk", "csrf_token": auth.csrf_token("/")})
    page = client.get("/kk/passport").get_data(as_text=True)
    client.post("/-/language", data={"locale": "ru", "csrf_token": auth.csrf_token("/")})
    assert "Қысқа жауап" in page and "Уәкілетті орган" in page
    assert "ҚР азаматының төлқұжатын кез келген ХҚКО-да" in page
    assert 'href="/ru/passport"' in page


def test_opening_an_article_is_audited(demo: Flask, operator: FlaskClient) -> None:
    from sqlalchemy import select

    from kb.models import AuditEvent
    from kb.models import db

    operator.get("/kk/iin?q=жсн")
    with demo.app_context():
        row = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "open").order_by(AuditEvent.id.desc())
        ).first()
    assert row is not None and (row.actor, row.target, row.detail) == ("operator", "kk/iin", "жсн")


def test_body_card_shows_contacts_and_articles(operator: FlaskClient) -> None:
    page = operator.get("/-/bodies/mvd?lang=kk").get_data(as_text=True)
    assert "Ішкі істер министрлігі" in page
    assert 'href="/kk/passport"' in page
    assert 'href="/-/bodies/mvd?lang=ru"' in page
    assert operator.get("/-/bodies/no-such-body").status_code == 404


def test_unknown_article_is_a_404_that_says_so(operator: FlaskClient) -> None:
    response = operator.get("/ru/no-such-article")
    assert response.status_code == 404
    assert "не опубликована" in response.get_data(as_text=True)


def test_retired_stale_and_outdated_articles_are_marked(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    app = demo_app(tmp_path_factory, "reader-changes")
    knowledge = app.extensions["kb"]
    store = knowledge.store
    # A Russian change published after the Kazakh version makes the Kazakh one outdated,
    # and its review date in the past makes it stale.
    current = store.get("ru", "passport")
    text = store.get("ru", "passport").body + "\nДополнение.\n"
    front = current.meta
    source = (
        f"---\nid: {front.id}\ntitle: {front.title}\nlang: ru\ncategory: {front.category}\n"
        f"agencies: [mvd]\nanswer: {json.dumps(front.answer, ensure_ascii=False)}\n"
        f"review_by: 2020-01-01\n---\n{text}"
    )
    store.save("ru", "passport", source, actor=DEMO_EDITOR, expected_revision=current.revision)
    store.submit("ru", "passport", actor=DEMO_EDITOR)
    store.approve("ru", "passport", actor=DEMO_REVIEWER)
    knowledge.publish("ru", "passport", actor=DEMO_REVIEWER)
    knowledge.unpublish("ru", "iin", actor=DEMO_REVIEWER, comment="replaced")

    # A second application on the same instance reads the index as another worker does.
    other = make_app(Path(app.instance_path))
    client = other.test_client()
    AuthActions(client).login("operator")
    kk_page = client.get("/kk/passport").get_data(as_text=True)
    assert 'class="flash warning" role="note"' in kk_page and "RU" in kk_page
    ru_page = client.get("/ru/passport").get_data(as_text=True)
    assert "2020-01-01" in ru_page and ru_page.count('class="flash warning"') >= 1
    results = client.get("/?q=паспорт").get_data(as_text=True)
    kk_result = results[results.index('data-url="/kk/passport') :]
    assert "badge warn" in kk_result[: kk_result.index("</li>")]
    ru_result = results[results.index('data-url="/ru/passport') :]
    assert "badge warn" in ru_result[: ru_result.index("</li>")]  # stale
    retired = client.get("/ru/iin")
    assert retired.status_code == 404
    assert "снята с публикации" in retired.get_data(as_text=True)
    close_app(other)
    close_app(app)


def test_is_stale_compares_with_today() -> None:
    from kb.reader import is_stale

    today = dt.date(2026, 11, 25)
    assert is_stale("2026-11-24", today) and is_stale(dt.date(2020, 1, 1), today)
    assert not is_stale("2026-11-25", today) and not is_stale(None, today)
    assert not is_stale("garbage", today)


def test_a_publication_is_searchable_at_once_in_the_same_process(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    app = demo_app(tmp_path_factory, "reader-same-process")
    knowledge = app.extensions["kb"]
    client = app.test_client()
    AuthActions(client).login("operator")
    assert 'href="/ru/passport"' in client.get("/kk/passport").get_data(as_text=True)
    assert knowledge.search("паспорт").hits[0].key == "ru/passport"
    knowledge.unpublish("ru", "passport", actor=DEMO_REVIEWER, comment="gone")
    assert "ru/passport" not in [hit.key for hit in knowledge.search("паспорт").hits]
    # The translation links follow the publication in this process too.
    assert 'href="/ru/passport"' not in client.get("/kk/passport").get_data(as_text=True)
    close_app(app)
