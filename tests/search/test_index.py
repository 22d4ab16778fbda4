"""The index lifecycle: publish, unpublish, rebuild, reopen, threads, time budget."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

import search.fuzzy as fuzzy_module
import search.searchers as searchers_module
from search import IndexDoc
from search import SearchFilters
from search import SearchIndex
from search import stamp_of
from search.schema import SCHEMA_VERSION
from search.schema import document_from


def article(slug: str, lang: str, title: str, text: str, **extra: object) -> IndexDoc:
    """An article record as the service layer builds it."""
    return IndexDoc(
        kind="article",
        id=extra.pop("id", slug),  # type: ignore[arg-type]
        lang=lang,
        slug=slug,
        title=title,
        text=text,
        url=f"/{lang}/{slug}",
        **extra,  # type: ignore[arg-type]
    )


DOCS = [
    article(
        "id-card",
        "ru",
        "Замена удостоверения личности",
        "Удостоверение личности меняют в любом ЦОНе. Нужны заявление и старое удостоверение.",
        category="documents",
        agencies=("mvd", "gov4c"),
        services=("id-card",),
        review_by=date(2027, 6, 1),
    ),
    article(
        "id-card",
        "kk",
        "Жеке куәлікті ауыстыру",
        "Жеке куәлікті кез келген ХҚКО-да ауыстыруға болады. Өтініш пен ескі куәлік қажет.",
        category="documents",
        agencies=("mvd", "gov4c"),
        services=("id-card",),
    ),
    article(
        "property-tax",
        "ru",
        "Уплата налога на имущество",
        "Физические лица платят налог на имущество ежегодно через egov.kz.",
        category="taxes",
        agencies=("kgd",),
    ),
    article(
        "property-tax",
        "kk",
        "Мүлік салығын төлеу",
        "Жеке тұлғалар мүлік салығын жыл сайын egov.kz арқылы төлейді.",
        category="taxes",
        agencies=("kgd",),
    ),
    IndexDoc(
        kind="body",
        id="gov4c",
        lang="ru",
        slug="gov4c",
        title="Государственная корпорация «Правительство для граждан»",
        text="Оказание государственных услуг через центры обслуживания населения.",
        url="/-/bodies/gov4c",
    ),
]


_OPEN: list[SearchIndex] = []


def request_close(*indexes: SearchIndex) -> None:
    """Close these disk indexes after the test (open files would warn)."""
    _OPEN.extend(indexes)


@pytest.fixture(autouse=True)
def close_indexes() -> Iterator[None]:
    """Close the indexes a test asked to close."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def keys_of(index: SearchIndex, query: str, **kwargs: object) -> list[str]:
    """The keys of the hits of ``query``, best first."""
    return [hit.key for hit in index.search(query, **kwargs).hits]  # type: ignore[arg-type]


@pytest.fixture
def index() -> Iterator[SearchIndex]:
    """A RAM index holding ``DOCS``."""
    with SearchIndex.open(None) as ix:
        ix.update(DOCS, commit_marker="c1")
        yield ix


def test_published_is_found_and_unpublished_is_gone(index: SearchIndex) -> None:
    assert "ru/id-card" in keys_of(index, "удостоверение")
    index.update([], deleted_keys=["ru/id-card"], commit_marker="c2")
    assert "ru/id-card" not in keys_of(index, "удостоверение")
    assert index.last_commit() == "c2"
    assert "ru/id-card" not in index.keys()


def test_republishing_replaces_the_old_version(index: SearchIndex) -> None:
    changed = article("id-card", "ru", "Замена удостоверения", "Теперь только через egov.kz.")
    index.update([changed])
    assert index.doc_count() == len(DOCS)
    assert keys_of(index, "ЦОНе") == []
    assert keys_of(index, "egov")[:3].count("ru/id-card") == 1


def test_keys_report_stamps_for_drift_detection(index: SearchIndex) -> None:
    expected = {doc.key: stamp_of(doc) for doc in DOCS}
    assert index.keys() == expected
    edited = article("property-tax", "ru", "Уплата налога", "Новый текст.")
    assert stamp_of(edited) != expected["ru/property-tax"]


def test_keys_of_one_kind(index: SearchIndex) -> None:
    bodies = {doc.key: stamp_of(doc) for doc in DOCS if doc.kind == "body"}
    assert index.keys(kind="body") == bodies == {"body/ru/gov4c": stamp_of(DOCS[-1])}
    assert len(index.keys(kind="article")) == len(DOCS) - 1
    index.update([], ["body/ru/gov4c"])
    assert index.keys(kind="body") == {}


