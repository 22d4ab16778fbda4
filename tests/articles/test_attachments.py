"""Attachments in the content store: checked by content, versioned, published with the text."""

from __future__ import annotations

import pytest
from articles_support import AUTHOR
from articles_support import REVIEWER
from articles_support import MakeText
from articles_support import git
from articles_support import publish
from articles_support import snapshot

from articles.attachments import AttachmentLimits
from articles.attachments import AttachmentRefused
from articles.attachments import check
from articles.attachments import markdown_reference
from articles.render import render
from articles.store import ArticleStore
from tests.attachment_files import DISGUISED_HTML
from tests.attachment_files import PDF
from tests.attachment_files import SVG
from tests.attachment_files import docx_with_image
from tests.attachment_files import docx_with_macros
from tests.attachment_files import jpeg
from tests.attachment_files import noisy_png
from tests.attachment_files import png
from tests.security.hostile import pixel_bomb_png
from tests.security.hostile import zip_bomb_docx

LIMITS = AttachmentLimits()


@pytest.mark.parametrize(
    ("name", "data", "kind", "mime"),
    [
        ("схема.png", png(), "png", "image/png"),
        ("photo.JPG", jpeg(), "jpeg", "image/jpeg"),
        ("жаднал.pdf", PDF, "pdf", "application/pdf"),
        ("form.docx", docx_with_image("Өтініш", png()), "docx", "application/vnd."),
        ("wrong-name.png", jpeg(), "jpeg", "image/jpeg"),  # the content decides, not the name
    ],
    ids=["png", "jpeg", "pdf", "docx", "jpeg-named-png"],
)
def test_accepted_files_are_typed_by_content(name: str, data: bytes, kind: str, mime: str) -> None:
    checked = check(data, name, "kk", "pasport", LIMITS)
    assert checked.type.kind == kind
    assert checked.type.mime.startswith(mime)
    assert checked.name.endswith("." + checked.type.ext)
    assert checked.path == f"kk/pasport.files/{checked.name}"
    assert checked.url == f"/-/files/kk/pasport/{checked.name}"


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("photo.png", DISGUISED_HTML, "html"),
        ("scheme.svg", SVG, "svg"),
        ("scheme.png", SVG, "svg"),
        ("macro.docx", docx_with_macros(), "macros"),
        ("cut.png", png()[:45], "broken_image"),
        ("empty.png", b"", "empty"),
        ("notes.txt", b"plain words", "unknown_type"),
        ("fake.pdf", b"%PDF-1.4 no trailer", "broken_document"),
        ("fake.docx", b"PK\x03\x04 not a zip", "broken_document"),
        ("bomb.png", pixel_bomb_png(), "pixel_bomb"),
        ("wide.png", pixel_bomb_png(9000, 9000), "too_many_pixels"),
        ("bomb.docx", zip_bomb_docx(), "broken_document"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_refused_files_name_the_problem(name: str, data: bytes, code: str) -> None:
    with pytest.raises(AttachmentRefused) as caught:
        check(data, name, "ru", "pasport", LIMITS)
    assert caught.value.code == code
    assert ":" in caught.value.message  # problem, then the fix


def test_size_pixel_and_kind_limits() -> None:
    big = noisy_png(100, 100)
    with pytest.raises(AttachmentRefused) as caught:
        check(big, "big.png", "ru", "a", AttachmentLimits(max_bytes=len(big) - 1))
    assert caught.value.code == "too_large"
    assert caught.value.params == {"size": len(big), "limit": len(big) - 1}
    with pytest.raises(AttachmentRefused) as pixels:
        check(png(40, 30), "wide.png", "ru", "a", AttachmentLimits(max_pixels=1000))
    assert pixels.value.code == "too_many_pixels" and pixels.value.params["width"] == 40
    with pytest.raises(AttachmentRefused) as kind:
        check(PDF, "a.pdf", "ru", "a", AttachmentLimits(kinds=frozenset({"png"})))
    assert kind.value.code == "kind_off"


def test_same_bytes_same_name_and_reference_is_markdown() -> None:
    first = check(png(), "Схема ЦОН.png", "ru", "a", LIMITS)
    again = check(png(), "other.png", "ru", "a", LIMITS)
    assert first.name.rsplit("-", 1)[1] == again.name.rsplit("-", 1)[1]
    assert first.name.startswith("image-")  # Cyrillic stem: only the hash names it
    assert markdown_reference(first, "Схема [ЦОН]") == f"![Схема ЦОН]({first.url})"
    document = check(PDF, "Бланк.pdf", "ru", "a", LIMITS)
    assert markdown_reference(document, "Бланк.pdf") == f"[Бланк.pdf]({document.url})"


def test_sanitiser_keeps_only_own_attachment_images() -> None:
    own = check(png(), "a.png", "ru", "a", LIMITS).url
    html = render(
        f"![ok]({own}) ![far](https://example.com/x.png) ![up](/-/files/ru/a/../../x.png)"
    ).html
    assert f'src="{own}"' in html
    assert html.count("src=") == 1


def test_upload_publish_and_versions(store: ArticleStore, make_text: MakeText) -> None:
    store.save("ru", "pasport", make_text("ru"), actor=AUTHOR)
    first = store.save_attachment("ru", "pasport", png(), "схема.png", actor=AUTHOR)
    assert store.attachments("ru", "pasport") == [first.name]
    assert store.read_attachment("ru", "pasport", first.name, "published") is None
    # uploading the same bytes again makes no commit
    before = snapshot(store)
    store.save_attachment("ru", "pasport", png(), "схема.png", actor=AUTHOR)
    assert snapshot(store) == before
    draft = store.get("ru", "pasport")
    text = make_text("ru", body=f"Схема:\n\n![схема]({first.url})\n")
    store.save("ru", "pasport", text, actor=AUTHOR, expected_revision=draft.revision)
    unused = store.save_attachment("ru", "pasport", jpeg(), "unused.jpg", actor=AUTHOR)
    publish(store, "ru", "pasport")
    found = store.read_attachment("ru", "pasport", first.name, "published")
    assert found is not None and found[0].mime == "image/png" and found[1] == png()
    # an upload the published text does not show stays on the draft line only
    assert store.read_attachment("ru", "pasport", unused.name, "published") is None
    assert store.attachments("ru", "pasport", "published") == [first.name]
    published_v1 = store.published_head()

    # version 2 shows another image: the published line swaps them, v1 keeps its own
    second = store.save_attachment("ru", "pasport", png(color=(1, 2, 3)), "s2.png", actor=AUTHOR)
    draft = store.get("ru", "pasport")
    text2 = make_text("ru", body=f"Новая схема:\n\n![схема]({second.url})\n")
    store.save("ru", "pasport", text2, actor=AUTHOR, expected_revision=draft.revision)
    publish(store, "ru", "pasport")
    assert store.attachments("ru", "pasport", "published") == [second.name]
    listing = git(store, "ls-tree", "-r", "--name-only", published_v1, "ru/pasport.files")
    assert listing.split() == [f"ru/pasport.files/{first.name}"]

    # rolling back to v1 brings its image back onto the published line
    store.rollback("ru", "pasport", published_v1, actor=REVIEWER)
    assert store.attachments("ru", "pasport", "published") == [first.name]

    # retiring removes the attachments from the published line
    store.unpublish("ru", "pasport", actor=REVIEWER)
    assert store.attachments("ru", "pasport", "published") == []


def test_upload_needs_a_draft_and_refusals_write_nothing(
    store: ArticleStore, make_text: MakeText
) -> None:
    before = snapshot(store)
    with pytest.raises(AttachmentRefused) as caught:
        store.save_attachment("kk", "zhok", png(), "a.png", actor=AUTHOR)
    assert caught.value.code == "no_article"
    store.save("kk", "pasport", make_text("kk"), actor=AUTHOR)
    before = snapshot(store)
    with pytest.raises(AttachmentRefused):
        store.save_attachment("kk", "pasport", DISGUISED_HTML, "a.png", actor=AUTHOR)
    assert snapshot(store) == before


def test_other_articles_are_unaffected_and_listing_ignores_files(
    store: ArticleStore, make_text: MakeText
) -> None:
    store.save("kk", "pasport", make_text("kk"), actor=AUTHOR)
    store.save_attachment("kk", "pasport", png(), "a.png", actor=AUTHOR)
    assert [a.slug for a in store.list()] == ["pasport"]
    assert store.read_attachment("kk", "pasport", "../pasport.md", "draft") is None
    assert store.read_attachment("kk", "pasport", "a.png", "draft") is None
