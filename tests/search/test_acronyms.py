"""Acronym spellings (search.acronyms): case, Е for Э, Latin letters, a Kazakh letter left out."""

from __future__ import annotations

import pytest

from search.acronyms import AcronymTable
from search.acronyms import is_acronym
from search.acronyms import skeleton
from search.acronyms import spellings

TABLE = AcronymTable(["ЭЦП", "ЭЦҚ", "ИИН", "ЖСН", "ЕНПФ", "БЖЗҚ", "ХҚКО", "ЦОН", "ОСМС", "МӘМС"])


@pytest.mark.parametrize(
    ("typed", "acronym"),
    [
        ("ецп", "ЭЦП"),  # Е for Э, lower case
        ("ЕЦП", "ЭЦП"),
        ("эцп", "ЭЦП"),
        ("ECP", "ЭЦП"),  # Latin, by sound
        ("ecp", "ЭЦП"),
        ("iin", "ИИН"),
        ("IIN", "ИИН"),
        ("enpf", "ЕНПФ"),
        ("zhsn", "ЖСН"),
        ("con", "ЦОН"),
        ("ХКО", "ХҚКО"),  # Қ left out
        ("хко", "ХҚКО"),
        ("ЭЦК", "ЭЦҚ"),  # Қ typed as К
        ("БЖЗ", "БЖЗҚ"),
        ("МАМС", "МӘМС"),
        ("osms", "ОСМС"),
    ],
)
def test_spellings_resolve_to_the_acronym(typed: str, acronym: str) -> None:
    assert TABLE.resolve(typed) == acronym


@pytest.mark.parametrize("typed", ["паспорт", "ЭЦ", "qwxzy", "егов", "a"])
def test_other_words_are_not_acronyms(typed: str) -> None:
    assert TABLE.resolve(typed) is None


def test_own_spellings_win_and_shared_bare_ones_name_nothing() -> None:
    # An acronym spelled ХКО of its own wins over ХҚКО with its Қ left out.
    assert AcronymTable(["ХҚКО", "ХКО"]).resolve("ХКО") == "ХКО"
    # АБВҚ and АБВҢ both lose a letter to АБВ: that spelling names neither.
    assert AcronymTable(["АБВҚ", "АБВҢ"]).resolve("абв") is None
    assert AcronymTable(["АБВҚ"]).resolve("абв") == "АБВҚ"
    assert AcronymTable(["ЭЦҚ"]).resolve("ЭЦ") is None  # too short once bare


def test_terms_counted_as_acronyms() -> None:
    assert is_acronym("ЭЦП") and is_acronym("ХҚКО") and is_acronym("НУЦ")
    assert not is_acronym("egov") and not is_acronym("NCALayer") and not is_acronym("ЦОНы")
    assert not is_acronym("спецЦОН") and not is_acronym("АБВГДЕЖ")
    assert skeleton("ЭЦП") == skeleton("ецп") == "ецп"
    assert spellings("ECP")[0] == "ецп"
    assert spellings("удостоверение") == []
