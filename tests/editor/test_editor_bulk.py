"""The article list's personal filters and bulk actions (issue 15), in Kazakh and Russian.

"My drafts", "waiting for my review" and "owned by me"; bulk submit, approve and retire
with mixed permissions: roles checked on the server per article, self-approval still
refused, a reason required to retire, a result line per article, CSRF.
"""

from __future__ import annotations

import re
from typing import Any

from tests.editor.conftest import Session
from tests.editor.conftest import new_article_form


def _as(login: Any, name: str, locale: str) -> Session:
    session: Session = login(name)
    session.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    return session


def _write(session: Session, lang: str, slug: str, **fields: Any) -> None:
    response = session.post("/-/edit/new", new_article_form(lang, slug, **fields))
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]


def _listed(session: Session, query: str) -> list[str]:
    page = session.get(f"/-/edit/?{query}").get_data(as_text=True)
    return re.findall(r'name="item" value="([^"]+)"', page)


def _results(page: str) -> dict[str, tuple[str, str]]:
    """``{lang/slug: (ok|refused, the row's text)}`` of the bulk results page."""
    rows = re.findall(r'<tr class="(ok|refused)" data-article="([^"]+)">(.*?)</tr>', page, re.S)
    return {article: (state, re.sub(r"<[^>]+>", " ", text)) for state, article, text in rows}


def _state(session: Session, lang: str, slug: str) -> str:
    return str(session.app.extensions["kb"].store.state(lang, slug).status.value)


def test_personal_filters(login: Any) -> None:
    editor = _as(login, "editor", "kk")
    reviewer = _as(login, "reviewer", "ru")
    _write(editor, "kk", "draft-one")
    _write(editor, "ru", "sent-one")
    editor.post("/-/edit/ru/sent-one/submit")
    _write(reviewer, "kk", "by-reviewer", owner="editor")
    _write(reviewer, "ru", "reviewer-sent")
    reviewer.post("/-/edit/ru/reviewer-sent/submit")

    assert _listed(editor, "mine=1") == ["kk/draft-one"]
    assert _listed(editor, "owned=1") == ["kk/by-reviewer", "kk/draft-one", "ru/sent-one"]
    # Waiting for *my* review: not what I wrote myself (I could not approve it).
    assert _listed(reviewer, "review=1") == ["ru/sent-one"]
    assert _listed(reviewer, "mine=1") == ["kk/by-reviewer"]
    assert _listed(reviewer, "owned=1") == ["ru/reviewer-sent"]
    # The filters combine with the others.
    assert _listed(editor, "owned=1&lang=ru") == ["ru/sent-one"]
    kk = editor.get("/-/edit/?mine=1").get_data(as_text=True)
    assert "Менің жобаларым" in kk and "Иесі — мен" in kk
    assert 'name="mine" value="1" checked' in kk
    # Editors do not see the reviewers' filter nor the reviewers' bulk actions.
    assert 'name="review"' not in kk and 'value="approve"' not in kk
    ru = reviewer.get("/-/edit/").get_data(as_text=True)
    assert "Ждут моей проверки" in ru and "Мои черновики" in ru and "Я владелец" in ru
    assert 'value="approve"' in ru and "Снять с публикации" in ru


def test_bulk_submit_and_approve_with_mixed_permissions(login: Any) -> None:
    editor = _as(login, "editor", "kk")
    reviewer = _as(login, "reviewer", "ru")
    for lang, slug in (("kk", "e-one"), ("kk", "e-two"), ("ru", "e-three")):
        _write(editor, lang, slug)
    _write(reviewer, "ru", "own-text")
    reviewer.post("/-/edit/ru/own-text/submit")

    done = editor.post(
        "/-/edit/bulk", {"action": "submit", "item": ["kk/e-one", "kk/e-two", "ru/own-text"]}
    )
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    results = _results(page)
    assert results["kk/e-one"][0] == results["kk/e-two"][0] == "ok"
    assert results["ru/own-text"][0] == "refused"
    assert "Мақала тексеруді күтіп тұр." in results["ru/own-text"][1]
    assert "3 мақаланың 2 мақаласы үшін орындалды." in page
    assert _state(editor, "kk", "e-one") == "in_review"

    # An editor may not approve, whatever the form says: refused per article, nothing moves.
    refused = editor.post("/-/edit/bulk", {"action": "approve", "item": ["kk/e-one"]})
    assert _results(refused.get_data(as_text=True))["kk/e-one"][0] == "refused"
    assert "рөліңіз бұған рұқсат бермейді" in refused.get_data(as_text=True)
    assert _state(editor, "kk", "e-one") == "in_review"

    # A reviewer approves the others' texts; their own is refused (no self-approval).
    approved = reviewer.post(
        "/-/edit/bulk",
        {"action": "approve", "item": ["kk/e-one", "kk/e-two", "ru/own-text", "ru/e-three"]},
    )
    results = _results(approved.get_data(as_text=True))
    assert results["kk/e-one"][0] == results["kk/e-two"][0] == "ok"
    assert results["ru/own-text"][0] == "refused"
    assert "утвердить её должен другой рецензент" in results["ru/own-text"][1]
    assert results["ru/e-three"][0] == "refused"  # never submitted
    assert "Выполнено для 2 из 4 статей." in approved.get_data(as_text=True)
    assert _state(reviewer, "kk", "e-one") == "approved"
    assert _state(reviewer, "ru", "own-text") == "in_review"


