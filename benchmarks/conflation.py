"""Measure conflation and over-merging of the Kazakh and Russian analysers.

Data: ``../shared/corpora/ud_kk_ru`` (Universal Dependencies KTB and GSD/Taiga word
forms with lemmas, CC BY-SA 4.0), read in place, never copied.  Sentences are split by
``crc32(sent_id)`` into a development half (even) and a held-out half (odd); figures
are reported on the held-out half unless ``--split dev`` is given.

- **conflation**: share of tokens (letters-only forms, not punctuation) whose key set
  meets their lemma's key set;
- **over-merged**: on a seeded sample of up to 2,000 distinct lemmas, share of lemmas
  whose key set meets the key set of another sampled lemma.

Run: ``.venv/bin/python benchmarks/conflation.py [--split dev|test] [--errors N]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == _ROOT / "benchmarks":
    # Run as a script: the repository root replaces this directory on the path, so a
    # module here (benchmarks/http.py) does not shadow the standard library's.
    sys.path[0] = str(_ROOT)
elif str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from search.analysis.folding import KAZAKH_FOLD  # noqa: E402
from search.analysis.kazakh import kk_key  # noqa: E402
from search.analysis.kazakh import kk_stem  # noqa: E402
from search.analysis.russian import ru_lemmas  # noqa: E402

Keys = Callable[[str], frozenset[str]]


@dataclass(frozen=True)
class Analyser:
    """How one analyser turns a word into query terms and into index terms."""

    query: Keys
    index: Keys
    #: How the user types the form (identity, or Kazakh letters replaced).
    typed: Callable[[str], str] = str
    #: Whether to also require the lemma typed as a query to find the form.
    both_ways: bool = True


def same(keys: Keys, typed: Callable[[str], str] = str) -> Analyser:
    """An analyser with the same terms at index and query time."""
    return Analyser(keys, keys, typed)


#: Cyrillic letters replaced by Latin look-alikes to imitate text pasted from scans.
_TO_LATIN = str.maketrans({"а": "a", "с": "c", "о": "o", "е": "e", "р": "p", "х": "x"})
_KK_TO_RU = str.maketrans({k: v for k, v in KAZAKH_FOLD.items() if k != "ё"})


@dataclass(frozen=True)
class Token:
    """One word form with its lemma."""

    form: str
    lemma: str


@dataclass(frozen=True)
class Result:
    """Figures for one analyser on one data set."""

    name: str
    conflation: float
    over_merged: float
    tokens: int
    lemmas: int


def shared_dir() -> Path:
    """Return the shared corpora directory (``KB_SHARED`` or ``../shared``)."""
    env = os.environ.get("KB_SHARED")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / ".." / "shared"


def in_split(sent_id: str, split: str) -> bool:
    """Tell whether a sentence belongs to ``split`` (``dev`` even hash, ``test`` odd)."""
    return (zlib.crc32(sent_id.encode("utf-8")) % 2 == 0) == (split == "dev")


def load(path: Path, split: str) -> list[Token]:
    """Read letters-only, non-punctuation tokens of one split, lowercased."""
    tokens = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            form, lemma = row["form"].lower(), row["lemma"].lower()
            if row["upos"] == "PUNCT" or not form.isalpha() or not lemma:
                continue
            if in_split(row["sent_id"], split):
                tokens.append(Token(form, lemma))
    return tokens


def measure(
    name: str, tokens: list[Token], analyser: Analyser
) -> tuple[Result, list[tuple[str, str, str, str]]]:
    """Measure one analyser.

    A token conflates when its form, typed as ``analyser.typed`` says, finds its lemma
    (query terms of the form meet index terms of the lemma) and, for ``both_ways``,
    the lemma typed as a query finds the form.  Two lemmas are merged when either,
    typed as a query, finds the other.
    """
    q, ix = analyser.query, analyser.index
    hits = 0
    misses = []
    for tok in tokens:
        typed = analyser.typed(tok.form)
        ok = bool(q(typed) & ix(tok.lemma))
        if ok and analyser.both_ways:
            ok = bool(q(tok.lemma) & ix(tok.form))
        if ok:
            hits += 1
        else:
            misses.append((typed, tok.lemma, "|".join(q(typed)), "|".join(ix(tok.lemma))))
    lemmas = sorted({t.lemma for t in tokens})
    sample = random.Random(1414).sample(lemmas, min(2000, len(lemmas)))
    owners: dict[str, set[str]] = {}
    for lemma in sample:
        for key in ix(lemma):
            owners.setdefault(key, set()).add(lemma)
    merged = set()
    for lemma in sample:
        for key in q(lemma):
            others = owners.get(key, set()) - {lemma}
            if others:
                merged.add(lemma)
                merged.update(others)
    result = Result(
        name=name,
        conflation=hits / len(tokens),
        over_merged=len(merged) / len(sample),
        tokens=len(tokens),
        lemmas=len(sample),
    )
    return result, misses


def _kk_query(word: str) -> frozenset[str]:
    return frozenset([kk_stem(word)])


def _kk_index(word: str) -> frozenset[str]:
    return frozenset([kk_stem(word), kk_key(word)])


def kk_analysers() -> dict[str, Analyser]:
    """Name → analyser for Kazakh."""
    return {
        "identity": same(lambda w: frozenset([w])),
        "identity, typed with Russian letters": Analyser(
            lambda w: frozenset([w]), lambda w: frozenset([w]), _kk_typed_ru, both_ways=False
        ),
        "fold only": same(lambda w: frozenset([_fold(w)])),
        "folded stem both sides": same(lambda w: frozenset([kk_key(w)])),
        "ours: stem + folded stem indexed, stem queried": Analyser(_kk_query, _kk_index),
        "ours, typed with Russian letters": Analyser(
            _kk_query, _kk_index, _kk_typed_ru, both_ways=False
        ),
    }


def _ru_keys(word: str) -> frozenset[str]:
    return frozenset(ru_lemmas(word))


def ru_analysers() -> dict[str, Analyser]:
    """Name → analyser for Russian."""
    return {
        "identity": same(lambda w: frozenset([w])),
        "pymorphy3 top reading": same(lambda w: frozenset(ru_lemmas(w)[:1])),
        "ours: pymorphy3 all readings": same(_ru_keys),
        "ours, Latin look-alikes in the form": Analyser(
            _ru_keys, _ru_keys, _latinise, both_ways=False
        ),
    }


def _fold(word: str) -> str:
    from search.analysis.folding import fold

    return fold(word)


def _kk_typed_ru(word: str) -> str:
    return word.translate(_KK_TO_RU)


def _latinise(word: str) -> str:
    # Only mixed words are realistic: keep the first letter Cyrillic.
    return word[:1] + word[1:].translate(_TO_LATIN)


def report(rows: Iterable[Result], title: str) -> None:
    """Print a Markdown table of results."""
    print(f"\n### {title}\n")
    print("| analyser | conflation | over-merged | tokens | lemmas |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r.name} | {r.conflation:.3f} | {r.over_merged:.1%} | {r.tokens} | {r.lemmas} |")


def speed(lang: str, tokens: list[Token]) -> tuple[float, float]:
    """Words per second through the full analyzer, cold caches then warm."""
    from search.analysis import analyze
    from search.analysis import filters
    from search.analysis import kazakh
    from search.analysis import russian
    from search.analysis import terms

    text = " ".join(t.form for t in tokens)
    analyze(lang, "")  # build the analyzer outside the timing
    kazakh.kk_stem("қызметтері")  # load the stem lists outside the timing too
    russian.morph()
    for cached in (
        kazakh.kk_stem,
        kazakh.kk_key,
        russian.ru_lemmas,
        terms.term_key,
        filters.kk_word_terms,
        filters.ru_word_terms,
    ):
        cached.cache_clear()
    start = time.perf_counter()
    analyze(lang, text)
    cold = len(tokens) / (time.perf_counter() - start)
    start = time.perf_counter()
    analyze(lang, text)
    warm = len(tokens) / (time.perf_counter() - start)
    return cold, warm


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    parser.add_argument("--errors", type=int, default=0, help="print N most frequent misses")
    parser.add_argument("--lang", choices=("kk", "ru", "both"), default="both")
    args = parser.parse_args(argv)
    base = shared_dir() / "corpora" / "ud_kk_ru"
    if not base.is_dir():
        print(f"{base} absent: put the shared corpora next to the repository", file=sys.stderr)
        return 2
    plans = []
    if args.lang in ("kk", "both"):
        plans.append(("Kazakh, kk_ktb.tsv", base / "kk_ktb.tsv", kk_analysers()))
    if args.lang in ("ru", "both"):
        plans.append(("Russian, ru_gsd_taiga.tsv", base / "ru_gsd_taiga.tsv", ru_analysers()))
    for title, path, analysers in plans:
        tokens = load(path, args.split)
        rows = []
        for name, analyser in analysers.items():
            result, misses = measure(name, tokens, analyser)
            rows.append(result)
            if args.errors and "ours" in name:
                print(f"\n{name}: most frequent misses (form, lemma, form keys, lemma keys)")
                for miss, n in Counter(misses).most_common(args.errors):
                    print(n, *miss, sep="\t")
        report(rows, f"{title}, {args.split} half")
        cold, warm = speed("kk" if "Kazakh" in title else "ru", tokens)
        print(f"\nFull analyzer over these words: {cold:,.0f} words/s cold, {warm:,.0f} warm.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
