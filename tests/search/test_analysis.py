"""The analysis API: folding, stemming, terms, layouts, pickling, threads, Whoosh."""

from __future__ import annotations

import importlib.util
import os
import pickle
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import pytest
from whoosh.analysis import Analyzer
from whoosh.analysis import CompositeAnalyzer
from whoosh.fields import ID
from whoosh.fields import TEXT
from whoosh.fields import Schema
from whoosh.qparser import QueryParser

from search.analysis import AnalysisError
from search.analysis import analyze
from search.analysis import analyzer_for
from search.analysis import fold
from search.analysis import kazakh
from search.analysis import kk_key
from search.analysis import kk_stem
from search.analysis import query_variants
from search.analysis import ru_lemmas
from search.analysis.russian import morph
from search.lifecycle import RamIndexStorage as RamStorage

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("KB_SHARED") or ROOT.parent / "shared")

TEXTS = {
    "kk": [
        "Жеке куәлікті ХҚКО-дан алуға болады.",
        "Зейнетақы төлемдерінің мөлшері 2024 жылы өзгерді.",
        "Жәрдемақыны тағайындау үшін өтінішті портал арқылы беріңіз.",
        "Балаларға арналған мемлекеттік қызметтер тізімі.",
    ],
    "ru": [
        "Удостоверение личности можно получить в ЦОНе.",
        "Размер пенсионных выплат изменился в 2024 году.",
        "Для назначения пособия подайте заявление через портал.",
        "Стали известны новые правила выдачи справок.",
    ],
}


# --- folding


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Салық", "салык"),
        ("әіңғүұқөһ", "аингуукох"),
        ("Ёлка", "елка"),
        ("пacпopт", "паспорт"),  # Latin a, c, o, p inside a Cyrillic word
        ("email пacпopт", "email паспорт"),  # a wholly Latin word stays Latin
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_keeps_length_of_each_word() -> None:
    text = "Қазақстан Республикасының азаматтары"
    assert len(fold(text)) == len(text)


# --- Kazakh stemmer


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("салығының", "салық"),
        ("салыгынын", "салык"),  # typed without Kazakh letters: same cut
        ("кітабы", "кітап"),  # п/б alternation
        ("тілегімді", "тілек"),  # к/г alternation
        ("орнына", "орын"),  # dropped vowel restored
        ("оның", "ол"),  # exception list
        ("ас", "ас"),  # too short to strip
        ("2024", "2024"),
        ("кейін", "кейін"),  # a stop word is kept whole, not read as кей + ін
        ("бе", "ма"),  # two-letter particles still map to their lemma
        ("адамның", "адам"),  # shortest attested stem, not ада
        ("шыкты", "шык"),  # attested through the verbal noun шығу
    ],
)
def test_kk_stem(word: str, stem: str) -> None:
    assert kk_stem(word) == stem


def test_kk_key_is_the_folded_stem_whatever_the_letters() -> None:
    assert kk_key("Салығының") == kk_key("салыгынын") == "салык"


# --- Russian lemmas


def test_ru_lemmas_gives_every_reading_once() -> None:
    assert ru_lemmas("стали") == ("стать", "сталь")
    assert ru_lemmas("ёлки") == ("елка",)


def test_morph_analyzer_is_created_once() -> None:
    assert morph() is morph()


# --- analyzers: modes, positions, stop words


def test_kazakh_index_adds_folded_stem_at_the_same_position(kk_analyzer: Analyzer) -> None:
    tokens = [(t.text, t.pos) for t in kk_analyzer("Салықтың мөлшері", positions=True)]
    assert tokens == [
        ("салық", 0),
        ("салык", 0),  # also the stem key of a stem of five letters or fewer
        ("мөлшер", 1),
        ("молшер", 1),
        ("_молше", 1),  # the stem key of a longer stem (filters.STEM_MARK)
    ]


def test_kazakh_query_keeps_only_the_stem_typed() -> None:
    assert analyze("kk", "Салықтың мөлшері", mode="query") == ["салық", "мөлшер"]
    assert analyze("kk", "салыктын молшери", mode="query") == ["салык", "молшер"]


def test_russian_readings_share_a_position(ru_analyzer: Analyzer) -> None:
    tokens = [(t.text, t.pos) for t in ru_analyzer("стали справки", positions=True)]
    assert [t for t in tokens if not t[0].startswith("_")] == [
        ("стать", 0),
        ("сталь", 0),
        ("справка", 1),
    ]
    # Every word's Snowball stem key sits at its position too (a name's lemmas are
    # guesses; the key also joins derived words).
    assert ("_стал", 0) in tokens and ("_справк", 1) in tokens
    tokens = [(t.text, t.pos) for t in ru_analyzer("Стали справки", positions=True)]
    assert tokens == [("стать", 0), ("сталь", 0), ("_стал", 0), ("справка", 1), ("_справк", 1)]


