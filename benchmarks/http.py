"""HTTP load benchmark: ``/api/search`` under ``kb serve`` with 20,000 documents.

What it does, all on loopback:

1. Builds an instance (or reuses ``--home``): ``kb init``, then the latency document set of
   :mod:`benchmarks.corpus` (real kk/ru documents from ``../shared/corpora`` padded with
   KazNERD pseudo-articles) written straight into the instance's index with
   ``SearchIndex.rebuild`` (the fastest honest way: the search path under test is exactly
   the production one; only the article view, not measured here, would miss the texts).
   A reused instance whose index was set aside by a ``SCHEMA_VERSION`` change is indexed
   again (otherwise every search would run on an empty index).
2. Creates an operator and an API token (``kb user add``, ``kb token add``).
3. Starts ``kb serve`` (gunicorn, ``--workers`` x ``--threads``) on a free port.
4. Runs ``--clients`` keep-alive clients spread over ``--client-procs`` processes (one
   Python process with 32 threads would add its own GIL queue to every latency), first
   ``--warmup`` seconds unmeasured (each server thread opens its searcher), then
   ``--seconds`` measured, sending ``GET /api/search?q=...`` with the token. Queries mix
   short operator queries (typos, wrong layout, unfinished words), RuBQ questions and
   KazQAD questions. Every request is a logged search (``SearchLog``, written in batches),
   as for an integration. ``--publish-every S`` also publishes an article every ``S``
   seconds from another process (every worker then reopens its searchers).
5. Prints p50/p90/p99/max latency, throughput, errors and answers without results (most
   of them would mean an empty index), as text and ``--json``.

Run: ``.venv/bin/python -m benchmarks.http --home /tmp/kb-http-20k`` (about 80 s plus the
first build of about 3 minutes). ``--session`` authenticates with a signed-in session
instead of the token, to separate the cost of token sign-in.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark-password-1414"


@dataclass
class Tally:
    """What the client threads measured."""

    latencies_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    #: Answers with no results (a few are normal; most means an empty index).
    empty: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        """Count one error of kind ``what``."""
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def _kb() -> list[str]:
    script = Path(sys.executable).parent / "kb"
    return [str(script)]


def build_instance(home: Path, docs: int) -> None:
    """Create the instance and index ``docs`` latency documents into it."""
    env = {**os.environ, "KB_HOME": str(home)}
    subprocess.run([*_kb(), "init"], env=env, check=True, capture_output=True)
    index_documents(home, docs)


def index_documents(home: Path, docs: int) -> None:
    """Write ``docs`` latency documents straight into the instance's index."""
    from benchmarks.corpus import latency_docs
    from kb.services import KnowledgeBase

    started = time.perf_counter()
    documents = latency_docs(docs)
    kb = KnowledgeBase(home / "content", home / "index")
    count = kb.index.rebuild(documents, commit_marker=kb.store.published_head())
    kb.index.close()
    kb.store.close()
    print(f"indexed {count} documents in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    (home / ".bench-docs").write_text(str(count), encoding="utf-8")


def index_is_usable(home: Path) -> bool:
    """Whether the instance's index still holds the benchmark documents.

    A change of the index's ``SCHEMA_VERSION`` sets the old index aside and starts an
    empty one; the server would then answer every search from an empty index (and its
    content repository, which does not hold the documents, cannot rebuild them).
    """
    from search.index import SearchIndex

    expected = int((home / ".bench-docs").read_text())
    index = SearchIndex.open(home / "index")
    try:
        return not index.needs_rebuild and index.doc_count() >= expected
    finally:
        index.close()


def prepared_instance(home: str | None, docs: int, prefix: str) -> Path:
    """The benchmark instance: ``home`` reused (indexed again if its index was set aside),
    or built there, or in a new temporary folder named ``prefix...``.

    :param home: ``--home``, or ``None``.
    :param docs: documents to index when building.
    :param prefix: the temporary folder's prefix.
    :returns: the instance folder.
    """
    folder = Path(home) if home else Path(tempfile.mkdtemp(prefix=prefix))
    if not (folder / ".bench-docs").exists():
        build_instance(folder, docs)
    elif not index_is_usable(folder):
        print("the index was set aside (schema change): indexing again", file=sys.stderr)
        index_documents(folder, docs)
    return folder


def issue_token(home: Path) -> str:
    """Create the benchmark operator (if needed) and return a new API token."""
    env = {**os.environ, "KB_HOME": str(home), "KB_PASSWORD": PASSWORD}
    subprocess.run(
        [*_kb(), "user", "add", "bench", "--role", "operator"], env=env, capture_output=True
    )
    out = subprocess.run(
        [*_kb(), "token", "add", "bench", "--label", "benchmark"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def queries(count: int) -> list[str]:
    """Operator queries, RuBQ and KazQAD questions, mixed (a third each)."""
    from benchmarks.corpus import operator_queries
    from benchmarks.corpus import question_queries

    mixed = operator_queries(count // 3 * 2) + question_queries(count // 3 * 2)
    # Operators' short queries dominate a shift; questions are the long tail.
    random.Random(1414).shuffle(mixed)
    return mixed[:count]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    home: Path, port: int, workers: int, threads: int | None = None
) -> subprocess.Popen[bytes]:
    """Start ``kb serve`` and wait until it answers.

    :param threads: threads per worker (``None``: the ``THREADS`` setting).
    """
    env = {**os.environ, "KB_HOME": str(home), "KB_WORKERS": str(workers)}
    if threads is not None:
        env["KB_THREADS"] = str(threads)
    log = (home / "bench-serve.log").open("wb")
    process = subprocess.Popen(
        [*_kb(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/-/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("kb serve did not start: see bench-serve.log")


@contextlib.contextmanager
def serving(
    home: Path, port: int, workers: int, threads: int | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``kb serve`` (:func:`start_server`) while the block runs, stopped by its PID after."""
    process = start_server(home, port, workers, threads)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def session_cookie(port: int) -> str:
    """Sign in as the benchmark operator through the form; return the session cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/-/login")
    response = conn.getresponse()
    page = response.read().decode("utf-8")
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    if not found:
        raise RuntimeError("no CSRF token on the sign-in page")
    csrf = found.group(1)
    form = urllib.parse.urlencode({"name": "bench", "password": PASSWORD, "csrf_token": csrf})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/-/login", body=form, headers=headers)
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"sign-in failed with HTTP {response.status}")
    return response.getheader("Set-Cookie", "").split(";", 1)[0]


def client(
    port: int, auth: dict[str, str], texts: list[str], stop: float, seed: int, tally: Tally
) -> None:
    """One simulated integration: keep-alive requests until ``stop``.

    :param auth: the header that authenticates (``Authorization`` or ``Cookie``).
    """
    rng = random.Random(seed)
    headers = {**auth, "Connection": "keep-alive"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies, server = [], []
    empty = 0
    while time.monotonic() < stop:
        q = urllib.parse.quote(rng.choice(texts))
        started = time.perf_counter()
        try:
            conn.request("GET", f"/api/search?q={q}&limit=10", headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            tally.error(type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            tally.error(f"HTTP {response.status}")
            continue
        data = json.loads(body)
        server.append(float(data["took_ms"]))
        empty += not data["results"]
    conn.close()
    with tally.lock:
        tally.latencies_ms.extend(latencies)
        tally.server_ms.extend(server)
        tally.empty += empty


def client_group(
    port: int, auth: dict[str, str], texts: list[str], stop: float, seeds: list[int]
) -> tuple[list[float], list[float], dict[str, int], int]:
    """Run one :func:`client` thread per seed until ``stop``; return what they measured."""
    tally = Tally()
    threads = [
        threading.Thread(target=client, args=(port, auth, texts, stop, seed, tally))
        for seed in seeds
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally.latencies_ms, tally.server_ms, tally.errors, tally.empty


def _client_process(
    port: int,
    auth: dict[str, str],
    texts: list[str],
    stop: float,
    seeds: list[int],
    out: Any,
) -> None:
    out.put(client_group(port, auth, texts, stop, seeds))


def load(
    port: int, auth: dict[str, str], texts: list[str], seconds: float, clients: int, procs: int
) -> tuple[Tally, float]:
    """Run ``clients`` keep-alive clients for ``seconds``, spread over ``procs`` processes.

    A single Python process with 32 client threads queues its own threads on its GIL
    and adds that wait to every latency; several processes measure the server instead.

    :returns: the merged measurements and the seconds elapsed.
    """
    import multiprocessing

    tally = Tally()
    seeds = [[i + 1 for i in range(clients) if i % procs == p] for p in range(procs)]
    started = time.monotonic()
    stop = started + seconds
    if procs <= 1:
        tally.latencies_ms, tally.server_ms, tally.errors, tally.empty = client_group(
            port, auth, texts, stop, seeds[0]
        )
        return tally, time.monotonic() - started
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    workers = [
        context.Process(target=_client_process, args=(port, auth, texts, stop, group, out))
        for group in seeds
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        latencies, server, errors, empty = out.get(timeout=seconds + 60)
        tally.latencies_ms.extend(latencies)
        tally.server_ms.extend(server)
        tally.empty += empty
        for what, count in errors.items():
            tally.errors[what] = tally.errors.get(what, 0) + count
    for worker in workers:
        worker.join(timeout=30)
    return tally, time.monotonic() - started


def publisher(home: Path, every: float, stop: float, out: Any) -> None:
    """Publish a new version of one article every ``every`` seconds until ``stop``.

    The editor's real path (save, submit, approve, publish, index update), from another
    process, as an editor's request served by another worker would: every publication
    makes the server's workers reopen their index searchers.
    """
    from kb.services import DEMO_EDITOR
    from kb.services import DEMO_REVIEWER
    from kb.services import KnowledgeBase

    text = (REPO_ROOT / "kb" / "demo" / "content" / "ru" / "passport.md").read_text("utf-8")
    kb = KnowledgeBase(home / "content", home / "index")
    store = kb.store
    done, took = 0, []
    try:
        while time.monotonic() + every < stop:
            time.sleep(every)
            started = time.perf_counter()
            current = (
                store.get("ru", "passport").revision if store.exists("ru", "passport") else None
            )
            store.save(
                "ru",
                "passport",
                f"{text}\nПравка {done + 1} нагрузочного теста.\n",
                actor=DEMO_EDITOR,
                expected_revision=current,
            )
            store.submit("ru", "passport", actor=DEMO_EDITOR)
            store.approve("ru", "passport", actor=DEMO_REVIEWER)
            kb.publish("ru", "passport", actor=DEMO_REVIEWER)
            took.append((time.perf_counter() - started) * 1000)
            done += 1
    finally:
        kb.close()
        out.put((done, took))


class Publishing:
    """:func:`publisher` in a forked process, from now until ``stop`` (a monotonic time).

    :param home: the instance.
    :param every: seconds between publications.
    :param stop: when to stop publishing.
    """

    def __init__(self, home: Path, every: float, stop: float) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.results: Any = context.Queue()
        self.process = context.Process(target=publisher, args=(home, every, stop, self.results))
        self.process.start()

    def result(self, timeout: float) -> tuple[int, list[float]]:
        """Wait for the publications made and their times in ms; end the process."""
        done: tuple[int, list[float]] = self.results.get(timeout=timeout)
        self.process.join(timeout=30)
        return done

    def stop(self) -> None:
        """End the process if it is still running (the benchmark failed meanwhile)."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=30)


@contextlib.contextmanager
def publishing(home: Path, every: float, stop: float) -> Iterator[Publishing | None]:
    """:class:`Publishing` while the block runs (``None`` when ``every`` is 0), ended after.

    :param home: the instance.
    :param every: seconds between publications; 0 publishes nothing.
    :param stop: when to stop publishing (a monotonic time).
    """
    if not every:
        yield None
        return
    running = Publishing(home, every, stop)
    try:
        yield running
    finally:
        running.stop()


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build or reuse the instance, serve it, load it, and return the figures."""
    home = prepared_instance(args.home, args.docs, "kb-http-bench-")
    token = issue_token(home)
    texts = queries(args.queries)
    port = _free_port()
    with serving(home, port, args.workers, args.threads):
        if args.session:
            auth = {"Cookie": session_cookie(port)}
        else:
            auth = {"Authorization": f"Bearer {token}"}
        # Warm-up, all clients at once, not measured: every worker thread opens its index
        # searcher and analysers (the first searches of a thread take 100-300 ms).
        load(port, auth, texts[::-1], args.warmup, args.clients, args.client_procs)
        stop = time.monotonic() + args.seconds
        with publishing(home, args.publish_every, stop) as publisher_process:
            tally, elapsed = load(port, auth, texts, args.seconds, args.clients, args.client_procs)
            publications = publisher_process.result(120) if publisher_process else (0, [])
    lat = tally.latencies_ms
    return {
        "documents": int((home / ".bench-docs").read_text()),
        "auth": "session" if args.session else "token",
        "workers": args.workers,
        "threads": args.threads or "default",
        "clients": args.clients,
        "client_procs": args.client_procs,
        "seconds": round(elapsed, 1),
        "requests": len(lat),
        "requests_per_s": round(len(lat) / elapsed, 1),
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
        "empty_answers": tally.empty,
        "publications": publications[0],
        "publish_ms_max": round(max(publications[1], default=0.0), 1),
        "p50_ms": round(percentile(lat, 50), 1),
        "p90_ms": round(percentile(lat, 90), 1),
        "p99_ms": round(percentile(lat, 99), 1),
        "max_ms": round(max(lat, default=float("nan")), 1),
        "mean_ms": round(statistics.fmean(lat), 1) if lat else None,
        "server_took_p50_ms": round(percentile(tally.server_ms, 50), 1),
        "server_took_p99_ms": round(percentile(tally.server_ms, 99), 1),
        "home": str(home),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="reuse or create the instance here")
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--client-procs",
        type=int,
        default=4,
        help="processes the clients are spread over (1: all threads in this process)",
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per worker (default: THREADS)"
    )
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument(
        "--session",
        action="store_true",
        help="authenticate with a signed-in session instead of the API token (comparison)",
    )
    parser.add_argument(
        "--publish-every",
        type=float,
        default=0.0,
        help="also publish an article every this many seconds (changes the instance: use a copy)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = run(args)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(
            f"{figures['requests']} requests in {figures['seconds']} s "
            f"({figures['requests_per_s']}/s), {figures['clients']} clients "
            f"in {figures['client_procs']} processes, "
            f"{figures['workers']} workers x {figures['threads']} threads, "
            f"{figures['documents']} documents, "
            f"{figures['auth']} auth: "
            f"p50 {figures['p50_ms']} ms, p90 {figures['p90_ms']} ms, "
            f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms, "
            f"errors {figures['errors']} {figures['error_kinds'] or ''}, "
            f"{figures['empty_answers']} answers without results, "
            f"{figures['publications']} publications meanwhile; "
            f"server took p50 {figures['server_took_p50_ms']} ms, "
            f"p99 {figures['server_took_p99_ms']} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
