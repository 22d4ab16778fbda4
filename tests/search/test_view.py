"""search.view, the one reader of Whoosh's storage, gives what Whoosh's public API gives.

Checked on a small index of three segments with deletions (the real schema and
analysers for the view, a plain one for the block reader), and: no other module of
``search/`` reaches into a private attribute of someone else's object.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import query as wq
from whoosh.fields import ID
from whoosh.fields import TEXT
from whoosh.fields import Schema
from whoosh.index import Index
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.writing import NO_MERGE

from search.lifecycle import RamIndexStorage as RamStorage
from search.schema import IndexDoc
from search.schema import build_schema
from search.schema import document_from
from search.view import IndexView
from search.view import ReadCaches
from search.view import read_vocabulary
from search.view import reopen_searcher
from search.view import term_postings

WORDS = ("салық", "налог", "паспорт", "төлеу")
SEARCH = Path(__file__).resolve().parents[2] / "search"


def _matcher_postings(reader, fieldname: str, text: str) -> list[tuple[int, float]]:  # type: ignore[no-untyped-def]
    """The postings through Whoosh's public matcher (the slow, trusted path)."""
    if not reader.doc_frequency(fieldname, text):
        return []
    matcher = reader.postings(fieldname, text)
    out = []
    while matcher.is_active():
        out.append((matcher.id(), matcher.weight()))
        matcher.next()
    return out


def _block_postings(reader, fieldname: str, text: str) -> list[tuple[int, float]]:  # type: ignore[no-untyped-def]
    return [
        (docnum, tf)
        for docnums, frequencies in term_postings(reader, fieldname, text)
        for docnum, tf in zip(docnums, frequencies, strict=True)
    ]


def test_blocks_match_the_matcher_across_segments_and_deletions() -> None:
    ix = RamStorage().create_index(Schema(key=ID(unique=True, stored=True), body=TEXT()))
    # Three segments, the first with several 128-posting blocks; term frequencies vary.
    for segment in range(3):
        writer = ix.writer()
        for n in range(400 if segment == 0 else 90):
            words = [WORDS[(n + segment) % 4]] * (1 + n % 3) + [WORDS[n % 2]]
            writer.add_document(key=f"{segment}-{n}", body=" ".join(words))
        writer.commit(mergetype=NO_MERGE)
    writer = ix.writer()
    for n in range(0, 400, 7):  # deletions inside the first segment's blocks
        writer.delete_by_term("key", f"0-{n}")
    writer.delete_by_term("key", "2-5")
    writer.commit(mergetype=NO_MERGE)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert len(reader.leaf_readers()) == 3
        for word in (*WORDS, "absent"):
            expected = _matcher_postings(reader, "body", word)
            assert _block_postings(reader, "body", word) == expected
        assert _matcher_postings(reader, "body", "салық")  # the comparison is not vacuous
        deleted = {n for n in range(0, 400, 7)}
        assert not deleted & {d for d, _ in _block_postings(reader, "body", "налог")}


def _public_state(searcher: Searcher) -> dict[str, object]:
    """What a query can see of a searcher, read through Whoosh's public API only."""
    reader = searcher.reader()
    return {
        "count": reader.doc_count(),
        "all": reader.doc_count_all(),
        "deleted": [d for d in range(reader.doc_count_all()) if reader.is_deleted(d)],
        "stored": sorted(f["key"] for f in reader.all_stored_fields()),
        "postings": {w: _matcher_postings(reader, "body", w) for w in WORDS},
        "blocks": {w: _block_postings(reader, "body", w) for w in WORDS},
        "hits": {w: sorted(searcher.docs_for_query(wq.Term("body", w))) for w in WORDS},
    }


def test_reopen_keeps_live_segments_open_and_sees_new_deletions() -> None:
    ix = RamStorage().create_index(Schema(key=ID(unique=True, stored=True), body=TEXT()))
    for segment in range(2):
        writer = ix.writer()
        for n in range(300 if segment == 0 else 40):
            writer.add_document(key=f"{segment}-{n}", body=f"{WORDS[n % 4]} {WORDS[n % 3]}")
        writer.commit(mergetype=NO_MERGE)
    old = ix.searcher()
    old_leaves = {leaf.segment().segment_id(): leaf for leaf, _ in old.reader().leaf_readers()}
    # A publish: the article's old version deleted in the large segment, a new one added.
    writer = ix.writer()
    writer.delete_by_term("key", "0-3")
    writer.add_document(key="0-3", body="салық жаңа")
    writer.commit(mergetype=NO_MERGE)
    assert not old.up_to_date()
    new = reopen_searcher(ix, old, BM25F())
    assert new.up_to_date()
    with ix.searcher() as fresh:
        assert _public_state(new) == _public_state(fresh)
    assert 3 in _public_state(new)["deleted"]  # type: ignore[operator]
    leaves = [leaf for leaf, _ in new.reader().leaf_readers()]
    assert len(leaves) == 3
    kept = [leaf for leaf in leaves if leaf.segment().segment_id() in old_leaves]
    assert len(kept) == 2
    for leaf in kept:  # the term index of a kept segment was not opened again
        assert leaf._terms is old_leaves[leaf.segment().segment_id()]._terms
    # A merge removes the segments: their readers are closed, the result is a fresh one's.
    writer = ix.writer()
    writer.delete_by_term("key", "1-7")
    writer.commit(optimize=True)
    merged = reopen_searcher(ix, new, BM25F())
    with ix.searcher() as fresh:
        assert _public_state(merged) == _public_state(fresh)
    assert all(leaf.is_closed for leaf in kept)
    assert len(merged.reader().leaf_readers()) == 1
    merged.close()