@pytest.mark.parametrize(("lang", "text"), [("kk", "және осы үшін"), ("ru", "и в для")])
def test_stop_words_are_removed_or_marked(lang: str, text: str) -> None:
    analyzer = analyzer_for(lang)
    assert analyze(lang, text) == []
    kept = [(t.text, t.stopped) for t in analyzer(text, removestops=False)]
    assert len(kept) == 3 and all(stopped for _, stopped in kept)


@pytest.mark.parametrize(
    ("lang", "text", "terms"),
    [
        ("ru", "ЦОН ЦОНе ЦОНом цоне", ["цон"] * 4),
        ("kk", "ХҚКО ХҚКО-ға ХҚКО-дан хқко", ["хкко"] * 4),
        ("ru", "ИИН, БИН и ЭЦП", ["иин", "бин", "эцп"]),
        ("kk", "ЖСН-ді, БСН-ге және ЭЦҚ-мен", ["жсн", "бсн", "эцк"]),
    ],
)
def test_acronyms_map_to_one_key_in_both_languages(lang: str, text: str, terms: list[str]) -> None:
    assert analyze(lang, text) == terms
    assert analyze(lang, text, mode="query") == terms


def test_hyphenated_words_split_with_positions(ru_analyzer: Analyzer) -> None:
    tokens = [(t.text, t.pos) for t in ru_analyzer("Алматы-Астана поезд", positions=True)]
    assert sorted({pos for _, pos in tokens}) == [0, 1, 2]
    assert ("поезд", 2) in tokens


def test_character_offsets_point_at_the_words(kk_analyzer: Analyzer) -> None:
    text = "Салық пен ХҚКО-ға"
    spans = {t.text: text[t.startchar : t.endchar] for t in kk_analyzer(text, chars=True)}
    assert spans["салық"] == "Салық"
    assert spans["хкко"] == "ХҚКО-ға"


@pytest.mark.parametrize("lang", ["kk", "ru"])
@pytest.mark.parametrize(
    "text",
    ["", "   ", "?!…,;:", "\x00\x07\x1b[31m", "«»()[]{}", "a" * 10_000, "слово " * 2_000],
)
def test_bad_input_gives_terms_or_nothing(lang: str, text: str) -> None:
    terms = analyze(lang, text, mode="query")
    assert all(term and len(term) <= 40 for term in terms)


@pytest.mark.parametrize("lang", ["xx", "", "KK"])
def test_unknown_language_names_the_choices(lang: str) -> None:
    with pytest.raises(AnalysisError, match="use one of kk, ru"):
        analyzer_for(lang)


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(AnalysisError, match="'index' or 'query'"):
        analyze("ru", "справка", mode="search")


# --- composition, pickling, threads


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_analyzer_is_a_checked_composition(lang: str) -> None:
    analyzer = analyzer_for(lang)
    assert isinstance(analyzer, CompositeAnalyzer)
    assert analyzer_for(lang) is analyzer
    assert any(getattr(item, "is_morph", False) for item in analyzer.items)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_analyzer_pickles_small_and_equal(lang: str) -> None:
    analyzer = analyzer_for(lang)
    data = pickle.dumps(analyzer)
    # A few hundred bytes: no MorphAnalyzer or lexicon travels with the schema.
    assert len(data) < 1_000
    clone = pickle.loads(data)
    assert clone == analyzer
    for text in TEXTS[lang]:
        assert [t.text for t in clone(text)] == [t.text for t in analyzer(text)]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_analysis_from_threads_matches_serial(lang: str) -> None:
    texts = TEXTS[lang] * 50
    serial = [analyze(lang, text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda text: analyze(lang, text), texts))
    assert threaded == serial


# --- in a real Whoosh index


@pytest.mark.parametrize(
    ("lang", "document", "query"),
    [
        ("kk", "Салықтарымызды уақытында төлеңіз", "салык"),
        ("kk", "Төлқұжатты ХҚКО-дан алуға болады", "толкужат"),
        ("kk", "Жеке куәлігіңізді көрсетіңіз", "куәлік"),
        ("ru", "Паспорт можно получить в ЦОНе", "цоном"),
        ("ru", "Справки выдаются бесплатно", "пacпopт OR cпpaвку"),
        ("ru", "Счёт оплачен", "счет"),
    ],
)
def test_whoosh_finds_inflected_and_folded_forms(lang: str, document: str, query: str) -> None:
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=analyzer_for(lang)))
    index = RamStorage().create_index(schema)
    with index.writer() as writer:
        writer.add_document(id="hit", body=document)
        writer.add_document(id="miss", body="Қала әкімдігі. Городской акимат.")
    with index.searcher() as searcher:
        parsed = QueryParser("body", schema).parse(query)
        assert [hit["id"] for hit in searcher.search(parsed)] == ["hit"]


