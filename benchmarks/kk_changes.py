"""Show which KazNERD words a change to the Kazakh stemmer cuts differently.

Every suffix rule of ``search/analysis/kazakh.py`` was judged this way: save the stems
of every KazNERD word before the change, make it, and read the words whose stem moved,
most frequent first (``үйлердің үйле → үй`` is a fix, ``алмас ал → алмас`` a choice).
The treebank figures of ``benchmarks/conflation.py`` then say whether it holds on
held-out text.  Reads ``../shared/corpora/kaznerd_kk_sentences`` in place::

    .venv/bin/python benchmarks/kk_changes.py save /tmp/before.json
    # ... change the rules ...
    .venv/bin/python benchmarks/kk_changes.py diff /tmp/before.json [--top 80]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == _ROOT / "benchmarks":
    # Run as a script: the repository root replaces this directory on the path.
    sys.path[0] = str(_ROOT)
elif str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from benchmarks.conflation import shared_dir  # noqa: E402
from benchmarks.kk_lexicon import word_counts  # noqa: E402
from search.analysis.kazakh import kk_stem  # noqa: E402


def changes(before: dict[str, str], counts: Counter[str]) -> list[tuple[int, str, str, str]]:
    """List the words whose stem is no longer the one saved.

    :param before: word → stem, as saved before the change.
    :param counts: word → occurrences.
    :returns: ``(occurrences, word, stem before, stem now)``, most frequent first.
    """
    moved = [
        (counts[word], word, stem, now)
        for word, stem in before.items()
        if (now := kk_stem(word)) != stem
    ]
    return sorted(moved, key=lambda row: (-row[0], row[1]))


def main(argv: list[str] | None = None) -> int:
    """Save the current stems, or compare them with saved ones."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("save", "diff"))
    parser.add_argument("file", type=Path, help="the JSON file of saved stems")
    parser.add_argument("--top", type=int, default=80, help="rows to print (diff)")
    args = parser.parse_args(argv)
    path = shared_dir() / "corpora" / "kaznerd_kk_sentences" / "sentences.jsonl"
    if not path.is_file():
        print(f"{path} absent: put the shared corpora next to the repository", file=sys.stderr)
        return 2
    counts = word_counts(path, folded=False)
    if args.action == "save":
        args.file.write_text(json.dumps({w: kk_stem(w) for w in counts}), encoding="utf-8")
        print(f"{len(counts)} words saved to {args.file}")
        return 0
    moved = changes(json.loads(args.file.read_text(encoding="utf-8")), counts)
    print(f"{len(moved)} words ({sum(row[0] for row in moved)} occurrences) cut differently")
    for n, word, stem, now in moved[: args.top]:
        print(f"{n:6}  {word}  {stem} → {now}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
