"""Notifications (issue 15): each trigger with Kazakh and Russian recipients, the
idempotent review-by job, e-mail to a loopback SMTP sink, and a failing SMTP server that
does not fail a publication.

Set ``KB_TEST_DATABASE_URL`` (``postgresql+psycopg://...``, a database the tests may empty)
to run them on PostgreSQL instead of SQLite.

Users: ``aigul`` (editor, Kazakh interface) and ``oleg`` (editor, Russian) write;
``reviewer`` (Kazakh) and ``rev2`` (Russian) review. Everything goes through the real
forms with CSRF, the real git store and SQLite.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import add_user
from tests.conftest import make_app
from tests.editor.conftest import Session
from tests.editor.conftest import new_article_form

TITLES = {"kk": "Жеке куәлікті ауыстыру", "ru": "Замена удостоверения личности"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _set_locale(app: Flask, name: str, locale: str) -> None:
    from kb.models import User
    from kb.models import db

    with app.app_context():
        user = db.session.query(User).filter_by(name=name).one()
        user.locale = locale
        db.session.commit()


def _fresh_database() -> dict[str, str]:
    """``KB_TEST_DATABASE_URL`` (a PostgreSQL test database), emptied; else SQLite."""
    url = os.environ.get("KB_TEST_DATABASE_URL", "")
    if not url:
        return {}
    from sqlalchemy import create_engine
    from sqlalchemy import text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return {"DATABASE_URL": url}


def _build(home: Path, **config: Any) -> Flask:
    app = make_app(home, **_fresh_database(), **config)
    for name, roles, locale in (
        ("aigul", ["editor"], "kk"),
        ("oleg", ["editor"], "ru"),
        ("reviewer", ["reviewer"], "kk"),
        ("rev2", ["reviewer"], "ru"),
        ("admin", ["admin"], "ru"),
    ):
        add_user(app, name, roles)
        _set_locale(app, name, locale)
    return app


def _close(app: Flask) -> None:
    """Close the store's git processes and the database connections (PostgreSQL: before
    the next test empties it)."""
    from kb.models import db

    app.extensions["kb"].close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """Four editors and reviewers with kk and ru interfaces; no e-mail."""
    app = _build(tmp_path / "instance")
    yield app
    _close(app)


def _notes(app: Flask, name: str) -> list[Any]:
    from kb.models import User
    from kb.models import db
    from kb.notifications.models import Notification

    with app.app_context():
        user = db.session.query(User).filter_by(name=name).one()
        rows = (
            db.session.query(Notification)
            .filter_by(user_id=user.id)
            .order_by(Notification.id)
            .all()
        )
        db.session.expunge_all()
        return rows


def _session(app: Flask, name: str, locale: str) -> Session:
    session = Session(app, name)
    session.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    return session


def _file(app: Flask, lang: str, slug: str) -> tuple[str, str]:
    """The article file on the draft line and its revision."""
    from articles.merge import text_at

    store = app.extensions["kb"].store
    revision = store.get(lang, slug).revision
    text = text_at(store, lang, slug, revision)
    assert text is not None
    return text, revision


def _write(session: Session, lang: str, slug: str, **fields: Any) -> None:
    response = session.post("/-/edit/new", new_article_form(lang, slug, **fields))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_submission_notifies_every_reviewer_in_their_language(app: Flask) -> None:
    aigul = _session(app, "aigul", "kk")
    _write(aigul, "kk", "id-card")
    assert aigul.post("/-/edit/kk/id-card/submit", {"comment": "Тексеріңіз"}).status_code == 302
    kk_notes, ru_notes = _notes(app, "reviewer"), _notes(app, "rev2")
    assert [n.kind for n in kk_notes] == ["submitted"] and [n.kind for n in ru_notes] == [
        "submitted"
    ]
    assert _notes(app, "aigul") == [] and _notes(app, "oleg") == []
    # Each reviewer reads it in their own interface language, with a link to the article.
    kk_page = _session(app, "reviewer", "kk").get("/-/inbox/").get_data(as_text=True)
    assert "Aigul «Жеке куәлікті ауыстыру» мақаласын тексеруге жіберді." in kk_page
    assert "Тексеріңіз" in kk_page
    ru_page = _session(app, "rev2", "ru").get("/-/inbox/").get_data(as_text=True)
    assert "Aigul отправил(а) на проверку «Жеке куәлікті ауыстыру»." in ru_page
    assert "submitted" not in ru_page.split("<main", 1)[1].replace('data-kind="submitted"', "")


def test_approval_rejection_and_publication_notify_the_author(app: Flask) -> None:
    oleg = _session(app, "oleg", "ru")
    _write(oleg, "ru", "id-card")
    oleg.post("/-/edit/ru/id-card/submit")
    reviewer = _session(app, "reviewer", "kk")
    assert reviewer.post("/-/edit/ru/id-card/reject", {"comment": "Нет срока"}).status_code == 302
    oleg.post("/-/edit/ru/id-card/submit")
    assert reviewer.post("/-/edit/ru/id-card/approve").status_code == 302
    assert reviewer.post("/-/edit/ru/id-card/publish").status_code == 302
    kinds = [n.kind for n in _notes(app, "oleg")]
    assert kinds == ["rejected", "approved", "published"]
    assert _notes(app, "oleg")[0].detail == "Нет срока"
    page = oleg.get("/-/inbox/").get_data(as_text=True)
    assert "Reviewer вернул(а) вам «Замена удостоверения личности» на доработку." in page
    assert "«Замена удостоверения личности» опубликована: операторы уже видят её." in page
    # The reviewer is not told of their own actions.
    assert [n.kind for n in _notes(app, "reviewer")] == ["submitted", "submitted"]


def test_a_kazakh_author_reads_the_publication_in_kazakh(app: Flask) -> None:
    aigul = _session(app, "aigul", "kk")
    _write(aigul, "kk", "id-card")
    aigul.post("/-/edit/kk/id-card/submit")
    rev2 = _session(app, "rev2", "ru")
    rev2.post("/-/edit/kk/id-card/approve")
    rev2.post("/-/edit/kk/id-card/publish")
    page = aigul.get("/-/inbox/").get_data(as_text=True)
    assert "Rev2 «Жеке куәлікті ауыстыру» мақаласын бекітті." in page
    assert "«Жеке куәлікті ауыстыру» жарияланды: операторлар оны қазір көреді." in page


def test_unread_count_mark_read_and_open(app: Flask) -> None:
    aigul = _session(app, "aigul", "kk")
    for slug in ("a-one", "a-two"):
        _write(aigul, "kk", slug)
        aigul.post(f"/-/edit/kk/{slug}/submit")
    reviewer = _session(app, "reviewer", "kk")
    header = reviewer.get("/-/inbox/").get_data(as_text=True)
    assert 'class="badge warn unread-count"' in header and ">2</span>" in header
    first, second = _notes(app, "reviewer")
    opened = reviewer.post(f"/-/inbox/{first.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(
        f"/-/edit/kk/{first.slug}"
    )
    assert reviewer.post(f"/-/inbox/{second.id}/read").status_code == 302
    assert all(n.read_at is not None for n in _notes(app, "reviewer"))
    assert "unread-count" not in reviewer.get("/-/inbox/").get_data(as_text=True)
    # Unread again, then all read at once.
    reviewer.post(f"/-/inbox/{second.id}/read", {"unread": "1"})
    assert [n.read_at is None for n in _notes(app, "reviewer")] == [False, True]
    reviewer.post("/-/inbox/read-all")
    assert all(n.read_at is not None for n in _notes(app, "reviewer"))


def test_another_users_notification_is_not_found_and_csrf_is_required(app: Flask) -> None:
    aigul = _session(app, "aigul", "kk")
    _write(aigul, "kk", "id-card")
    aigul.post("/-/edit/kk/id-card/submit")
    note = _notes(app, "reviewer")[0]
    assert _session(app, "oleg", "ru").post(f"/-/inbox/{note.id}/read").status_code == 404
    reviewer = _session(app, "reviewer", "kk")
    assert reviewer.client.post(f"/-/inbox/{note.id}/read").status_code == 400
    assert _notes(app, "reviewer")[0].read_at is None


# -- owner ----------------------------------------------------------------------------------


def test_owner_defaults_to_the_author_and_must_be_a_user(app: Flask) -> None:
    aigul = _session(app, "aigul", "kk")
    form = aigul.get("/-/edit/new?lang=kk").get_data(as_text=True)
    assert 'name="owner" value="aigul"' in form
    assert "Иесі (мақаланың өзектілігіне жауапты)" in form
    refused = aigul.post("/-/edit/new", new_article_form("kk", "bad-owner", owner="nobody"))
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Иесі — белсенді пайдаланушының логині болуы керек" in text
    assert "Иесі (мақаланың өзектілігіне жауапты)" in text
    oleg = _session(app, "oleg", "ru")
    refused_ru = oleg.post("/-/edit/new", new_article_form("ru", "bad-owner", owner="nobody"))
    assert "Владелец — это логин действующего пользователя" in refused_ru.get_data(as_text=True)
    _write(aigul, "kk", "owned", owner="oleg")
    text = _file(app, "kk", "owned")[0]
    assert "\nowner: oleg\n" in text
    page = oleg.get("/-/edit/kk/owned").get_data(as_text=True)
    assert "Владелец" in page and "Oleg (oleg)" in page


def test_owner_field_round_trips_without_touching_other_lines(app: Flask) -> None:
    aigul = _session(app, "aigul", "kk")
    _write(aigul, "kk", "owned", owner="aigul")
    before, revision = _file(app, "kk", "owned")
    form = new_article_form("kk", "owned", owner="oleg", expected_revision=revision)
    assert aigul.post("/-/edit/kk/owned/edit", form).status_code == 302
    after = _file(app, "kk", "owned")[0]
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new)
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert changed == [("owner: aigul", "owner: oleg")]


# -- review-by reminders --------------------------------------------------------------------


def _remind(app: Flask, today: dt.date) -> int:
    from kb.notifications.reminders import remind_owners

    with app.app_context():
        return remind_owners(app.extensions["kb"], today, int(app.config["REVIEW_NOTICE_DAYS"]))


def test_review_by_reminders_are_made_once_per_due_state(app: Flask) -> None:
    aigul = _session(app, "aigul", "kk")
    _write(aigul, "kk", "owned-by-oleg", owner="oleg", review_by="2027-03-10")
    _write(aigul, "kk", "owned-by-author", owner="", review_by="2027-03-12")
    _write(aigul, "kk", "far-away", review_by="2028-01-01")
    day = dt.date(2027, 3, 1)
    assert _remind(app, day) == 2
    # The job runs every minute in every worker: nothing new is said.
    assert _remind(app, day) == 0
    assert _remind(app, day + dt.timedelta(days=1)) == 0
    assert [(n.kind, n.article) for n in _notes(app, "oleg")] == [
        ("review_near", "kk/owned-by-oleg")
    ]
    assert [(n.kind, n.article) for n in _notes(app, "aigul")] == [
        ("review_near", "kk/owned-by-author")
    ]
    # The date comes: one "overdue" each, once.
    assert _remind(app, dt.date(2027, 3, 12)) == 2
    assert _remind(app, dt.date(2027, 3, 20)) == 0
    assert [n.kind for n in _notes(app, "oleg")] == ["review_near", "review_due"]
    ru = _session(app, "oleg", "ru").get("/-/inbox/").get_data(as_text=True)
    assert "Срок проверки «Жеке куәлікті ауыстыру» (2027-03-10) прошёл." in ru
    kk = aigul.get("/-/inbox/").get_data(as_text=True)
    assert "«Жеке куәлікті ауыстыру» мақаласын тексеру мерзімі (2027-03-12) өтіп кетті." in kk


def test_two_workers_racing_make_one_reminder(app: Flask) -> None:
    """Two processes that both passed the "already made?" check: the database keeps one."""
    from kb.models import User
    from kb.models import db
    from kb.notifications.events import create

    _write(_session(app, "aigul", "kk"), "kk", "race", review_by="2027-03-10")
    assert _remind(app, dt.date(2027, 3, 1)) == 1
    with app.app_context():
        aigul = db.session.query(User).filter_by(name="aigul").one()
        with pytest.raises(Exception, match="UNIQUE|unique"):
            create([aigul], "review_near", "kk", "race", title="x", key=_notes(app, "aigul")[0].key)
        db.session.rollback()
    assert len(_notes(app, "aigul")) == 1


def test_the_periodic_round_runs_the_reminders(app: Flask) -> None:
    from kb.notifications.jobs import run_round

    soon = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    _write(_session(app, "oleg", "ru"), "ru", "soon", review_by=soon)
    assert run_round(app) == {"reminders": 1, "mailed": 0}
    assert run_round(app) == {"reminders": 0, "mailed": 0}
    # A new draft moves the line: the next round looks again, and says only what is new.
    _write(_session(app, "oleg", "ru"), "ru", "soon-too", review_by=soon)
    assert run_round(app) == {"reminders": 1, "mailed": 0}
    assert [(n.kind, n.article) for n in _notes(app, "oleg")] == [
        ("review_near", "ru/soon"),
        ("review_near", "ru/soon-too"),
    ]


# -- e-mail ---------------------------------------------------------------------------------


class Sink:
    """An SMTP server on loopback that keeps what it receives (aiosmtpd)."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                from email import message_from_bytes
                from email import policy

                sink.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def __enter__(self) -> Sink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_port() -> int:
    return _free_port()