# --- query variants


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("salyq", "салық"),  # Kazakh Latin
        ("tölqūjat", "төлқұжат"),
        ("gfcgjhn", "паспорт"),  # Russian on Latin keys
        ("cfks0", "салық"),  # Kazakh layout keys on the Latin layout
        ("салы0", "салық"),  # Russian layout used for the Kazakh one
        ("упщм", "egov"),  # Latin on Russian keys
    ],
)
def test_query_variants_put_the_likely_reading_first(typed: str, first: str) -> None:
    variants = query_variants(typed)
    assert variants[0] == first
    assert typed not in variants
    assert len(variants) == len(set(variants))


@pytest.mark.parametrize("typed", ["", "  ", "2024", "пенсия"])
def test_query_variants_empty_when_nothing_applies(typed: str) -> None:
    assert query_variants(typed) == []


def test_digits_outside_words_are_kept() -> None:
    assert all("2024" in variant for variant in query_variants("салы0 2024"))


# --- measured conflation on the held-out half of Universal Dependencies


def _benchmark() -> ModuleType:
    path = ROOT / "benchmarks" / "conflation.py"
    spec = importlib.util.spec_from_file_location("conflation_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("lang", "name", "floor", "ceiling"),
    [
        # Kazakh: measured 0.919 / 10.1 % (typed with Russian letters 0.913 / 10.1 %)
        # without any treebank-derived lexicon; the over-merging target (at
        # most 8 %) is not reached yet, so the ceiling is a regression bound a little
        # over the measured figure.
        ("kk", "ours: stem + folded stem indexed, stem queried", 0.91, 0.108),
        ("kk", "ours, typed with Russian letters", 0.90, 0.108),
        ("ru", "ours: pymorphy3 all readings", 0.98, 0.03),
        ("ru", "ours, Latin look-alikes in the form", 0.98, 0.03),
    ],
)
def test_conflation_on_held_out_treebank(
    lang: str, name: str, floor: float, ceiling: float
) -> None:
    files = {"kk": "kk_ktb.tsv", "ru": "ru_gsd_taiga.tsv"}
    path = SHARED / "corpora" / "ud_kk_ru" / files[lang]
    if not path.is_file():
        pytest.skip(f"{path} is absent: the shared corpora sit beside the project as ../shared")
    bench = _benchmark()
    tokens = bench.load(path, "test")
    analysers = bench.kk_analysers() if lang == "kk" else bench.ru_analysers()
    result, _ = bench.measure(name, tokens, analysers[name])
    assert result.conflation >= floor
    assert result.over_merged <= ceiling


# --- the KazNERD-attested stem list


def test_attested_stems_ship_with_the_package() -> None:
    stems = kazakh.attested()
    assert len(stems) > 3000
    assert "адам" in stems and not any(s.startswith("#") for s in stems)


def test_no_treebank_lexicon_is_shipped() -> None:
    # The lemmas of UD Kazakh-KTB must not leave ../shared: the held-out figure
    # would be optimistic and the data would be copied into the repository.
    assert not (ROOT / "search" / "analysis" / "kk_stems_ud.txt").exists()
    assert "ud" not in " ".join(kazakh.LEXICON_FILES + (kazakh.ATTESTED_FILE,))


def _lexicon_script() -> ModuleType:
    path = ROOT / "benchmarks" / "kk_lexicon.py"
    spec = importlib.util.spec_from_file_location("kk_lexicon_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("stem", "words", "expected"),
    [
        ("адам", {"адам": 3}, True),  # occurs as a word
        ("кукыг", {"кукык": 1}, True),  # devoiced: құқығ → құқық
        ("шык", {"шыгу": 1}, True),  # verbal noun: шық → шығу
        ("окы", {"оку": 1}, True),  # оқы → оқу
        ("жой", {"жою": 1}, True),  # жой → жою
        ("ада", {"адам": 3}, False),
    ],
)
def test_attested_rules_of_the_lexicon_script(
    stem: str, words: dict[str, int], expected: bool
) -> None:
    assert _lexicon_script().attested(stem, Counter(words)) is expected


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("расимдер", True),  # рәсімдер: a plural of рәсім, attested as a word
        ("интернаттар", True),
        ("ели", True),  # елі: a noun with the third-person possessive
        ("расим", False),
        ("контейнер", False),  # -ер, but no plural of контейн
    ],
)
def test_lexicon_script_leaves_out_inflected_words(stem: str, expected: bool) -> None:
    assert _lexicon_script()._inflected(stem) is expected


def test_kk_changes_script_lists_words_cut_differently() -> None:
    path = ROOT / "benchmarks" / "kk_changes.py"
    spec = importlib.util.spec_from_file_location("kk_changes_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    before = {"үйлердің": "үйле", "кітабы": "кітап", "салығы": "салық"}
    counts = Counter({"үйлердің": 24, "кітабы": 3, "салығы": 9})
    # only the word whose stem moved (the plural, once read as үйле + aorist) is listed
    assert module.changes(before, counts) == [(24, "үйлердің", "үйле", "үй")]
