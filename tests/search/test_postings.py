"""The block reader of postings gives what Whoosh's matcher API gives."""

from __future__ import annotations

from whoosh.fields import ID
from whoosh.fields import TEXT
from whoosh.fields import Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.writing import NO_MERGE

from search.query import term_postings

WORDS = ("салық", "налог", "паспорт", "төлеу")


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
