"""The semantic stage on small data built here: cache, vector sets, fusion, cross-lingual.

Every vector comes from the real bundled model (the session's ``embedder`` fixture);
:class:`Counting` only counts what reaches it, so cache hits and misses are observable.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from search import IndexDoc
from search import SearchIndex
from search.semantic import SemanticResult
from search.semantic import SemanticStage
from search.semantic import qualifies
from search.semantic.cache import VectorCache
from search.semantic.chunks import MAX_CHUNKS
from search.semantic.chunks import WINDOW_WORDS
from search.semantic.chunks import chunk_texts
from search.semantic.embedding import embed_cached
from search.semantic.fusion import FusionRule
from search.semantic.fusion import choose
from search.semantic.fusion import fuse
from search.semantic.fusion import minmax
from search.semantic.refresh import docs_loader
from search.semantic.vectors import BLOCK_ROWS
from search.semantic.vectors import HIT_FIELDS
from search.semantic.vectors import Entry
from search.semantic.vectors import VectorSet
from search.semantic.vectors import VectorStore


class Counting:
    """The real embedder, counting the passages it is asked to embed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.passages_seen = 0
        self.queries_seen = 0

    def query(self, text: str) -> Any:
        self.queries_seen += 1
        return self.inner.query(text)

    def passages(self, texts: Sequence[str]) -> Any:
        self.passages_seen += len(texts)
        return self.inner.passages(texts)


def _doc(lang: str, slug: str, title: str, answer: str, text: str = "", **kw: Any) -> IndexDoc:
    return IndexDoc(
        kind="article",
        id=kw.pop("id", slug),
        lang=lang,
        slug=slug,
        title=title,
        answer=answer,
        text=text,
        url=f"/{lang}/{slug}",
        **kw,
    )


KK_ONLY = _doc(
    "kk",
    "altyn-alqa",
    "Көп балалы аналарға «Алтын алқа» алқасы",
    "Алты және одан да көп бала туып, тәрбиелеген аналар «Алтын алқа» алқасымен "
    "марапатталады және ай сайын мемлекеттік жәрдемақы алады.",
)
RU_DOCS = [
    _doc(
        "ru",
        "passport",
        "Паспорт гражданина Республики Казахстан",
        "Паспорт выдаётся в ЦОН или через egov.kz; госпошлина оплачивается заранее.",
    ),
    _doc(
        "ru",
        "tax-debt",
        "Налоги физических лиц — проверка и оплата задолженности",
        "Задолженность по налогу на имущество и транспорт проверяют и оплачивают на egov.kz.",
    ),
]
#: Asked in Russian; it shares no word with the Kazakh article.
RU_QUESTION = "какие выплаты положены многодетной матери"


def _stage(tmp_path: Path, embedder: Any, docs: Sequence[IndexDoc]) -> tuple[Any, Any]:
    index = SearchIndex.open(None, result_cache=0)
    index.rebuild(docs)
    stage = SemanticStage(tmp_path / "vectors", Counting(embedder))
    stamps, load = docs_loader(docs)
    stage.refresh(stamps, load, "c1")
    return index, stage


def test_chunks_head_first_and_bounded() -> None:
    words = " ".join(f"сөз{i}" for i in range(2000))
    passages = chunk_texts(_doc("kk", "long", "Тақырып", "Қысқа жауап.", words))
    assert passages[0].startswith("Тақырып Қысқа жауап. сөз0")
    assert len(passages) == MAX_CHUNKS
    assert all(len(p.split()) <= WINDOW_WORDS for p in passages)
    # Consecutive windows overlap: no word between them is lost.
    assert passages[1].split()[0] in passages[0].split()
    assert chunk_texts(_doc("ru", "short", "Паспорт", "")) == ["Паспорт"]