@pytest.fixture
def mail_app(tmp_path: Path, smtp_port: int) -> Iterator[Flask]:
    app = _build(
        tmp_path / "instance",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_port,
        SMTP_FROM="kb@1414.kz",
        PUBLIC_URL="https://kb.1414.kz",
    )
    yield app
    _close(app)


def _publish_by_oleg(app: Flask) -> Any:
    oleg = _session(app, "oleg", "ru")
    aigul = _session(app, "aigul", "kk")
    _write(aigul, "kk", "id-card")
    aigul.post("/-/edit/kk/id-card/submit")
    oleg.post("/-/edit/kk/id-card/submit")  # already in review: refused, no notice
    rev2 = _session(app, "rev2", "ru")
    rev2.post("/-/edit/kk/id-card/approve")
    return rev2.post("/-/edit/kk/id-card/publish")


def test_emails_reach_the_sink_in_each_recipients_language(mail_app: Flask, smtp_port: int) -> None:
    with Sink(smtp_port) as sink:
        assert _publish_by_oleg(mail_app).status_code == 302
    by_rcpt: dict[str, list[Any]] = {}
    for message in sink.messages:
        by_rcpt.setdefault(message["To"], []).append(message)
    # Submission → both reviewers, each in their language; approval, publication → author.
    reviewer_mail = by_rcpt["reviewer@example.kz"][0]
    assert reviewer_mail["Content-Language"] == "kk"
    assert "мақаласын тексеруге жіберді" in reviewer_mail.get_content()
    assert "Тексеруді күтуде" in reviewer_mail["Subject"]
    rev2_mail = by_rcpt["rev2@example.kz"][0]
    assert rev2_mail["Content-Language"] == "ru" and "отправил(а) на проверку" in (
        rev2_mail.get_content()
    )
    author = [m.get_content() for m in by_rcpt["aigul@example.kz"]]
    assert len(author) == 2 and "бекітті" in author[0] and "жарияланды" in author[1]
    assert "https://kb.1414.kz/-/edit/kk/id-card" in author[1]
    assert all(m["From"] == "kb@1414.kz" for m in sink.messages)
    assert {n.mail_state for n in _notes(mail_app, "aigul")} == {"sent"}


