"""The operator's screen on the demo content: caller language first, honest "nothing found",
and keystroke-to-results time.

Runs against a demo instance (``kb init --demo`` into a temporary folder, or ``--home``):

- **caller language first**: the Russian and Kazakh query lists of
  ``tests/search/data/caller_lang_{ru,kk}.txt`` with "all languages" and no caller
  language chosen; a query counts when its first result is in the query's language
  (the share of each list; target >= 95 %), and the top result's slug is reported too;
- **out of scope**: ``tests/search/data/out_of_scope.txt`` (questions the demo does not
  cover); a query counts when it gets no results or is marked weak (target >= 90 %);
- **keystroke to results**: every prefix of every query, typed key by key, through the
  real ``/-/results`` view with a signed-in operator (analysis, search, result views and
  the template), with the result cache off so each keystroke is computed; median and
  95th percentile in milliseconds. The browser adds its 120 ms debounce and the network.

    .venv/bin/python -m benchmarks.operator_queries            # everything
    .venv/bin/python -m benchmarks.operator_queries --no-timing
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "search" / "data"
PASSWORD = "bench-operator-password-1"


def read_pairs(name: str) -> list[tuple[str, str]]:
    """Read ``query<TAB>expected`` lines (``#`` comments, blank lines skipped).

    :param name: the file name under ``tests/search/data``.
    :returns: the pairs (expected may be empty).
    """
    pairs = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, _, expected = line.partition("\t")
        pairs.append((query.strip(), expected.strip()))
    return pairs


def _slug(hit: Any) -> str:
    return str(hit.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])


def caller_language_share(kb: Any, lang: str) -> tuple[float, float, list[str]]:
    """Share of ``lang``'s queries whose first result is in ``lang``, and top-1 accuracy.

    :returns: ``(language share, slug share, failures)``; a query the demo answers but
        that came back marked weak is a failure too.
    """
    pairs = read_pairs(f"caller_lang_{lang}.txt")
    first = top = 0
    failures = []
    for query, expected in pairs:
        result = kb.search(query, limit=10)
        hits = result.hits
        if getattr(result, "weak", False):
            failures.append(f"{query!r}: marked weak")
        ok_lang = bool(hits) and hits[0].lang == lang
        first += ok_lang
        top += bool(hits) and _slug(hits[0]) == expected
        if not ok_lang:
            got = f"{hits[0].lang}/{_slug(hits[0])}" if hits else "nothing"
            failures.append(f"{query!r}: {got}")
    return first / len(pairs), top / len(pairs), failures


def out_of_scope_share(kb: Any) -> tuple[float, list[str]]:
    """Share of out-of-scope questions answered with no results or a weak-match mark."""
    pairs = read_pairs("out_of_scope.txt")
    honest = 0
    failures = []
    for query, _ in pairs:
        result = kb.search(query, limit=10)
        ok = not result.hits or getattr(result, "weak", False)
        honest += ok
        if not ok:
            failures.append(f"{query!r}: {result.total} hits, first {_slug(result.hits[0])}")
    return honest / len(pairs), failures


def keystroke_times(app: Any) -> list[float]:
    """Milliseconds of ``/-/results`` for every prefix of every query, typed in order."""
    from tests.conftest import AuthActions

    client = app.test_client()
    AuthActions(client).login("bench-operator", PASSWORD)
    names = ("caller_lang_ru.txt", "caller_lang_kk.txt")
    queries = [q for name in names for q, _ in read_pairs(name)]
    times = []
    for query in queries:
        for end in range(1, len(query) + 1):
            started = time.perf_counter()
            response = client.get("/-/results", query_string={"q": query[:end]})
            times.append((time.perf_counter() - started) * 1000.0)
            assert response.status_code == 200, response.status_code
    return times


def _demo_home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="kb-operator-bench-")) / "instance"
    env = {**os.environ, "KB_HOME": str(home), "KB_PASSWORD": PASSWORD}
    kb = [str(Path(sys.executable).parent / "kb")]
    subprocess.run([*kb, "init", "--demo"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*kb, "user", "add", "bench-operator", "--role", "operator"],
        env=env,
        check=True,
        capture_output=True,
    )
    return home


def main(argv: list[str] | None = None) -> int:
    """Print the shares and timings; exit 1 when a share misses its target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="an existing demo instance (default: a new one)")
    parser.add_argument("--no-timing", action="store_true", help="skip keystroke timing")
    parser.add_argument("--verbose", action="store_true", help="list the failures")
    args = parser.parse_args(argv)
    from kb import create_app

    home = args.home or _demo_home()
    app = create_app({"KB_HOME": str(home), "SEARCH_CACHE_ENTRIES": 0})
    kb = app.extensions["kb"]
    kb.index.wait_for_typo_index()
    ok = True
    with app.app_context():
        for lang, target in (("ru", 0.95), ("kk", 0.95)):
            share, top, failures = caller_language_share(kb, lang)
            ok &= share >= target
            print(f"caller language first, {lang}: {share:.1%} (top-1 slug {top:.1%})")
            if args.verbose:
                print("".join(f"  {f}\n" for f in failures), end="")
        if (DATA / "out_of_scope.txt").exists():
            share, failures = out_of_scope_share(kb)
            ok &= share >= 0.90
            print(f"out of scope answered honestly: {share:.1%}")
            if args.verbose:
                print("".join(f"  {f}\n" for f in failures), end="")
    if not args.no_timing:
        times = keystroke_times(app)
        p95 = sorted(times)[int(0.95 * (len(times) - 1))]
        print(
            f"keystroke to results (/-/results, server side, {len(times)} keystrokes): "
            f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