def test_rebuild_equals_incremental_result(index: SearchIndex) -> None:
    index.update([], deleted_keys=["kk/property-tax"])
    index.update([DOCS[3]])
    fresh = SearchIndex.open(None)
    fresh.rebuild(DOCS, commit_marker="c9")
    assert fresh.last_commit() == "c9"
    assert index.keys() == fresh.keys()
    # Scores may differ slightly: like Lucene, Whoosh keeps a deleted document in the
    # term statistics until its segment is merged. The hits and their order may not.
    for query in ("удостоверение личности", "салық төлеу", "egov.kz", "ХҚКО", "налог"):
        assert keys_of(index, query) == keys_of(fresh, query), query


def test_hit_carries_the_json_contract(index: SearchIndex) -> None:
    hit = index.search("удостоверение").hits[0]
    data = hit.as_dict()
    assert {"id", "lang", "title", "score", "snippet", "url"} <= set(data)
    assert (data["id"], data["lang"], data["url"]) == ("id-card", "ru", "/ru/id-card")
    assert hit.review_by == "2027-06-01"
    assert hit.agencies == ("mvd", "gov4c")
    json.dumps(data)


def test_snippet_marks_matches_and_escapes_html() -> None:
    ix = SearchIndex.open(None)
    text = "Справка <script>alert(1)</script> выдаётся в ЦОНе & на портале."
    ix.update([article("xss", "ru", "Справка", text)])
    snippet = ix.search("справка").hits[0].snippet
    assert "<mark>Справка</mark>" in snippet
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet and "&amp;" in snippet


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"lang": "kk"}, {"kk/id-card", "kk/property-tax"}),
        ({"category": "taxes"}, {"ru/property-tax", "kk/property-tax"}),
        ({"agency": "mvd"}, {"ru/id-card", "kk/id-card"}),
        ({"service": "id-card", "lang": "ru"}, {"ru/id-card"}),
        ({"kind": "body"}, {"body/ru/gov4c"}),
        ({"category": "no-such-category"}, set()),
    ],
)
def test_filters(index: SearchIndex, filters: dict[str, str], expected: set[str]) -> None:
    query = "удостоверение куәлік салық налог egov государственных"
    assert set(keys_of(index, query, filters=filters)) == expected
    assert set(keys_of(index, query, filters=SearchFilters(**filters))) == expected


def test_lang_argument_is_a_filter(index: SearchIndex) -> None:
    assert set(keys_of(index, "egov", lang="kk")) == {"kk/property-tax"}


def test_bad_filter_is_a_clear_error(index: SearchIndex) -> None:
    from search import QueryError

    with pytest.raises(QueryError, match="unknown filter colour"):
        index.search("налог", filters={"colour": "red"})
    with pytest.raises(QueryError, match="unknown kind"):
        index.search("налог", filters=SearchFilters(kind="video"))


def test_time_budget_returns_instead_of_raising(index: SearchIndex) -> None:
    result = index.search("удостоверение личности", time_budget_ms=0.0)
    assert result.timed_out
    assert result.hits == ()
    phrase = index.search('"удостоверение личности"', time_budget_ms=0.0)
    assert phrase.timed_out


def test_time_budget_works_in_threads(index: SearchIndex) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(
            pool.map(lambda q: index.search(q, time_budget_ms=0.0), ["налог", "салық", "ЦОН"])
        )
    assert all(r.timed_out for r in results)


def test_threads_search_while_another_publishes(index: SearchIndex) -> None:
    stop = threading.Event()
    errors: list[BaseException] = []
    counts: list[int] = []

    def searching() -> None:
        while not stop.is_set():
            try:
                counts.append(len(index.search("налог салық удостоверение").hits))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=searching) for _ in range(3)]
    for thread in threads:
        thread.start()
    for n in range(15):
        extra = article(f"tax-{n}", "ru", f"Налог номер {n}", "Налог платят вовремя.")
        index.update([extra], commit_marker=f"c{n}")
    final = article("final-tax", "kk", "Соңғы салық", "Салық туралы жаңа мақала.")
    index.update([final])
    seen_final: list[bool] = []

    def sees_final() -> None:
        seen_final.append("kk/final-tax" in keys_of(index, "соңғы салық", limit=50))

    checker = threading.Thread(target=sees_final)
    checker.start()
    checker.join()
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors
    assert counts and min(counts) >= 1
    assert seen_final == [True]