def _doc(n: int, lang: str) -> IndexDoc:
    ru = ("Налог на имущество платят до 1 октября", "Паспорт меняют в ЦОНе за десять дней")
    kk = ("Мүлік салығын қазанның бірінә дейін төлейді", "Төлқұжатты ХҚКО-да ауыстырады")
    texts = ru if lang == "ru" else kk
    return IndexDoc(
        kind="article",
        id=f"a{n}",
        lang=lang,
        slug=f"s{n}",
        title=texts[n % 2].split(" ", 2)[0] + f" {n}",
        text=" ".join([texts[n % 2]] * (1 + n % 4)),
        category="tax" if n % 3 else "documents",
        keywords=("ЭЦП",) if n % 5 == 0 else (),
    )


@pytest.fixture
def index() -> Iterator[Index]:
    """The real schema in three segments, with deletions in the first two."""
    ix = RamStorage().create_index(build_schema())
    for part in range(3):
        writer = ix.writer()
        for n in range(part * 40, part * 40 + 40):
            writer.add_document(**document_from(_doc(n, "ru" if n % 2 else "kk")))
        writer.commit(mergetype=NO_MERGE)
    writer = ix.writer()
    for n in (*range(0, 40, 6), 45, 61):
        writer.delete_by_term("key", _doc(n, "ru" if n % 2 else "kk").key)
    writer.commit(mergetype=NO_MERGE)
    yield ix


@pytest.fixture
def searcher(index: Index) -> Iterator[Searcher]:
    with index.searcher() as found:
        assert len(found.reader().leaf_readers()) == 3
        yield found


def _view(searcher: Searcher, caches: ReadCaches | None = None) -> IndexView:
    return IndexView(searcher, (1, searcher.reader().generation()), caches or ReadCaches(), {})


FIELDS = ("title_ru", "body_ru", "keywords_ru", "title_kk", "body_kk", "keywords_kk")


def test_statistics_are_the_readers(searcher: Searcher) -> None:
    view = _view(searcher)
    reader = searcher.reader()
    assert view.doc_count() == reader.doc_count() == 120 - 9
    assert view.doc_count_all() == reader.doc_count_all() == 120
    checked = 0
    for fieldname in FIELDS:
        for term in reader.field_terms(fieldname):
            assert view.doc_frequency(fieldname, term) == reader.doc_frequency(fieldname, term)
            assert view.idf(fieldname, term) == searcher.idf(fieldname, term)
            checked += 1
        assert view.avg_field_length(fieldname) == searcher.avg_field_length(fieldname)
    assert checked > 20
    assert view.doc_frequency("body_ru", "нет-такого") == 0


def test_field_lengths_are_the_readers_also_after_a_new_segment(index: Index) -> None:
    caches = ReadCaches()
    with index.searcher() as searcher:
        reader = searcher.reader()
        for fieldname in FIELDS:
            expected = [reader.doc_field_length(d, fieldname, 0) for d in range(120)]
            assert _view(searcher, caches).field_lengths(fieldname) == expected
        assert any(_view(searcher, caches).field_lengths("body_kk"))
    writer = index.writer()
    writer.add_document(**document_from(_doc(500, "kk")))
    writer.commit(mergetype=NO_MERGE)
    with index.searcher() as searcher:
        reader = searcher.reader()
        view = _view(searcher, caches)  # another state: the kept segments are reused
        count = reader.doc_count_all()
        expected = [reader.doc_field_length(d, "body_kk", 0) for d in range(count)]
        assert view.field_lengths("body_kk") == expected
        assert len(expected) == 121 and expected[-1] > 0


