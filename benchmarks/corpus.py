"""Benchmark document and query sets built from ``../shared/corpora`` (read, never copied).

- Quality: the judged passages of ``xquad_ru`` and ``kazqad_kk`` indexed together with
  distractors (``ntrex_kk_ru`` news, ``egov_kz_services_ru`` services, and KazNERD
  sentences grouped into pseudo-articles).
- Latency: the same real documents padded with KazNERD pseudo-articles up to N documents,
  plus a stream of real questions (RuBQ, KazQAD) and short operator-style queries, some
  with typos, a wrong keyboard layout, or still being typed.

The folder is found through ``KB_SHARED`` or as ``../shared`` next to the repository.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.schema import IndexDoc

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Sentences per KazNERD pseudo-article (about 1.4k characters, an article's length).
SENTENCES_PER_ARTICLE = 20

#: Russian ЙЦУКЕН letters and the Latin keys under them (QWERTY), for wrong-layout queries.
_RU_TO_QWERTY = dict(
    zip(
        "йцукенгшщзхъфывапролджэячсмитьбю",
        "qwertyuiop[]asdfghjkl;'zxcvbnm,.",
        strict=True,
    )
)


@dataclass(frozen=True)
class JudgedQuery:
    """A query with its relevant documents.

    :param id: the query id.
    :param lang: the query language.
    :param text: the query text.
    :param relevant: ids of the relevant documents.
    """

    id: str
    lang: str
    text: str
    relevant: frozenset[str]


def shared_dir() -> Path:
    """Return the shared folder (``KB_SHARED`` or ``../shared``).

    :returns: the path (it may not exist).
    """
    env = os.environ.get("KB_SHARED")
    return Path(env) if env else (REPO_ROOT / ".." / "shared").resolve()


def corpora_dir() -> Path:
    """Return ``<shared>/corpora``, checking it is there.

    :returns: the path.
    :raises FileNotFoundError: naming the folder and how to point at it.
    """
    path = shared_dir() / "corpora"
    if not path.is_dir():
        raise FileNotFoundError(
            f"{path} is absent: put the shared corpora there or set KB_SHARED to the folder "
            "that holds corpora/"
        )
    return path


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Read one JSON object a line.

    :param path: the file.
    :returns: an iterator over the objects.
    """
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _slug(source: str, raw_id: str) -> str:
    return f"{source}-" + re.sub(r"[^a-z0-9]+", "-", raw_id.lower()).strip("-")


def _doc(source: str, row: dict[str, Any], category: str = "other") -> IndexDoc:
    slug = _slug(source, str(row["id"]))
    lang = row.get("lang", "ru")
    return IndexDoc(
        kind="article",
        id=str(row["id"]),
        lang=lang,
        slug=slug,
        title=row.get("title") or "",
        text=row.get("text") or "",
        category=category,
        url=f"/{lang}/{slug}",
    )


def judged_docs() -> list[IndexDoc]:
    """Return the judged passages: ``xquad_ru`` and ``kazqad_kk``.

    :returns: the documents (their ``id`` is the corpus id used in the qrels).
    """
    root = corpora_dir()
    docs = [_doc("xquad", row) for row in read_jsonl(root / "xquad_ru" / "corpus.jsonl")]
    docs += [
        _doc("kazqad", row)
        for row in read_jsonl(root / "kazqad_kk" / "corpus_validation_passages.jsonl")
    ]
    return docs


def distractor_docs() -> list[IndexDoc]:
    """Return the real distractors: ntrex news (kk+ru) and egov.kz services (ru).

    :returns: the documents.
    """
    root = corpora_dir()
    docs = [_doc("ntrex", row) for row in read_jsonl(root / "ntrex_kk_ru" / "docs.jsonl")]
    docs += [
        _doc("egov", row, category="other")
        for row in read_jsonl(root / "egov_kz_services_ru" / "docs.jsonl")
    ]
    return docs


def kaznerd_sentences() -> list[str]:
    """Return the KazNERD sentences in file order.

    :returns: the sentence texts.
    """
    path = corpora_dir() / "kaznerd_kk_sentences" / "sentences.jsonl"
    return [row["text"] for row in read_jsonl(path)]


def pseudo_articles(count: int, *, seed: int = 1414, start: int = 0) -> list[IndexDoc]:
    """Group KazNERD sentences into Kazakh pseudo-articles.

    The first articles take consecutive sentences; once the file is used up, further
    articles sample sentences at random (seeded), so any count can be reached.

    :param count: how many articles.
    :param seed: the random seed for sampled articles.
    :param start: number of the first article (keeps slugs unique across calls).
    :returns: the articles (title = first sentence).
    """
    sentences = kaznerd_sentences()
    rng = random.Random(seed)
    docs: list[IndexDoc] = []
    whole = len(sentences) // SENTENCES_PER_ARTICLE
    for n in range(start, start + count):
        if n < whole:
            group = sentences[n * SENTENCES_PER_ARTICLE : (n + 1) * SENTENCES_PER_ARTICLE]
        else:
            group = rng.sample(sentences, SENTENCES_PER_ARTICLE)
        slug = f"kaznerd-{n:06d}"
        docs.append(
            IndexDoc(
                kind="article",
                id=slug,
                lang="kk",
                slug=slug,
                title=group[0][:120],
                text="\n".join(group[1:]),
                category="other",
                url=f"/kk/{slug}",
            )
        )
    return docs


