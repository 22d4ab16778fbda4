"""The synonyms.txt format and matching of synonym terms in queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import SynonymError
from search import load_synonyms
from search import parse_synonyms
from search.keys import all_keys
from search.synonyms import SynonymIndex

TEXT = """\
# Abbreviations of bodies and documents
ЦОН = ХҚКО = центр обслуживания населения = халыққа қызмет көрсету орталығы
ЭЦП = ЭЦҚ = электронная цифровая подпись   # trailing comment

ИИН = ЖСН
"""


def test_groups_are_parsed_with_line_numbers() -> None:
    groups = parse_synonyms(TEXT)
    assert [g.line for g in groups] == [2, 3, 5]
    assert groups[0].terms == (
        "ЦОН",
        "ХҚКО",
        "центр обслуживания населения",
        "халыққа қызмет көрсету орталығы",
    )
    assert groups[1].terms == ("ЭЦП", "ЭЦҚ", "электронная цифровая подпись")
    assert groups[2].terms == ("ИИН", "ЖСН")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("ЦОН", "has no ' = '"),
        ("ЦОН = = ХҚКО", "term 2 is empty"),
        ("= ЦОН = ХҚКО", "term 1 is empty"),
        ("ЦОН = ...", "term 2 ('...') has no letters"),
        ("ЦОН = ЦОН", "all terms are the same"),
    ],
)
def test_invalid_lines_name_the_line_and_the_fix(line: str, message: str) -> None:
    with pytest.raises(SynonymError, match=r"synonyms.txt, line 3: .*") as info:
        parse_synonyms(f"# header\nИИН = ЖСН\n{line}\n")
    assert message in str(info.value)
    assert info.value.line == 3


def test_bare_equals_sign_also_separates() -> None:
    assert parse_synonyms("ЦОН=ХҚКО")[0].terms == ("ЦОН", "ХҚКО")


def test_load_missing_file_means_no_groups(tmp_path: Path) -> None:
    assert load_synonyms(tmp_path / "synonyms.txt") == []
    (tmp_path / "synonyms.txt").write_text("БИН = БСН\n", encoding="utf-8")
    assert load_synonyms(tmp_path / "synonyms.txt")[0].terms == ("БИН", "БСН")


def test_terms_match_by_analysed_keys() -> None:
    synonyms = SynonymIndex(parse_synonyms(TEXT), all_keys)
    found = synonyms.expansions(["справка", "из", "ЦОНа"])
    assert [(e.start, e.end) for e in found] == [(2, 3)]
    assert ("ХҚКО",) in found[0].alternatives
    assert ("центр", "обслуживания", "населения") in found[0].alternatives


def test_multi_word_terms_match_inflected_runs() -> None:
    synonyms = SynonymIndex(parse_synonyms(TEXT), all_keys)
    found = synonyms.expansions(["в", "центре", "обслуживания", "населения"])
    assert [(e.start, e.end) for e in found] == [(1, 4)]
    assert ("ЦОН",) in found[0].alternatives


def test_kazakh_terms_match_inflected_forms() -> None:
    synonyms = SynonymIndex(parse_synonyms(TEXT), all_keys)
    found = synonyms.expansions(["ЖСН-ді", "қалай", "алуға", "болады"])
    assert found and found[0].start == 0
    assert ("ИИН",) in found[0].alternatives