def test_cache_hit_and_miss_by_content_hash(tmp_path: Path, embedder: Any) -> None:
    model = Counting(embedder)
    cache = VectorCache(tmp_path / "cache.sqlite3", model.dim)
    texts = ["Паспорт выдаётся в ЦОН.", "ЖСН бір рет беріледі."]
    first, embedded = embed_cached(model, cache, texts)
    assert embedded == 2 and model.passages_seen == 2
    again, embedded = embed_cached(model, cache, texts)
    assert embedded == 0 and model.passages_seen == 2, "unchanged text must come from the cache"
    for digest, vector in first.items():
        np.testing.assert_array_equal(again[digest], vector)
    changed, embedded = embed_cached(model, cache, [texts[0], "ЖСН өмір бойы беріледі."])
    assert embedded == 1 and model.passages_seen == 3, "only the changed text is embedded"
    # Another process (a new cache object on the same file) sees the same vectors.
    assert VectorCache(tmp_path / "cache.sqlite3", model.dim).count() == 3


def test_rebuild_reuses_cached_vectors(tmp_path: Path, embedder: Any) -> None:
    docs = [KK_ONLY, *RU_DOCS]
    _index, stage = _stage(tmp_path, embedder, docs)
    model = stage.embedder
    seen = model.passages_seen
    assert seen == sum(len(chunk_texts(d)) for d in docs)
    stamps, load = docs_loader(docs)
    report = stage.refresh(stamps, load, "c1")
    assert report.changed == 0 and model.passages_seen == seen, "nothing changed: no work"
    # The live set deleted (a rebuild from scratch): every vector comes from the cache.
    for part in (tmp_path / "vectors").glob("set-*"):
        shutil.rmtree(part)
    (tmp_path / "vectors" / "CURRENT").unlink()
    report = stage.refresh(stamps, load, "c2")
    assert report.changed == len(docs) and report.embedded == 0
    assert model.passages_seen == seen
    assert len(stage.store.reload().entries) == len(docs)


def test_an_edit_embeds_only_the_changed_passages(tmp_path: Path, embedder: Any) -> None:
    docs = [KK_ONLY, *RU_DOCS]
    _index, stage = _stage(tmp_path, embedder, docs)
    seen = stage.embedder.passages_seen
    edited = _doc("ru", "passport", RU_DOCS[0].title, RU_DOCS[0].answer + " Срок — 15 дней.")
    stamps, load = docs_loader([KK_ONLY, edited])  # tax-debt retired, passport edited
    report = stage.refresh(stamps, load, "c2")
    assert (report.changed, report.removed, report.embedded) == (1, 1, 1)
    assert stage.embedder.passages_seen == seen + 1
    assert [e.key for e in stage.store.reload().entries] == ["kk/altyn-alqa", "ru/passport"]


def test_russian_question_finds_kazakh_only_article(tmp_path: Path, embedder: Any) -> None:
    index, stage = _stage(tmp_path, embedder, [KK_ONLY, *RU_DOCS])
    lexical = index.search(RU_QUESTION, limit=10)
    assert "kk/altyn-alqa" not in [h.key for h in lexical.hits], "the words do not match"
    result = index.search(RU_QUESTION, stage=stage, limit=10)
    assert isinstance(result, SemanticResult)
    assert result.hits[0].key == "kk/altyn-alqa"
    assert result.answer_in == {"kk/altyn-alqa": "kk"}
    assert "kk/altyn-alqa" in result.semantic_keys
    payload = result.as_dict()
    assert payload["results"][0]["answer_in"] == "kk" and payload["semantic"] is True
    # A filter applies to what the vectors find as well.
    filtered = index.search(RU_QUESTION, stage=stage, limit=10, lang="ru")
    assert all(hit.lang == "ru" for hit in filtered.hits)


def test_kazakh_question_finds_russian_only_article(tmp_path: Path, embedder: Any) -> None:
    index, stage = _stage(tmp_path, embedder, [KK_ONLY, *RU_DOCS])
    result = index.search("мүлік салығы бойынша қарызды қалай тексеремін", stage=stage, limit=3)
    assert isinstance(result, SemanticResult)
    assert result.hits[0].key == "ru/tax-debt"
    assert result.answer_in.get("ru/tax-debt") == "ru"


