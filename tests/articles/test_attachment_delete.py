"""Listing and deleting an article's attachments in the store (real git), kk and ru.

Deleting is a commit on the draft line; it is refused while the draft or the published
text still shows the file, and the history (so a rollback) keeps it.
"""

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

from articles.attachments import AttachmentInUse
from articles.errors import ArticleNotFound
from articles.store import ArticleStore
from tests.attachment_files import PDF
from tests.attachment_files import png


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_list_gives_kind_size_upload_and_use(
    store: ArticleStore, make_text: MakeText, lang: str
) -> None:
    store.save(lang, "pasport", make_text(lang), actor=AUTHOR)
    assert store.attachment_list(lang, "pasport") == []
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    image = store.save_attachment(lang, "pasport", png(), "схема.png", actor=AUTHOR)
    document = store.save_attachment(lang, "pasport", PDF, "өтініш.pdf", actor=OTHER)
    draft = store.get(lang, "pasport")
    shown = make_text(lang, body=f"![схема]({image.url})\n")
    store.save(lang, "pasport", shown, actor=AUTHOR, expected_revision=draft.revision)

    listed = {a.name: a for a in store.attachment_list(lang, "pasport")}
    assert set(listed) == {image.name, document.name}
    pic, pdf = listed[image.name], listed[document.name]
    assert (pic.type.kind, pic.size, pic.url) == ("png", len(png()), image.url)
    assert (pdf.type.kind, pdf.size) == ("pdf", len(PDF))
    assert pic.uploaded_by == f"{AUTHOR.name} <{AUTHOR.email}>"
    assert pdf.uploaded_by == f"{OTHER.name} <{OTHER.email}>"
    assert pic.uploaded_at is not None and pic.uploaded_at.utcoffset() == dt.timedelta(0)
    assert before <= pic.uploaded_at <= dt.datetime.now(dt.UTC)
    assert (pic.in_draft, pic.in_published) == (True, False)
    assert (pdf.in_draft, pdf.in_published) == (False, False)
    # newest upload first
    assert [a.name for a in store.attachment_list(lang, "pasport")][0] == document.name

    publish(store, lang, "pasport")
    pic = {a.name: a for a in store.attachment_list(lang, "pasport")}[image.name]
    assert (pic.in_draft, pic.in_published) == (True, True)


def test_delete_is_a_commit_and_refused_while_a_text_shows_the_file(
    store: ArticleStore, make_text: MakeText
) -> None:
    store.save("ru", "pasport", make_text("ru"), actor=AUTHOR)
    image = store.save_attachment("ru", "pasport", png(), "схема.png", actor=AUTHOR)
    unused = store.save_attachment("ru", "pasport", PDF, "бланк.pdf", actor=AUTHOR)

    # an unused file: one commit on main by the editor, nothing else moves
    published = store.published_head()
    store.delete_attachment("ru", "pasport", unused.name, actor=OTHER)
    assert store.attachments("ru", "pasport") == [image.name]
    assert store.published_head() == published
    subject = git(store, "log", "-1", "--format=%an|%s", "refs/heads/main")
    assert subject.strip() == f"{OTHER.name}|Remove {unused.name} from ru/pasport"
    with pytest.raises(ArticleNotFound) as gone:
        store.delete_attachment("ru", "pasport", unused.name, actor=OTHER)
    assert gone.value.code == "not_attached"

    # shown by the draft: refused, nothing written
    draft = store.get("ru", "pasport")
    shown = make_text("ru", body=f"![схема]({image.url})\n")
    store.save("ru", "pasport", shown, actor=AUTHOR, expected_revision=draft.revision)
    before = snapshot(store)
    with pytest.raises(AttachmentInUse) as in_draft:
        store.delete_attachment("ru", "pasport", image.name, actor=AUTHOR)
    assert in_draft.value.code == "in_draft" and in_draft.value.name == image.name
    assert snapshot(store) == before

    # published, then taken out of the draft: the published version still shows it
    publish(store, "ru", "pasport")
    published_v1 = store.published_head()
    draft = store.get("ru", "pasport")
    store.save("ru", "pasport", make_text("ru"), actor=AUTHOR, expected_revision=draft.revision)
    before = snapshot(store)
    with pytest.raises(AttachmentInUse) as in_published:
        store.delete_attachment("ru", "pasport", image.name, actor=AUTHOR)
    assert in_published.value.code == "in_published"
    assert snapshot(store) == before

    # once a version without it is published, it may go; a rollback still finds it
    publish(store, "ru", "pasport")
    store.delete_attachment("ru", "pasport", image.name, actor=AUTHOR)
    assert store.attachments("ru", "pasport") == []
    store.rollback("ru", "pasport", published_v1, actor=REVIEWER)
    found = store.read_attachment("ru", "pasport", image.name, "published")
    assert found is not None and found[1] == png()


def test_delete_refuses_names_that_are_not_attachments(
    store: ArticleStore, make_text: MakeText
) -> None:
    store.save("kk", "pasport", make_text("kk"), actor=AUTHOR)
    before = snapshot(store)
    for name in ("../pasport.md", "pasport.md", "a.png"):
        with pytest.raises(ArticleNotFound):
            store.delete_attachment("kk", "pasport", name, actor=AUTHOR)
    assert snapshot(store) == before