def test_a_failing_smtp_server_does_not_fail_the_publication(
    mail_app: Flask, smtp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on the port: every send is refused.
    response = _publish_by_oleg(mail_app)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/-/edit/kk/id-card"
    )
    store = mail_app.extensions["kb"].store
    assert store.state("kk", "id-card").status.value == "published"
    assert "not sent" in caplog.text
    notes = _notes(mail_app, "aigul")
    assert [n.kind for n in notes] == ["approved", "published"]
    assert all(n.mail_state == "pending" and n.mail_attempts == 1 for n in notes)
    assert all("Connection" in n.mail_error or "refused" in n.mail_error for n in notes)
    # The inbox has them anyway.
    assert "жарияланды" in _session(mail_app, "aigul", "kk").get("/-/inbox/").get_data(as_text=True)
    # Later the server is back: the retry (its time moved to now) delivers them.
    from kb.models import db
    from kb.models import utcnow
    from kb.notifications import mail
    from kb.notifications.models import Notification

    with mail_app.app_context():
        db.session.query(Notification).update({"mail_next": utcnow()})
        db.session.commit()
        with Sink(smtp_port) as sink:
            sent = mail.deliver()
        assert sent == 4  # two reviewers' submissions, the author's approval and publication
        assert mail.deliver() == 0  # nothing twice
    assert len(sink.messages) == 4
    assert {n.mail_state for n in _notes(mail_app, "aigul")} == {"sent"}


