"""8 threads and 2 processes save the same and different articles at once.

Every save either lands (and is in the history) or gets a RevisionConflict carrying the
refused text; nothing is lost and ``git fsck`` stays clean.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

from articles_support import AUTHOR
from articles_support import git
from articles_support import hammer

from articles.store import ArticleStore

THREADS = 8
PROCESSES = 2
ROUNDS = 4


def test_threads_and_processes(store: ArticleStore, make_text) -> None:  # type: ignore[no-untyped-def]
    store.save("ru", "shared", make_text("ru", id="shared"), actor=AUTHOR)
    path = str(store.path)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(PROCESSES) as pool:
        procs = pool.starmap_async(hammer, [(path, f"p{i}", ROUNDS) for i in range(PROCESSES)])
        with ThreadPoolExecutor(THREADS) as threads:
            futures = [threads.submit(hammer, path, f"t{i}", ROUNDS) for i in range(THREADS)]
            results = [r for f in futures for r in f.result()]
        results += [r for rs in procs.get(timeout=120) for r in rs]

    assert len(results) == (THREADS + PROCESSES) * ROUNDS * 2
    assert all(ok for _slug, _outcome, _rev, ok in results), "a save or a refused text was lost"
    saved_shared = [r for r in results if r[0] == "shared" and r[1] == "saved"]
    conflicts = [r for r in results if r[1] == "conflict"]
    assert saved_shared, "no save of the shared article landed"
    # every landed save of the shared article is one commit in its history, none overwritten
    history = git(store, "log", "--format=%H", "refs/heads/main", "--", "ru/shared.md").split()
    assert len(history) == len(saved_shared) + 1
    assert {r[2] for r in saved_shared} <= set(history)
    # own articles never conflict: each worker's last round is what is stored
    for worker in [f"t{i}" for i in range(THREADS)] + [f"p{i}" for i in range(PROCESSES)]:
        assert store.get("kk", f"own-{worker}").body == f"{worker} round {ROUNDS - 1}\n"
    assert all(r[0] == "shared" for r in conflicts)
    assert git(store, "fsck", "--strict", "--no-progress") == ""
    assert git(store, "status", "--porcelain") == ""
    print(f"saved shared: {len(saved_shared)}, conflicts: {len(conflicts)}")
