"""What the personal filters and the review-by reminders cost on a large draft line.

Builds a content repository of ``--articles`` articles written by ``--authors`` editors
in ``--commits`` commits (in a temporary folder), then times what a list with "my
drafts" / "owned by me" and each reminder round read:

- ``ArticleStore.last_writers()`` the first time (one ``git log`` of the whole history),
  again with nothing new (a ref read), and after one more save (a log of one commit);
- ``reminders.due_articles`` over the parsed draft line, and the list's rows and filter.

::

    .venv/bin/python benchmarks/notifications.py [--articles 5000] [--commits 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == _ROOT / "benchmarks":
    sys.path[0] = str(_ROOT)
elif str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from articles.model import Actor  # noqa: E402
from articles.store import ArticleStore  # noqa: E402
from editor.listing import Filters  # noqa: E402
from editor.listing import Me  # noqa: E402
from editor.listing import apply_filters  # noqa: E402
from editor.listing import build_rows  # noqa: E402


def _text(index: int, lang: str, owner: str) -> str:
    review = dt.date(2027, 1, 1) + dt.timedelta(days=index % 400)
    owner_line = f"owner: {owner}\n" if index % 3 == 0 else ""
    return (
        f"---\nid: a-{index}\ntitle: Мақала {index}\nlang: {lang}\n"
        f"review_by: {review.isoformat()}\n{owner_line}---\nМәтін {index}.\n"
    )


def _timed(label: str, call: object, repeat: int = 1) -> object:
    started = time.perf_counter()
    result = None
    for _ in range(repeat):
        result = call()  # type: ignore[operator]
    took = (time.perf_counter() - started) / repeat * 1000
    print(f"{label:58} {took:9.1f} ms")
    return result


def main() -> None:
    """Build the repository and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--commits", type=int, default=100)
    parser.add_argument("--authors", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        store = ArticleStore.init(Path(folder) / "content")
        authors = [Actor(f"Editor {n}", f"editor{n}@kb.local") for n in range(args.authors)]
        per_commit = max(1, args.articles // args.commits)
        started = time.perf_counter()
        for start in range(0, args.articles, per_commit):
            items = [
                (lang, f"a-{i}", _text(i, lang, f"editor{i % args.authors}"), None)
                for i in range(start, min(args.articles, start + per_commit))
                for lang in ("kk",)
            ]
            store.save_many(items, actor=authors[(start // per_commit) % args.authors])
        print(
            f"built {args.articles} articles in {args.commits} commits "
            f"({time.perf_counter() - started:.1f} s)"
        )
        drafts = store.list()
        _timed("last_writers(), first call (whole history)", store.last_writers)
        _timed("last_writers(), nothing new (x100)", store.last_writers, 100)
        current = store.get("kk", "a-1")
        store.save(
            "kk",
            "a-1",
            _text(1, "kk", "editor1").replace("Мәтін", "Жаңа мәтін"),
            actor=authors[1],
            expected_revision=current.revision,
        )
        writers = _timed("last_writers(), after one more save", store.last_writers)
        assert isinstance(writers, dict) and writers[("kk", "a-1")].startswith("Editor 1 ")
        from kb.notifications.reminders import due_articles

        due = _timed(
            "due_articles() over the draft line",
            lambda: due_articles(store.list(), set(), dt.date(2027, 3, 1), 14),
        )
        print(f"{'':58} {len(due):9d} due or near")  # type: ignore[arg-type]
        states = store.states()
        rows = build_rows(drafts, {}, states, dt.date(2027, 3, 1), writers)  # type: ignore[arg-type]
        me = Me("editor3", "editor3@kb.local")
        owned = _timed(
            "rows + 'owned by me' filter",
            lambda: apply_filters(rows, Filters(owned=True), me),
        )
        print(f"{'':58} {len(owned):9d} owned by editor3")  # type: ignore[arg-type]
        store.close()


if __name__ == "__main__":
    main()