def test_the_linked_translation_is_preferred(tmp_path: Path, embedder: Any) -> None:
    translation = _doc(
        "ru",
        "altyn-alqa",
        "Подвеска «Алтын алка»",
        "Награждение подвеской и ежемесячное государственное пособие.",
        id="altyn-alqa",
    )
    docs = [KK_ONLY, translation, *RU_DOCS]
    index, stage = _stage(tmp_path, embedder, docs)
    result = index.search(RU_QUESTION, stage=stage, limit=10)
    keys = [hit.key for hit in result.hits]
    assert keys[0] == "ru/altyn-alqa", keys
    assert "ru/altyn-alqa" not in result.answer_in
    assert "kk/altyn-alqa" not in result.answer_in, "its translation is shown: no label"


def test_query_vectors_are_cached(tmp_path: Path, embedder: Any) -> None:
    index, stage = _stage(tmp_path, embedder, [KK_ONLY, *RU_DOCS])
    first = index.search(RU_QUESTION, stage=stage, limit=5)
    again = index.search("  какие  выплаты положены многодетной матери ", stage=stage, limit=5)
    assert stage.embedder.queries_seen == 1
    assert [h.key for h in first.hits] == [h.key for h in again.hits]


def test_queries_that_do_not_qualify_stay_lexical(tmp_path: Path, embedder: Any) -> None:
    index, stage = _stage(tmp_path, embedder, [KK_ONLY, *RU_DOCS])
    for q in ('"паспорт гражданина"', "123456789012", "а б"):
        assert not qualifies(q)
        result = index.search(q, stage=stage, limit=5)
        assert not isinstance(result, SemanticResult)
        assert [h.key for h in result.hits] == [h.key for h in index.search(q, limit=5).hits]
    assert stage.embedder.queries_seen == 0
    assert qualifies("паспорт") and qualifies("ЖСН алу")


