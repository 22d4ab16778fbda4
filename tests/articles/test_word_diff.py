"""Word-level diff structure and its safe HTML."""

from __future__ import annotations

import pytest

from articles.diff import tokens
from articles.diff import word_diff


@pytest.mark.parametrize(
    ("old", "new", "deleted", "inserted"),
    [
        ("Мерзімі 15 жұмыс күні.", "Мерзімі 10 жұмыс күні.", "15", "10"),
        ("Срок 15 рабочих дней.", "Срок 10 календарных дней.", "15рабочих", "10календарных"),
    ],
)
def test_word_diff(old: str, new: str, deleted: str, inserted: str) -> None:
    diff = word_diff(old, new)
    assert diff.changed and diff.deleted == deleted and diff.inserted == inserted
    # the runs rebuild both texts
    assert "".join(o.text for o in diff.ops if o.op != "insert") == old
    assert "".join(o.text for o in diff.ops if o.op != "delete") == new


def test_identical_texts() -> None:
    diff = word_diff("ХҚКО = ЦОН", "ХҚКО = ЦОН")
    assert not diff.changed and diff.html() == "ХҚКО = ЦОН"


def test_html_is_escaped() -> None:
    html = word_diff('<a href="x">', '<script>alert("ЦОН")</script>').html()
    assert "<script>" not in html and "<a " not in html
    assert "<ins>script&gt;alert(</ins>" in html and "<del>a href=</del>" in html


def test_tokens_keep_everything() -> None:
    text = "Өтініш, ЭЦҚ/ЭЦП  және\tт.б."
    assert "".join(tokens(text)) == text