def test_bulk_retire_needs_a_reason_and_a_published_article(login: Any) -> None:
    editor = _as(login, "editor", "ru")
    reviewer = _as(login, "reviewer", "ru")
    for slug in ("pub-one", "pub-two", "never"):
        _write(editor, "ru", slug)
    for slug in ("pub-one", "pub-two"):
        editor.post(f"/-/edit/ru/{slug}/submit")
        reviewer.post(f"/-/edit/ru/{slug}/approve")
        reviewer.post(f"/-/edit/ru/{slug}/publish")
    items = ["ru/pub-one", "ru/pub-two", "ru/never"]
    without = _results(
        reviewer.post("/-/edit/bulk", {"action": "retire", "item": items}).get_data(as_text=True)
    )
    assert {state for state, _text in without.values()} == {"refused"}
    assert "комментарий обязателен" in without["ru/pub-one"][1]
    assert _state(reviewer, "ru", "pub-one") == "published"
    # Editors may not retire.
    by_editor = editor.post("/-/edit/bulk", {"action": "retire", "item": items, "comment": "x"})
    assert {s for s, _t in _results(by_editor.get_data(as_text=True)).values()} == {"refused"}
    done = _results(
        reviewer.post(
            "/-/edit/bulk", {"action": "retire", "item": items, "comment": "Услуга отменена"}
        ).get_data(as_text=True)
    )
    assert done["ru/pub-one"][0] == done["ru/pub-two"][0] == "ok"
    assert done["ru/never"][0] == "refused"
    assert _state(reviewer, "ru", "pub-one") == "retired"
    trail = reviewer.app.extensions["kb"].store.state("ru", "pub-two")
    assert trail.comment == "Услуга отменена"


def test_bulk_refuses_bad_requests_clearly(login: Any) -> None:
    editor = _as(login, "editor", "kk")
    _write(editor, "kk", "e-one")
    nothing = editor.post("/-/edit/bulk", {"action": "submit"})
    assert nothing.status_code == 400
    assert "Тізімнен кемінде бір мақаланы белгілеңіз." in nothing.get_data(as_text=True)
    unknown = editor.post("/-/edit/bulk", {"action": "delete", "item": ["kk/e-one"]})
    assert unknown.status_code == 400 and "таңдаңыз" in unknown.get_data(as_text=True)
    odd = editor.post("/-/edit/bulk", {"action": "submit", "item": ["../etc/passwd", "kk/none"]})
    results = _results(odd.get_data(as_text=True))
    assert odd.status_code == 200 and {s for s, _t in results.values()} == {"refused"}
    # No CSRF token: refused before anything happens.
    forged = editor.client.post("/-/edit/bulk", data={"action": "submit", "item": "kk/e-one"})
    assert forged.status_code == 400
    assert _state(editor, "kk", "e-one") == "draft"
    # Operators and trainers cannot reach it at all.
    assert (
        _as(login, "operator", "ru").post("/-/edit/bulk", {"action": "submit"}).status_code == 403
    )


def _shown(page: str) -> list[str]:
    return re.findall(r'name="shown" value="([^"]+)"', page)


def test_select_all_stands_for_every_article_of_the_page(login: Any) -> None:
    editor = _as(login, "editor", "kk")
    for lang, slug in (("kk", "all-one"), ("ru", "all-one"), ("kk", "all-two")):
        _write(editor, lang, slug)
    kk = editor.get("/-/edit/").get_data(as_text=True)
    # one hidden field per box of the page, in the same order, and the labelled checkbox
    assert _shown(kk) == _listed(editor, "")
    assert sorted(_shown(kk)) == ["kk/all-one", "kk/all-two", "ru/all-one"]
    assert 'name="all" value="1" data-select-all' in kk
    assert "Осы беттегі сүзгіге сай барлық мақала (3)" in kk and "bulk.js" in kk
    ru = _as(login, "editor", "ru").get("/-/edit/").get_data(as_text=True)
    assert "Все подходящие статьи на этой странице (3)" in ru
    # The filters narrow what "all" means: the line shows both versions (two boxes), but
    # only the Russian one matched "Language: ru".
    filtered = editor.get("/-/edit/?lang=ru").get_data(as_text=True)
    assert sorted(re.findall(r'name="item" value="([^"]+)"', filtered)) == [
        "kk/all-one",
        "ru/all-one",
    ]
    assert _shown(filtered) == ["ru/all-one"]
    assert "Осы беттегі сүзгіге сай барлық мақала (1)" in filtered

    # Without the script: "all" ticked, no box ticked: every shown article is submitted.
    done = editor.post(
        "/-/edit/bulk", {"action": "submit", "all": "1", "shown": _shown(kk), "item": []}
    )
    results = _results(done.get_data(as_text=True))
    assert sorted(results) == ["kk/all-one", "kk/all-two", "ru/all-one"]
    assert {state for state, _text in results.values()} == {"ok"}
    assert "3 мақаланың 3 мақаласы үшін орындалды." in done.get_data(as_text=True)
    assert _state(editor, "ru", "all-one") == "in_review"


def test_without_select_all_only_the_ticked_boxes_count(login: Any) -> None:
    editor = _as(login, "editor", "ru")
    for slug in ("tick-one", "tick-two"):
        _write(editor, "ru", slug)
    shown = _shown(editor.get("/-/edit/").get_data(as_text=True))
    assert sorted(shown) == ["ru/tick-one", "ru/tick-two"]
    done = editor.post(
        "/-/edit/bulk", {"action": "submit", "shown": shown, "item": ["ru/tick-two"]}
    )
    assert sorted(_results(done.get_data(as_text=True))) == ["ru/tick-two"]
    assert "Выполнено для 1 из 1 статей." in done.get_data(as_text=True)
    assert _state(editor, "ru", "tick-one") == "draft"
    # "all" with an empty page is the usual clear refusal, not a silent no-op
    empty = editor.post("/-/edit/bulk", {"action": "submit", "all": "1"})
    assert empty.status_code == 400
    assert "Отметьте в списке хотя бы одну статью." in empty.get_data(as_text=True)
