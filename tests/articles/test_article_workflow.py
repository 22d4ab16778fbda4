"""Editorial workflow: every transition and refusal, scheduling, translations, history."""

from __future__ import annotations

import datetime as dt

import pytest
from articles_support import AUTHOR
from articles_support import OTHER
from articles_support import REVIEWER
from articles_support import MakeText
from articles_support import git
from articles_support import publish
from articles_support import snapshot

from articles.errors import ArticleNotFound
from articles.errors import WorkflowError
from articles.model import Status
from articles.slugs import article_path
from articles.store import ArticleStore

ALMATY = dt.timezone(dt.timedelta(hours=5))


def refused(store: ArticleStore, code: str, call, *args, **kwargs) -> WorkflowError:  # type: ignore[no-untyped-def]
    """Assert ``call`` raises WorkflowError ``code`` and leaves the repository unchanged."""
    before = snapshot(store)
    with pytest.raises(WorkflowError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value.message
    assert snapshot(store) == before
    return info.value


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_full_cycle_readers_keep_the_published_version(
    store: ArticleStore, make_text: MakeText, lang: str
) -> None:
    first = store.save(lang, "passport", make_text(lang), actor=AUTHOR)
    assert store.state(lang, "passport").status is Status.DRAFT
    assert store.submit(lang, "passport", actor=AUTHOR).status is Status.IN_REVIEW
    state = store.approve(lang, "passport", actor=REVIEWER)
    assert state.status is Status.APPROVED and state.approved_blob == first.blob
    state = store.publish(lang, "passport", actor=REVIEWER)
    assert state.status is Status.PUBLISHED and state.published_blob == first.blob
    # a new draft under review does not change what readers see
    store.save(
        lang,
        "passport",
        make_text(lang, body="Жаңа / Новый\n"),
        actor=AUTHOR,
        expected_revision=first.revision,
    )
    store.submit(lang, "passport", actor=AUTHOR)
    assert store.get(lang, "passport", line="published").body == first.body
    assert store.get(lang, "passport").body == "Жаңа / Новый\n"
    store.approve(lang, "passport", actor=REVIEWER)
    store.publish(lang, "passport", actor=REVIEWER)
    assert store.get(lang, "passport", line="published").body == "Жаңа / Новый\n"
    # traceable: who wrote, who approved, which draft
    message = git(store, "log", "-1", "--format=%an|%B", "published")
    assert message.startswith(f"{REVIEWER.name}|Publish {lang}/passport")
    assert f"Written-by: {AUTHOR}" in message and f"Approved-by: {REVIEWER}" in message
    assert "Draft-commit: " in message
    assert git(store, "status", "--porcelain") == ""


def test_refusals(store: ArticleStore, make_text: MakeText) -> None:
    store.save("ru", "passport", make_text("ru"), actor=AUTHOR)
    refused(store, "not_in_review", store.approve, "ru", "passport", actor=REVIEWER)
    refused(store, "not_approved", store.publish, "ru", "passport", actor=REVIEWER)
    refused(store, "not_in_review", store.reject, "ru", "passport", actor=REVIEWER, comment="x")
    refused(store, "not_published", store.unpublish, "ru", "passport", actor=REVIEWER)
    store.submit("ru", "passport", actor=AUTHOR)
    refused(store, "already_in_review", store.submit, "ru", "passport", actor=AUTHOR)
    refused(store, "self_approval", store.approve, "ru", "passport", actor=AUTHOR)
    refused(store, "comment_required", store.reject, "ru", "passport", actor=REVIEWER, comment=" ")
    refused(store, "not_approved", store.publish, "ru", "passport", actor=REVIEWER)
    store.approve("ru", "passport", actor=REVIEWER)
    refused(store, "already_approved", store.submit, "ru", "passport", actor=AUTHOR)
    store.publish("ru", "passport", actor=REVIEWER)
    refused(store, "no_changes", store.submit, "ru", "passport", actor=AUTHOR)
    refused(store, "not_approved", store.publish, "ru", "passport", actor=REVIEWER)


def test_self_approval_flag(tmp_path, make_text: MakeText) -> None:  # type: ignore[no-untyped-def]
    with ArticleStore.init(tmp_path / "c", allow_self_approval=True) as store:
        store.save("kk", "passport", make_text("kk"), actor=AUTHOR)
        store.submit("kk", "passport", actor=AUTHOR)
        assert store.approve("kk", "passport", actor=AUTHOR).approved_by == str(AUTHOR)


def test_reviewer_who_edited_cannot_approve(store: ArticleStore, make_text: MakeText) -> None:
    first = store.save("kk", "passport", make_text("kk"), actor=AUTHOR)
    store.save(
        "kk",
        "passport",
        make_text("kk", body="Түзету\n"),
        actor=REVIEWER,
        expected_revision=first.revision,
    )
    store.submit("kk", "passport", actor=AUTHOR)
    refused(store, "self_approval", store.approve, "kk", "passport", actor=REVIEWER)
    assert store.approve("kk", "passport", actor=AUTHOR).status is Status.APPROVED


def test_reject_sends_back_with_comment(store: ArticleStore, make_text: MakeText) -> None:
    store.save("ru", "passport", make_text("ru"), actor=AUTHOR)
    store.submit("ru", "passport", actor=AUTHOR)
    state = store.reject("ru", "passport", actor=REVIEWER, comment="Уточните срок / мерзімін")
    assert state.status is Status.DRAFT and state.rejected_by == str(REVIEWER)
    assert state.comment == "Уточните срок / мерзімін"
    assert "Rejected-by" in git(store, "log", "-1", "--format=%B", "main")
    assert store.submit("ru", "passport", actor=AUTHOR).comment is None


@pytest.mark.parametrize("status", ["approved", "scheduled"])
def test_editing_an_approved_article_needs_a_new_review(
    store: ArticleStore, make_text: MakeText, status: str
) -> None:
    first = store.save("ru", "passport", make_text("ru"), actor=AUTHOR)
    store.submit("ru", "passport", actor=AUTHOR)
    store.approve("ru", "passport", actor=REVIEWER)
    if status == "scheduled":
        store.publish("ru", "passport", actor=REVIEWER, effective=dt.date(2099, 1, 1))
    assert store.state("ru", "passport").status == status
    store.save(
        "ru",
        "passport",
        make_text("ru", body="Изменено\n"),
        actor=OTHER,
        expected_revision=first.revision,
    )
    state = store.state("ru", "passport")
    assert state.status is Status.DRAFT and state.approved_by is None
    refused(store, "not_approved", store.publish, "ru", "passport", actor=REVIEWER)
    assert store.publish_due(dt.datetime(2100, 1, 1, tzinfo=ALMATY)) == []


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_effective_dated_publishing(store: ArticleStore, make_text: MakeText, lang: str) -> None:
    store.save(lang, "tax", make_text(lang, id="tax"), actor=AUTHOR)
    store.submit(lang, "tax", actor=AUTHOR)
    store.approve(lang, "tax", actor=REVIEWER)
    dec31 = dt.datetime(2026, 12, 31, 23, 59, tzinfo=ALMATY)
    state = store.publish(lang, "tax", actor=REVIEWER, effective=dt.date(2027, 1, 1), now=dec31)
    assert state.status is Status.SCHEDULED and state.scheduled_for == "2027-01-01"
    assert not store.exists(lang, "tax", "published")
    assert store.publish_due(dec31) == []
    jan1 = dt.datetime(2027, 1, 1, 0, 0, tzinfo=ALMATY)
    assert store.publish_due(jan1) == [(lang, "tax")]
    assert store.exists(lang, "tax", "published")
    assert store.state(lang, "tax").status is Status.PUBLISHED
    author = git(store, "log", "-1", "--format=%an|%cn", "published").strip()
    assert author == f"{REVIEWER.name}|kb1414"
    assert "Scheduled-for: 2027-01-01" in git(store, "log", "-1", "--format=%B", "published")
    assert store.publish_due(jan1) == []


def test_effective_in_the_past_or_datetime(store: ArticleStore, make_text: MakeText) -> None:
    for slug in ("a", "b"):
        store.save("kk", slug, make_text("kk", id=slug), actor=AUTHOR)
        store.submit("kk", slug, actor=AUTHOR)
        store.approve("kk", slug, actor=REVIEWER)
    now = dt.datetime(2027, 3, 1, 12, 0, tzinfo=ALMATY)
    assert (
        store.publish("kk", "a", actor=REVIEWER, effective=dt.date(2027, 1, 1), now=now).status
        == "published"
    )
    later = now + dt.timedelta(hours=2)
    assert store.publish("kk", "b", actor=REVIEWER, effective=later, now=now).status == "scheduled"
    assert store.publish_due(now + dt.timedelta(hours=1)) == []
    assert store.publish_due(later) == [("kk", "b")]


def test_unpublish_and_bring_back(store: ArticleStore, make_text: MakeText) -> None:
    store.save("ru", "old", make_text("ru", id="old"), actor=AUTHOR)
    publish(store, "ru", "old")
    state = store.unpublish("ru", "old", actor=REVIEWER, comment="Закон утратил силу")
    assert state.status is Status.RETIRED and not store.exists("ru", "old", "published")
    assert store.exists("ru", "old")  # the draft stays
    refused(store, "not_published", store.unpublish, "ru", "old", actor=REVIEWER)
    assert store.submit("ru", "old", actor=AUTHOR).status is Status.IN_REVIEW


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_draft_never_published_can_be_deleted(
    store: ArticleStore, make_text: MakeText, lang: str
) -> None:
    store.save(lang, "typo-slug", make_text(lang, id="typo-slug"), actor=AUTHOR)
    store.submit(lang, "typo-slug", actor=AUTHOR)  # a workflow record goes too
    store.save(lang, "kept", make_text(lang, id="kept"), actor=AUTHOR)
    commit = store.delete_draft(lang, "typo-slug", actor=AUTHOR, comment="Қате / ошибка")
    assert not store.exists(lang, "typo-slug")
    assert [a.slug for a in store.list(lang=lang)] == ["kept"]
    assert git(store, "log", "-1", "--format=%an|%s", "main").strip() == (
        f"{AUTHOR.name}|Delete draft {lang}/typo-slug"
    )
    # history keeps the text: the file is in the commit before the deletion
    before = f"{commit}~1:{article_path(lang, 'typo-slug')}"
    assert git(store, "cat-file", "-t", before).strip() == "blob"
    with pytest.raises(ArticleNotFound):
        store.delete_draft(lang, "typo-slug", actor=AUTHOR)


def test_a_published_or_retired_article_is_not_deleted(
    store: ArticleStore, make_text: MakeText
) -> None:
    store.save("kk", "tax", make_text("kk", id="tax"), actor=AUTHOR)
    publish(store, "kk", "tax")
    refused(store, "was_published", store.delete_draft, "kk", "tax", actor=AUTHOR)
    store.unpublish("kk", "tax", actor=REVIEWER, comment="Заң күшін жойды")
    refused(store, "was_published", store.delete_draft, "kk", "tax", actor=AUTHOR)
    assert store.exists("kk", "tax")


def test_due_for_review(store: ArticleStore, make_text: MakeText) -> None:
    store.save("kk", "a", make_text("kk", id="a", review_by=dt.date(2026, 1, 1)), actor=AUTHOR)
    store.save("ru", "a", make_text("ru", id="a", review_by=dt.date(2027, 1, 1)), actor=AUTHOR)
    store.save("ru", "b", make_text("ru", id="b"), actor=AUTHOR)
    assert [(a.lang, a.slug) for a in store.due_for_review(dt.date(2026, 6, 1))] == [("kk", "a")]
    assert len(store.due_for_review(dt.date(2027, 1, 1))) == 2


# -- translations ---------------------------------------------------------------------------


def test_outdated_translation_marking(store: ArticleStore, make_text: MakeText) -> None:
    kk = store.save("kk", "tolqujat", make_text("kk"), actor=AUTHOR)
    ru = store.save("ru", "passport", make_text("ru"), actor=AUTHOR)
    assert [a.path for a in store.translations("kk", "tolqujat")] == ["ru/passport.md"]
    publish(store, "kk", "tolqujat")
    publish(store, "ru", "passport")
    assert store.outdated_translations() == []  # first publications mark nothing
    store.save(
        "ru",
        "passport",
        make_text("ru", body="Срок 10 дней\n"),
        actor=AUTHOR,
        expected_revision=ru.revision,
    )
    assert store.outdated_translations() == []  # a draft is not a publication
    publish(store, "ru", "passport")
    assert store.outdated_translations() == [("kk", "tolqujat", "ru")]
    assert store.state("kk", "tolqujat").outdated
    # updating and publishing the Kazakh version clears the mark, and marks nothing back
    store.save(
        "kk",
        "tolqujat",
        make_text("kk", body="Мерзімі 10 күн\n"),
        actor=AUTHOR,
        expected_revision=kk.revision,
    )
    assert store.outdated_translations() == [("kk", "tolqujat", "ru")]
    publish(store, "kk", "tolqujat")
    assert store.outdated_translations() == [("ru", "passport", "kk")]
    store.confirm_translation("ru", "passport", actor=AUTHOR)
    assert store.outdated_translations() == []


# -- history, diff, rollback ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_history_diff_and_rollback(store: ArticleStore, make_text: MakeText, lang: str) -> None:
    v1 = store.save(
        lang, "fee", make_text(lang, id="fee", body="Баж 0,5 АЕК <тегін>\n"), actor=AUTHOR
    )
    publish(store, lang, "fee")
    v2 = store.save(
        lang,
        "fee",
        make_text(lang, id="fee", body="Баж 1 АЕК <тегін>\n"),
        actor=OTHER,
        expected_revision=v1.revision,
    )
    publish(store, lang, "fee")
    history = store.history(lang, "fee")
    edits = [r for r in history if r.line == "draft" and r.changed_text]
    assert [r.author for r in edits] == [OTHER.name, AUTHOR.name]
    assert all(r.reviewer == str(REVIEWER) for r in edits)
    published = [r for r in history if r.line == "published"]
    assert len(published) == 2 and all(r.reviewer == str(REVIEWER) for r in published)
    assert any(r.subject.startswith("Approve") for r in history)
    assert history == sorted(history, key=lambda r: r.date, reverse=True)

    diff = store.diff(lang, "fee", v1.revision, v2.revision)
    assert diff.deleted == "0,5" and diff.inserted == "1"
    html = diff.html()
    assert (
        "<del>0,5</del><ins>1</ins>" in html and "&lt;тегін&gt;" in html and "<тегін>" not in html
    )

    commits_before = int(git(store, "rev-list", "--count", "--all"))
    state = store.rollback(lang, "fee", v1.revision, actor=REVIEWER)
    assert state.status is Status.PUBLISHED
    assert store.get(lang, "fee", line="published").body == "Баж 0,5 АЕК <тегін>\n"
    assert store.get(lang, "fee").body == "Баж 0,5 АЕК <тегін>\n"
    assert int(git(store, "rev-list", "--count", "--all")) == commits_before + 2
    assert git(store, "cat-file", "-t", v2.revision).strip() == "commit"  # not rewritten
    message = git(store, "log", "-1", "--format=%B", "published")
    assert "Rollback-to: " + v1.revision in message
    assert f"Written-by: {AUTHOR}" in message and f"Approved-by: {REVIEWER}" in message


def test_rollback_refuses_a_never_published_version(
    store: ArticleStore, make_text: MakeText
) -> None:
    v1 = store.save("ru", "x", make_text("ru", id="x"), actor=AUTHOR)
    publish(store, "ru", "x")
    v2 = store.save(
        "ru",
        "x",
        make_text("ru", id="x", body="Черновик\n"),
        actor=AUTHOR,
        expected_revision=v1.revision,
    )
    refused(store, "never_published", store.rollback, "ru", "x", v2.revision, actor=REVIEWER)


def test_imported_articles_have_a_derived_state(store: ArticleStore, make_text: MakeText) -> None:
    [kk, ru] = store.save_many(
        [("kk", "a", make_text("kk", id="a"), None), ("ru", "a", make_text("ru", id="a"), None)],
        actor=AUTHOR,
        publish=True,
    )
    assert git(store, "ls-tree", "-r", "main", ".workflow") == ""  # no records needed
    assert store.state("kk", "a").status is Status.PUBLISHED
    store.save(
        "kk",
        "a",
        make_text("kk", id="a", body="Өзгерді\n"),
        actor=OTHER,
        expected_revision=kk.revision,
    )
    state = store.state("kk", "a")
    assert state.status is Status.DRAFT and state.last_author == str(OTHER)
    store.submit("kk", "a", actor=OTHER)
    refused(store, "self_approval", store.approve, "kk", "a", actor=OTHER)
    store.approve("kk", "a", actor=REVIEWER)
    store.publish("kk", "a", actor=REVIEWER)
    assert store.get("kk", "a", line="published").body == "Өзгерді\n"
    assert store.outdated_translations() == [("ru", "a", "kk")]
    # re-importing the same texts commits nothing
    before = snapshot(store)
    store.save_many([("ru", "a", make_text("ru", id="a"), ru.revision)], actor=AUTHOR, publish=True)
    assert snapshot(store) == before


@pytest.mark.parametrize("bad", ["", "Name <x@y>", "a\nb"])
def test_actor_refuses_header_injection(bad: str) -> None:
    from articles.model import Actor

    with pytest.raises(ValueError):
        Actor(bad, "x@example.kz")


def test_signals_report_each_action_with_its_actor(
    store: ArticleStore, make_text: MakeText
) -> None:
    from articles import signals

    seen: list[tuple[str, str, str]] = []

    def record(sender: object, **data: object) -> None:
        # Only this store's: another test's background thread in this worker process
        # (a scheduler, a follower) may send the same signals meanwhile.
        if sender is store:
            seen.append((str(data["path"]), str(data["actor"]), str(data.get("reason", ""))))

    def broken(sender: object, **data: object) -> None:
        raise RuntimeError("audit database down")

    names = ["article_saved", "article_submitted", "article_approved", "article_published"]
    for name in names:
        getattr(signals, name).connect(record)
    signals.article_saved.connect(broken)
    try:
        store.save("kk", "s", make_text("kk", id="s"), actor=AUTHOR)  # broken receiver ignored
        publish(store, "kk", "s")
    finally:
        for name in names:
            getattr(signals, name).disconnect(record)
        signals.article_saved.disconnect(broken)
    assert seen == [
        ("kk/s.md", str(AUTHOR), ""),
        ("kk/s.md", str(AUTHOR), ""),
        ("kk/s.md", str(REVIEWER), ""),
        ("kk/s.md", str(REVIEWER), "publish"),
    ]


@pytest.mark.parametrize("status", ["approved", "scheduled"])
def test_reject_after_approval(store: ArticleStore, make_text: MakeText, status: str) -> None:
    store.save("ru", "r", make_text("ru", id="r"), actor=AUTHOR)
    store.submit("ru", "r", actor=AUTHOR)
    store.approve("ru", "r", actor=REVIEWER)
    if status == "scheduled":
        store.publish("ru", "r", actor=REVIEWER, effective=dt.date(2099, 1, 1))
    state = store.reject("ru", "r", actor=REVIEWER, comment="Закон изменился")
    assert state.status is Status.DRAFT and state.scheduled_for is None
    assert store.publish_due(dt.datetime(2100, 1, 1, tzinfo=ALMATY)) == []