def test_minmax_and_fuse() -> None:
    assert minmax({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert minmax({"a": 5.0}) == {"a": 1.0}
    fused = fuse({"a": 10.0, "b": 5.0}, {"a": 0.70, "b": 0.90, "c": 0.80}, weight=0.5)
    assert [key for key, _ in fused] == ["a", "b", "c"]
    assert fused[0][1] == pytest.approx(0.5 * 1.0 + 0.5 * 0.0)
    assert dict(fused)["c"] == pytest.approx(0.5 * 0.0 + 0.5 * 0.5)
    # Meaning can outrank words: a weight near 0 follows the cosine.
    assert [k for k, _ in fuse({"a": 10.0, "b": 5.0}, {"a": 0.1, "b": 0.9}, weight=0.1)] == [
        "b",
        "a",
    ]


def test_float16_matrix_scores_like_float32_across_blocks() -> None:
    rng = np.random.default_rng(17)
    rows = BLOCK_ROWS * 2 + 37  # three blocks, the last one short
    matrix = rng.standard_normal((rows, 384)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    starts = list(range(0, rows, 3))
    entries = tuple(
        Entry(f"kk/a{i}", "s", start, min(start + 3, rows), {"lang": "kk"})
        for i, start in enumerate(starts)
    )
    query = matrix[5] + 0.1 * matrix[rows - 1]
    query /= np.linalg.norm(query)
    wide = VectorSet("set-1", "c", matrix, entries).doc_scores(query)
    narrow = VectorSet("set-1", "c", matrix.astype(np.float16), entries).doc_scores(query)
    assert narrow.dtype == np.float32 and narrow.shape == (len(entries),)
    np.testing.assert_allclose(narrow, wide, atol=2e-3)
    expected = np.maximum.reduceat(matrix @ query, np.array(starts))
    np.testing.assert_allclose(wide, expected, rtol=1e-5)
    assert int(np.argmax(narrow)) == int(np.argmax(wide)) == 1  # row 5 is in the second entry
    # The head passage mixed in: (1 - h) * best passage + h * first passage.
    mixed = VectorSet("set-1", "c", matrix, entries).doc_scores(query, head_share=0.25)
    heads = (matrix @ query)[np.array(starts)]
    np.testing.assert_allclose(mixed, 0.75 * expected + 0.25 * heads, rtol=1e-5)


def test_a_set_keeps_only_what_filters_and_translations_need(tmp_path: Path, embedder: Any) -> None:
    _index, stage = _stage(tmp_path, embedder, [KK_ONLY, *RU_DOCS])
    live = stage.store.reload()
    assert all(set(entry.fields) <= set(HIT_FIELDS) for entry in live.entries)
    assert "title" not in HIT_FIELDS and "answer" not in HIT_FIELDS
    # A set written by an older version (titles, answers, leads beside the vectors) loads
    # with those fields dropped.
    folder = tmp_path / "vectors" / live.name
    meta = json.loads((folder / "docs.json").read_text(encoding="utf-8"))
    for doc in meta["docs"]:
        doc["fields"]["title"] = "Тақырып"
        doc["fields"]["lead"] = "Ұзын мәтін " * 40
    (folder / "docs.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    reread = VectorStore(tmp_path / "vectors", stage.embedder.dim).live()
    assert [e.key for e in reread.entries] == [e.key for e in live.entries]
    assert all("title" not in e.fields and "lead" not in e.fields for e in reread.entries)
    assert reread.entries[0].fields["lang"] == live.entries[0].fields["lang"]


def test_choose_the_lexical_share_by_the_kind_of_result() -> None:
    rule = FusionRule(0.4, 0.6, 0.2, widen_strong=False, kk_weight=0.3)
    strong = {"weak": False, "lexical_langs": ["ru", "kk"], "nearest_lang": "ru"}
    assert choose(rule, query_lang="ru", **strong) == (0.4, False)
    assert choose(rule, query_lang="kk", **strong) == (0.3, False), "Kazakh's own share"
    assert choose(FusionRule(widen_strong=True), query_lang="ru", **strong)[1] is True
    weak = {**strong, "weak": True}
    assert choose(rule, query_lang="ru", **weak) == (0.6, True)
    # Weak, and the meaning points to the other language: across languages.
    assert choose(rule, query_lang="kk", **weak) == (0.2, True)
    # No lexical hit in the question's language (or none at all): across languages.
    only_kk = {"weak": False, "lexical_langs": ["kk"], "nearest_lang": "kk"}
    assert choose(rule, query_lang="ru", **only_kk) == (0.2, True)
    assert choose(rule, query_lang="ru", weak=False, lexical_langs=[], nearest_lang=None) == (
        0.2,
        True,
    )
    with pytest.raises(ValueError, match="unknown fusion method"):
        FusionRule(method="zscore")


def test_fusion_scalings() -> None:
    lexical = {"a": 10.0, "b": 9.0, "c": 1.0}
    dense = {"a": 0.50, "b": 0.80, "c": 0.60, "d": 0.90}
    # By max: near-equal lexical scores stay near-equal (min-max would spread them 0..1).
    by_max = dict(fuse(lexical, dense, 0.5, "max"))
    assert by_max["b"] == pytest.approx(0.5 * 0.9 + 0.5 * 0.75)
    assert by_max["a"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.0)
    # Reciprocal ranks: the lexical order and the cosine order, whatever the raw scores.
    rrf = fuse(lexical, dense, 0.5, "rrf", rrf_k=1.0)
    assert dict(rrf)["a"] == pytest.approx(0.5 / 2 + 0.5 / 5)
    assert [key for key, _ in rrf][:2] == ["a", "b"]
