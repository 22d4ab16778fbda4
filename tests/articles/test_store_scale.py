"""Scale guards: listing and index support use a constant number of git processes.

Runs on 2,000 articles by default; ``KB_SCALE_N=20000`` measures the design target
(about a minute on two cores) and prints the timings.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from articles_support import AUTHOR
from articles_support import make_text

from articles.store import ArticleStore

N = int(os.environ.get("KB_SCALE_N", "2000"))


def test_many_articles_constant_processes(tmp_path: Path) -> None:
    timings: dict[str, float] = {}
    with ArticleStore.init(tmp_path / "c") as store:
        items = [
            (lang, f"a{i}", make_text(lang, id=f"a{i}", body=f"Мәтін / текст {i}\n"), None)
            for i in range(N // 2)
            for lang in ("kk", "ru")
        ]
        start = time.perf_counter()
        store.save_many(items, actor=AUTHOR, publish=True)
        timings["save_many+publish"] = time.perf_counter() - start
        head = store.published_head()

    calls: list[tuple[str, ...]] = []
    with ArticleStore(tmp_path / "c") as store:
        run = store.repo.run

        def counting_run(*args: str, **kwargs: object) -> bytes:
            calls.append(args)
            return run(*args, **kwargs)  # type: ignore[arg-type]

        store.repo.run = counting_run  # type: ignore[method-assign]
        start = time.perf_counter()
        assert len(store.list("published")) == N
        timings["list cold"] = time.perf_counter() - start
        start = time.perf_counter()
        store.list("published")
        timings["list warm"] = time.perf_counter() - start
        assert len(calls) <= 3, calls  # ls-tree + cat-file, then ls-tree again
        calls.clear()
        start = time.perf_counter()
        assert len(store.changed_since(None)[0]) == N
        assert store.changed_since(head) == ([], [])
        timings["changed_since x2"] = time.perf_counter() - start
        assert len(calls) == 2
        calls.clear()
        start = time.perf_counter()
        for i in range(200):
            assert store.get("ru", f"a{i}", line="published").id == f"a{i}"
        timings["get published (avg)"] = (time.perf_counter() - start) / 200
        assert calls == []  # the persistent cat-file process serves reads
    print(f"N={N}: " + ", ".join(f"{k} {v:.3f}s" for k, v in timings.items()))