def test_view_postings_prefixes_and_vocabulary_are_the_readers(searcher: Searcher) -> None:
    view = _view(searcher)
    reader = searcher.reader()
    terms = list(reader.field_terms("body_ru"))
    assert terms
    for term in terms:
        blocks = [
            (d, f) for ds, fs in view.postings("body_ru", term) for d, f in zip(ds, fs, strict=True)
        ]
        assert blocks == _matcher_postings(reader, "body_ru", term)
    for prefix in ("па", "на", "x"):
        assert list(view.expand_prefix("body_ru", prefix)) == [
            t.decode() if isinstance(t, bytes) else t
            for t in reader.expand_prefix("body_ru", prefix)
        ]
    expected = [(t, reader.doc_frequency("body_kk", t)) for t in reader.field_terms("body_kk")]
    assert list(view.vocabulary(["body_kk"])) == expected


def test_prefix_expansion_is_the_readers_and_keeps_term_lists_per_segment(index: Index) -> None:
    caches = ReadCaches()
    for round_ in range(2):
        with index.searcher() as searcher:
            view, reader = _view(searcher, caches), searcher.reader()
            for fieldname in ("body_ru", "body_kk", "title_ru"):
                terms = [
                    t.decode() if isinstance(t, bytes) else t for t in reader.lexicon(fieldname)
                ]
                prefixes = {t[:n] for t in terms for n in (1, 2, 3)} | {"", "я", "zz"}
                for prefix in sorted(prefixes):
                    assert list(view.expand_prefix(fieldname, prefix)) == [
                        t.decode() if isinstance(t, bytes) else t
                        for t in reader.expand_prefix(fieldname, prefix)
                    ], (fieldname, prefix)
            live = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()}
            assert {seg for seg, _field in caches.segment_terms} == live
        if round_ == 0:  # a merge into one segment: the old segments' lists are dropped
            writer = index.writer()
            writer.add_document(**document_from(_doc(500, "ru")))
            writer.commit(optimize=True)


def test_read_vocabulary_from_a_view_or_an_index(index: Index, searcher: Searcher) -> None:
    from_view = read_vocabulary("kk", _view(searcher))
    from_index = read_vocabulary("kk", index)
    assert from_view == from_index
    terms, count = from_view
    assert count == searcher.doc_count()
    reader = searcher.reader()
    assert terms == [
        (t, reader.doc_frequency(f, t))
        for f in ("title_kk", "keywords_kk", "body_kk")
        for t in reader.field_terms(f)
    ]


def test_documents_filters_and_phrases_are_the_searchers(searcher: Searcher) -> None:
    view = _view(searcher)
    reader = searcher.reader()
    live = {n: fields for n, fields in enumerate(reader.all_stored_fields())}
    assert view.stored_keys() == {f["key"]: f["stamp"] for f in reader.all_stored_fields()}
    assert view.stored_keys(kind="body") == {}
    first = next(iter(searcher.document_numbers()))
    assert view.stored_fields(first) == searcher.stored_fields(first)
    assert len(live) == searcher.doc_count()
    keys = [_doc(n, "ru" if n % 2 else "kk").key for n in (1, 2, 45, 119)]  # 45 is deleted
    assert view.docnums_of([*keys, "ru/absent"]) == {
        key: searcher.document_number(key=key) for key in keys if key != _doc(45, "ru").key
    }
    assert all(view.stored_fields(n)["key"] == k for k, n in view.docnums_of(keys).items())
    pairs = (("category", "tax"), ("lang", "ru"))
    expected = set(searcher.docs_for_query(wq.And([wq.Term(k, v) for k, v in pairs])))
    assert view.filter_docs(pairs) == expected and expected
    assert view.filter_docs(()) is None
    deadline = time.perf_counter() + 60
    phrase = (("body_ru", ("паспорт", "менять")), ("title_kk", ("мүлік",)))
    found, timed_out = view.phrase_docs([phrase], None, deadline)
    query = wq.Or([wq.Phrase("body_ru", ["паспорт", "менять"]), wq.Term("title_kk", "мүлік")])
    assert found == set(searcher.docs_for_query(query)) and not timed_out
    assert any(searcher.stored_fields(d)["lang"] == "ru" for d in found)
    assert any(searcher.stored_fields(d)["lang"] == "kk" for d in found)
    only = view.phrase_docs([phrase], expected, deadline)[0]
    assert only == found & expected and only
    assert view.phrase_docs([phrase], None, time.perf_counter() - 1) == (set(), True)


def _private_reads(path: Path) -> list[str]:
    """``x._name`` where ``x`` is not ``self`` or ``cls`` (dunders are public protocol)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            found.append(f"{path.relative_to(SEARCH.parent)}:{node.lineno} .{node.attr}")
    return found


def test_only_the_view_reads_private_attributes() -> None:
    offences = [
        place
        for path in sorted(SEARCH.rglob("*.py"))
        if path.name != "view.py"
        for place in _private_reads(path)
    ]
    assert not offences, offences
    assert _private_reads(SEARCH / "view.py")  # the check finds what it looks for