def test_a_broken_database_for_notifications_does_not_fail_the_action(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.notifications import events

    def broken(*args: Any, **kwargs: Any) -> list[Any]:
        raise RuntimeError("database is gone")

    monkeypatch.setattr(events, "create", broken)
    aigul = _session(app, "aigul", "kk")
    _write(aigul, "kk", "id-card")
    assert aigul.post("/-/edit/kk/id-card/submit").status_code == 302
    assert app.extensions["kb"].store.state("kk", "id-card").status.value == "in_review"


def test_smtp_settings_are_checked() -> None:
    from kb.config import ConfigError
    from kb.config import resolve

    base = {"SECRET_KEY": "x" * 20}
    with pytest.raises(ConfigError, match="SMTP_FROM"):
        resolve(Path("/tmp/none"), {**base, "SMTP_HOST": "mail.local"}, environ={})
    with pytest.raises(ConfigError, match="SMTP_PORT"):
        resolve(
            Path("/tmp/none"),
            {**base, "SMTP_HOST": "m", "SMTP_FROM": "a@b", "SMTP_PORT": 0},
            environ={},
        )


# -- scheduled publication, the scheduler thread, the command --------------------------------


def test_a_publication_on_schedule_notifies_the_author(app: Flask) -> None:
    from kb.notifications.jobs import scheduled_hook

    aigul = _session(app, "aigul", "kk")
    _write(aigul, "kk", "new-law")
    aigul.post("/-/edit/kk/new-law/submit")
    rev2 = _session(app, "rev2", "ru")
    rev2.post("/-/edit/kk/new-law/approve")
    effective = dt.date.today() + dt.timedelta(days=30)
    rev2.post("/-/edit/kk/new-law/publish", {"effective": effective.isoformat()})
    assert [n.kind for n in _notes(app, "aigul")] == ["approved"]  # scheduled: not yet
    later = dt.datetime.combine(effective, dt.time(0, 1)).astimezone()
    done = app.extensions["kb"].publish_due(now=later)
    assert done == [("kk", "new-law")]
    scheduled_hook(app)(done)
    notes = _notes(app, "aigul")
    assert [n.kind for n in notes] == ["approved", "published"] and notes[1].actor == ""


def test_the_scheduler_thread_runs_the_notification_round(app: Flask) -> None:
    import threading

    from kb import scheduler

    ran = threading.Event()
    stop = scheduler.start(app.extensions["kb"], 0.05, jobs=[ran.set])
    try:
        assert ran.wait(10), "the scheduler thread never ran the job"
    finally:
        stop.set()


def test_kb_notify_command(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from kb.cli import main

    soon = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    _write(_session(app, "aigul", "kk"), "kk", "soon", review_by=soon)
    monkeypatch.setenv("KB_HOME", app.instance_path)
    monkeypatch.setenv("KB_SECRET_KEY", "test-secret-key-0123456789")
    monkeypatch.setenv("KB_DATABASE_URL", app.config["DATABASE_URL"])
    result = CliRunner().invoke(main, ["notify"])
    assert result.exit_code == 0, result.output
    assert "Made 1 review-by reminder(s); sent 0 e-mail(s)." in result.output
    again = CliRunner().invoke(main, ["notify"])
    assert "Made 0 review-by reminder(s)" in again.output
    assert [n.kind for n in _notes(app, "aigul")] == ["review_near"]


def test_a_deactivated_owner_does_not_block_other_edits(app: Flask) -> None:
    from kb.models import User
    from kb.models import db

    aigul = _session(app, "aigul", "kk")
    _write(aigul, "kk", "kept", owner="oleg")
    with app.app_context():
        db.session.query(User).filter_by(name="oleg").one().active = False
        db.session.commit()
    _text, revision = _file(app, "kk", "kept")
    form = new_article_form("kk", "kept", owner="oleg", expected_revision=revision)
    form["keywords"] = "куәлік, жаңа"
    assert aigul.post("/-/edit/kk/kept/edit", form).status_code == 302
    # Naming another unknown owner is still refused.
    _text, revision = _file(app, "kk", "kept")
    form = new_article_form("kk", "kept", owner="ghost", expected_revision=revision)
    assert aigul.post("/-/edit/kk/kept/edit", form).status_code == 400