def quality_docs(*, distractors: bool = True) -> list[IndexDoc]:
    """Return the quality corpus: judged passages plus every real distractor.

    :param distractors: False for the judged passages only.
    :returns: the documents.
    """
    docs = judged_docs()
    if distractors:
        docs += distractor_docs()
        docs += pseudo_articles(len(kaznerd_sentences()) // SENTENCES_PER_ARTICLE)
    return docs


def latency_docs(total: int = 20_000) -> list[IndexDoc]:
    """Return ``total`` documents: all real ones, padded with KazNERD pseudo-articles.

    :param total: the number of documents wanted.
    :returns: the documents.
    """
    docs = judged_docs() + distractor_docs()
    if total <= len(docs):
        return docs[:total]
    return docs + pseudo_articles(total - len(docs))


def judged_queries(name: str, limit: int | None = None) -> list[JudgedQuery]:
    """Return the judged queries of ``kazqad_kk`` (validation) or ``xquad_ru``.

    :param name: ``"kazqad_kk"`` or ``"xquad_ru"``.
    :param limit: at most this many (the first ones), or all.
    :returns: the queries with their relevant document ids.
    :raises ValueError: for another name.
    """
    root = corpora_dir()
    files = {
        "kazqad_kk": root / "kazqad_kk" / "queries_validation.jsonl",
        "xquad_ru": root / "xquad_ru" / "queries.jsonl",
    }
    if name not in files:
        raise ValueError(f"unknown query set {name!r}: use {' or '.join(files)}")
    out = [
        JudgedQuery(
            id=row["id"],
            lang=row["lang"],
            text=row["query"],
            relevant=frozenset(row["relevant_doc_ids"]),
        )
        for row in read_jsonl(files[name])
    ]
    return out[:limit] if limit else out


def wrong_layout(text: str) -> str:
    """Retype Russian text as if the keyboard were left on the Latin layout.

    :param text: Russian text.
    :returns: the same keys as Latin characters.
    """
    return "".join(_RU_TO_QWERTY.get(ch, ch) for ch in text.lower())


def _typo(word: str, rng: random.Random) -> str:
    """Swap two neighbouring letters or drop one (a typical operator's slip)."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def operator_queries(count: int, *, seed: int = 1414) -> list[str]:
    """Return short operator-style queries (1–3 words) from real titles.

    A fifth carry a typo, a tenth are typed in the wrong layout (Russian ones), a tenth
    are unfinished (the last word cut, as while typing).

    :param count: how many.
    :param seed: the random seed.
    :returns: the queries.
    """
    rng = random.Random(seed)
    titles = [d.title for d in judged_docs() + distractor_docs() if d.title]
    out: list[str] = []
    while len(out) < count:
        title = rng.choice(titles)
        words = [w for w in re.findall(r"\w+", title) if len(w) > 2]
        if not words:
            continue
        n = min(len(words), rng.choice((1, 2, 2, 3)))
        begin = rng.randrange(0, len(words) - n + 1)
        picked = [w.lower() for w in words[begin : begin + n]]
        roll = rng.random()
        text = " ".join(picked)
        if roll < 0.2:
            picked[-1] = _typo(picked[-1], rng)
            text = " ".join(picked)
        elif roll < 0.3 and re.fullmatch(r"[а-яё ]+", text):
            text = wrong_layout(text)
        elif roll < 0.4 and len(picked[-1]) > 4:
            text = " ".join([*picked[:-1], picked[-1][: rng.randrange(3, len(picked[-1]))]])
        out.append(text)
    return out


def question_queries(count: int, *, seed: int = 1414) -> list[str]:
    """Return real questions: RuBQ (Russian) and KazQAD test topics (Kazakh), mixed.

    :param count: how many (half from each, shuffled).
    :param seed: the random seed.
    :returns: the questions.
    """
    root = corpora_dir()
    ru = [row["query"] for row in read_jsonl(root / "rubq_ru_queries" / "queries.jsonl")]
    kk = [row["query"] for row in read_jsonl(root / "kazqad_kk" / "queries_test_no_corpus.jsonl")]
    rng = random.Random(seed)
    picked = rng.sample(ru, min(len(ru), count // 2)) + rng.sample(
        kk, min(len(kk), count - count // 2)
    )
    rng.shuffle(picked)
    return picked