def test_disk_index_is_shared_between_instances(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(searchers_module, "REFRESH_SECONDS", 0.0)
    writer = SearchIndex.open(tmp_path / "index")
    reader = SearchIndex.open(tmp_path / "index")  # as another process would
    request_close(writer, reader)
    assert reader.search("налог").hits == ()
    writer.update(DOCS, commit_marker="abc")
    assert reader.last_commit() == "abc"
    assert "ru/property-tax" in keys_of(reader, "налог")
    writer.rebuild(DOCS[:2], commit_marker="def")
    assert keys_of(reader, "налог") == []
    assert reader.last_commit() == "def"
    reopened = SearchIndex.open(tmp_path / "index")
    request_close(reopened)
    assert set(reopened.keys()) == {"ru/id-card", "kk/id-card"}
    generations = sorted(p.name for p in (tmp_path / "index").glob("gen-*"))
    assert len(generations) <= 2


def _segment_sizes(index: SearchIndex) -> list[int]:
    with index._live.ix.searcher() as searcher:  # the index's own files, read by Whoosh
        return sorted(leaf.doc_count_all() for leaf, _ in searcher.reader().leaf_readers())


def test_publications_do_not_pile_up_small_segments(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(searchers_module, "REFRESH_SECONDS", 0.0)
    writer = SearchIndex.open(tmp_path / "index")
    reader = SearchIndex.open(tmp_path / "index")  # a searching worker
    request_close(writer, reader)
    many = [
        article(f"a{n}", "ru" if n % 2 else "kk", f"Мақала {n}", f"налог салық {n}")
        for n in range(260)
    ]
    writer.rebuild(many)
    assert reader.search("налог").total == 260
    # Publications, one article at a time, some the same article again (a deletion too).
    for n in range(12):
        writer.update([article(f"new{n % 5}", "ru", f"Новая {n}", f"пошлина номер{n}")])
        found = reader.search(f"номер{n}")
        assert [h.url for h in found.hits] == [f"/ru/new{n % 5}"]
        if n >= 5:  # the article's previous version is gone
            assert reader.search(f"номер{n - 5}").total == 0
        # Whoosh's MERGE_SMALL let five or more one-document segments pile up.
        assert len(_segment_sizes(writer)) <= 2, _segment_sizes(writer)
    assert _segment_sizes(writer) == [5, 260]  # republished versions merged away
    assert reader.search("пошлина").total == 5


def test_searchers_see_a_publish_within_a_second(tmp_path: Path) -> None:
    writer = SearchIndex.open(tmp_path / "index")
    reader = SearchIndex.open(tmp_path / "index")
    request_close(writer, reader)
    assert reader.search("налог").hits == ()
    writer.update(DOCS[2:3])
    # Seen within REFRESH_SECONDS (0.25 s) on an idle machine; the bound is generous so a
    # busy one does not fail the test (the speed is the benchmarks' business).
    deadline = time.monotonic() + 10.0
    while not reader.search("налог").hits and time.monotonic() < deadline:
        time.sleep(0.05)
    assert keys_of(reader, "налог") == ["ru/property-tax"]


def test_other_schema_version_is_set_aside(tmp_path: Path) -> None:
    first = SearchIndex.open(tmp_path / "index")
    first.update(DOCS)
    first.close()
    current = (tmp_path / "index" / "CURRENT").read_text().strip()
    state = tmp_path / "index" / current / "kb-state.json"
    state.write_text(json.dumps({"schema_version": SCHEMA_VERSION - 1, "last_commit": "x"}))
    reopened = SearchIndex.open(tmp_path / "index")
    request_close(reopened)
    assert reopened.needs_rebuild
    assert reopened.doc_count() == 0
    reopened.rebuild(DOCS, commit_marker="y")
    assert not reopened.needs_rebuild
    assert reopened.doc_count() == len(DOCS)


def test_failed_rebuild_keeps_the_old_index(index: SearchIndex) -> None:
    def broken():  # type: ignore[no-untyped-def]
        yield DOCS[0]
        raise RuntimeError("content repository unreadable")

    with pytest.raises(RuntimeError):
        index.rebuild(broken())
    assert index.doc_count() == len(DOCS)


def test_document_from_uses_the_language_fields() -> None:
    kk = document_from(DOCS[1])
    assert kk["title_kk"] == "Жеке куәлікті ауыстыру" and "title_ru" not in kk
    english = IndexDoc(kind="article", id="x", lang="en", slug="x", title="Passport")
    assert document_from(english)["title_ru"] == "Passport"


def test_index_doc_validates_kind_and_language() -> None:
    with pytest.raises(ValueError, match="kind"):
        IndexDoc(kind="page", id="x", lang="ru", slug="x", title="x")
    with pytest.raises(ValueError, match="lang"):
        IndexDoc(kind="article", id="x", lang="", slug="x", title="x")


def test_typo_index_of_a_large_index_is_built_in_the_background(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(fuzzy_module, "NEAR_TERMS_SYNC_DOCS", 0)
    ix = SearchIndex.open(None)
    ix.update(DOCS)
    # The first query does not wait for the typo index; it is ready soon after.
    first = ix.search("удостоверене")
    assert first.took_ms < 1000
    assert ix.wait_for_typo_index(timeout=10)
    assert "ru/id-card" in keys_of(ix, "удостоверене")


def test_rebuild_with_worker_processes_equals_single(tmp_path: Path) -> None:
    single = SearchIndex.open(tmp_path / "one")
    parallel = SearchIndex.open(tmp_path / "two")
    request_close(single, parallel)
    single.rebuild(DOCS, commit_marker="a")
    assert parallel.rebuild(DOCS, commit_marker="a", procs=2) == len(DOCS)
    assert parallel.keys() == single.keys()
    for query in ("удостоверение", "салық", "egov", "государственных услуг"):
        assert keys_of(parallel, query) == keys_of(single, query), query


def test_repeated_queries_come_from_the_result_cache_until_the_index_changes() -> None:
    with SearchIndex.open(None) as ix:
        ix.update(DOCS[:2])
        first = ix.search("удостоверение личности")
        again = ix.search("удостоверение личности")
        assert again.hits == first.hits and again.hits
        assert ix.cache_info()["hits"] == 1
        # A publication changes the index state: the cached answer is not served.
        assert keys_of(ix, "налог") == []
        ix.update(DOCS[2:3])
        assert keys_of(ix, "налог") == ["ru/property-tax"]
        ix.update([], deleted_keys=["ru/property-tax"])
        assert keys_of(ix, "налог") == []


def test_new_synonyms_are_not_hidden_by_cached_results() -> None:
    from search.synonyms import parse_synonyms

    with SearchIndex.open(None) as ix:
        ix.update(DOCS)
        assert "ru/id-card" not in keys_of(ix, "айди карта")
        ix.set_synonyms(parse_synonyms("айди карта = удостоверение личности\n"))
        assert "ru/id-card" in keys_of(ix, "айди карта")


def test_result_cache_can_be_turned_off() -> None:
    with SearchIndex.open(None, result_cache=0) as ix:
        ix.update(DOCS)
        assert keys_of(ix, "жеке куәлік") == keys_of(ix, "жеке куәлік") != []
        assert ix.cache_info() == {"hits": 0, "misses": 0, "entries": 0, "max_entries": 0}


@pytest.mark.parametrize("query", ["мүлік тән", "Мүлік салығы тән"])
def test_kazakh_letters_are_not_corrected_away_when_the_query_finds_something(
    query: str,
) -> None:
    # "тән" is not indexed, but its folded spelling "тан" is (another word): the query as
    # typed finds the tax article, so it must not be shown "corrected" to "мулик тан".
    with SearchIndex.open(None) as ix:
        ix.update([*DOCS, article("dawn", "kk", "Таң", "Ол тан деп жазылған.")])
        result = ix.search(query)
        assert result.corrected is None
        assert result.hits[0].key == "kk/property-tax"


def test_a_query_typed_with_kazakh_letters_that_finds_nothing_tries_the_folded_spelling() -> None:
    with SearchIndex.open(None) as ix:
        ix.update([article("note", "kk", "Ескертпе", "Курылгы туралы мәлімет.")])
        result = ix.search("құрылғы")
        assert [hit.key for hit in result.hits] == ["kk/note"]


_RU_TO_QWERTY = dict(
    zip("йцукенгшщзхъфывапролджэячсмитьбю", "qwertyuiop[]asdfghjkl;'zxcvbnm,.", strict=True)
)


def _typed_on_latin(text: str) -> str:
    """Russian text typed with the keyboard left on the Latin layout."""
    return "".join(_RU_TO_QWERTY.get(ch, ch) for ch in text)


@pytest.mark.parametrize("words", ["удостоверение личности", "налог на имущество"])
def test_spent_budget_still_tries_the_layout_fallback(words: str) -> None:
    # A cold process may spend its whole budget loading analysers: the query as typed
    # then finds nothing in time, and the keyboard-layout reading must still be tried.
    with SearchIndex.open(None, result_cache=0) as warm, SearchIndex.open(None) as cold:
        warm.update(DOCS)
        cold.update(DOCS)
        query = _typed_on_latin(words)
        expected = [h.key for h in warm.search(query).hits]
        assert expected, "the warm index finds the article through the layout fallback"
        result = cold.search(query, time_budget_ms=0.0)
        assert [h.key for h in result.hits] == expected


def test_a_result_cut_by_the_budget_is_not_cached() -> None:
    with SearchIndex.open(None) as ix:
        ix.update(DOCS)
        cut = ix.search("удостоверение личности", time_budget_ms=0.0)
        assert cut.timed_out and cut.hits == ()
        assert ix.cache_info()["entries"] == 0
        full = ix.search("удостоверение личности")
        assert not full.timed_out and "ru/id-card" in [h.key for h in full.hits]
        assert ix.cache_info()["entries"] == 1
