"""Open-loop load benchmark: operators' search-as-you-type traffic against ``kb serve``.

The load model of a contact center (issue: capacity under a realistic operator load):

- **Arrivals are open-loop.** Request start times are drawn in advance from a Poisson
  process at ``--rate`` requests/s; each request is sent at its time whether or not the
  earlier ones have been answered, and its latency is measured from that *intended* start
  (no coordinated omission, as wrk2's ``-R`` or k6's arrival-rate executors). A request
  that finds every keep-alive connection busy opens another (up to ``--max-conns``); the
  time it waits counts in its latency.
- **The stream** is what the operator screen sends: a search is a question typed out, one
  request per ~5 typed characters (the screen's debounce) plus the settled text, at most
  the first ``TYPED_WORDS`` words. Questions are real: RuBQ (ru), KazQAD unjudged test
  questions (kk), govkz_rag_eval30 (ru), plus short operator queries built from real
  titles (a fifth with a typo, a tenth in the wrong layout, a tenth unfinished), ~10 % of
  questions get a typo or the wrong layout too. Popularity is Zipf (s = ``ZIPF_S``) over
  ``TOPICS`` topics: a few questions are asked very often, as operators' are.
- **What is not in the stream**: article opens. The benchmark instance holds 20,000
  documents written straight into its index (benchmarks/http.py ``index_documents``), so
  their article pages do not exist; opens are a git blob read and a render, measured by
  the browser tests, not here.

For each rate it reports p50, p99, p99.9, max, errors, the achieved rate, the share of
requests that repeat an earlier text (the most the result cache could answer), the
generator's own CPU, and the workers' RSS before and after. ``--publish-every S`` also
publishes an article every ``S`` seconds from another process (the editors' path).

Run: ``.venv/bin/python -m benchmarks.load --home /tmp/kb-http-20k`` (builds the 20,000
document instance on first use, ~3 minutes, then 60 s per rate). ``--cache-off`` serves
with ``KB_SEARCH_CACHE_ENTRIES=0``. Capacity is the highest rate whose p99 is ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sys
import time
import urllib.parse
from contextlib import nullcontext
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from benchmarks.http import _free_port
from benchmarks.http import issue_token
from benchmarks.http import percentile
from benchmarks.http import prepared_instance
from benchmarks.http import publishing
from benchmarks.http import serving

#: Distinct questions (topics) in the stream, and the Zipf exponent of their popularity.
TOPICS = 600
ZIPF_S = 1.0
#: Characters typed between two requests of the screen (its debounce at ~4-5 chars/s).
TYPED_STEP = 5
#: Operators type the first few words of a question, not all of it.
TYPED_WORDS = 5
#: The operator screen's result count.
SCREEN_LIMIT = 10
#: An idle keep-alive connection is reused for this long at most (gunicorn closes its
#: side after ``keepalive``, 2 s by default).
CLIENT_KEEPALIVE_SECONDS = 1.5
#: How long to wait for every worker's background cache warm-up before measuring.
WARMED_WAIT_SECONDS = 240


@dataclass
class RateResult:
    """What one rate's run measured."""

    rate: float
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    #: Requests sent again because a kept-alive connection had just been closed.
    retried: int = 0
    #: Idle connections not reused because the server had closed them or they had idled.
    stale: int = 0

    def error(self, what: str) -> None:
        """Count one error of kind ``what``."""
        self.errors[what] = self.errors.get(what, 0) + 1


def topics(count: int = TOPICS, *, seed: int = 1414) -> list[str]:
    """Real questions and operator queries, ~10 % of the questions with a typo or layout slip.

    :param count: how many topics.
    :param seed: the random seed.
    :returns: the topics, in an arbitrary order (popularity is assigned later).
    """
    from benchmarks.corpus import _typo
    from benchmarks.corpus import corpora_dir
    from benchmarks.corpus import operator_queries
    from benchmarks.corpus import question_queries
    from benchmarks.corpus import read_jsonl
    from benchmarks.corpus import wrong_layout

    rng = random.Random(seed)
    egov = [
        row["query"] for row in read_jsonl(corpora_dir() / "govkz_rag_eval30_ru" / "queries.jsonl")
    ]
    questions = question_queries(count * 2 // 3 - len(egov), seed=seed) + egov
    out = []
    for text in questions:
        words = text.split()[:TYPED_WORDS]
        roll = rng.random()
        if roll < 0.05 and words and len(words[-1]) > 4:
            words[-1] = _typo(words[-1], rng)
        elif roll < 0.10 and all(ch in "абвгдеёжзийклмнопрстуфхцчшщъыьэюя ,?" for ch in text):
            words = wrong_layout(" ".join(words)).split()
        out.append(" ".join(words))
    out += operator_queries(count - len(out), seed=seed)
    rng.shuffle(out)
    return out[:count]


def typed(text: str, step: int = TYPED_STEP) -> list[str]:
    """The requests the screen sends while ``text`` is typed: every ``step`` characters.

    >>> typed("паспорт гражданина", 5)
    ['паспо', 'паспорт гр', 'паспорт граждан', 'паспорт гражданина']
    """
    out = [text[:end].strip() for end in range(step, len(text), step)]
    out.append(text)
    return [t for i, t in enumerate(out) if t and (i == 0 or t != out[i - 1])]


def stream(total: int, *, seed: int = 1414) -> list[str]:
    """``total`` request texts: Zipf-popular searches, each typed out.

    :param total: how many requests.
    :param seed: the random seed.
    :returns: the query texts in the order they are sent.
    """
    return marked_stream(total, seed=seed)[0]


def marked_stream(total: int, *, seed: int = 1414) -> tuple[list[str], list[bool]]:
    """The stream of :func:`stream`, and which of its requests are settled searches.

    The operator screen sends a keystroke's search as it is typed (not logged) and the
    settled text once more as final (logged, audited; the semantic stage may run): the
    last request of each typed-out search is the settled one.

    :param total: how many requests.
    :param seed: the random seed.
    :returns: the texts and, for each, whether it is the settled search.
    """
    rng = random.Random(seed)
    pool = topics(seed=seed)
    weights = [1.0 / (rank + 1) ** ZIPF_S for rank in range(len(pool))]
    out: list[str] = []
    settled: list[bool] = []
    while len(out) < total:
        (text,) = rng.choices(pool, weights=weights)
        requests = typed(text)
        out.extend(requests)
        settled.extend(i == len(requests) - 1 for i in range(len(requests)))
    return out[:total], settled[:total]


def repeat_share(texts: list[str]) -> float:
    """Share of texts already sent earlier (an upper bound of result-cache hits)."""
    seen: set[str] = set()
    repeats = 0
    for text in texts:
        repeats += text in seen
        seen.add(text)
    return repeats / max(1, len(texts))


class _ClosedBeforeAnswer(Exception):
    """The server closed the connection before the first byte of its answer."""


class Connections:
    """Keep-alive HTTP/1.1 connections to one server, opened on demand."""

    def __init__(self, port: int, auth: dict[str, str], max_conns: int) -> None:
        self.port = port
        self.auth = auth
        self.max_conns = max_conns
        #: Idle connections with the time each was returned (``time.monotonic()``).
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.opened = 0
        #: Idle connections dropped before reuse (closed by the server, or idle too long).
        self.stale = 0
        self.free = asyncio.Condition()
        #: Connections closed so far, to wait for at the end.
        self.closed: list[asyncio.StreamWriter] = []

    async def take(self) -> tuple[tuple[asyncio.StreamReader, asyncio.StreamWriter], bool]:
        """An idle connection, a new one, or the next to come free; and whether it is new.

        As a browser does, an idle connection is not reused when the server has closed it
        (end of stream seen) or when it has been idle for ``CLIENT_KEEPALIVE_SECONDS``,
        shorter than the server's keep-alive timeout: otherwise the request races the
        server's close. (Reusing such connections was the 0.3-0.8 % of "dropped
        connections" first measured: three stale connections in a row after a pause.)
        """
        async with self.free:
            while not self.idle and self.opened >= self.max_conns:
                await self.free.wait()
            now = time.monotonic()
            while self.idle:
                reader, writer, since = self.idle.pop()
                if reader.at_eof() or now - since > CLIENT_KEEPALIVE_SECONDS:
                    self.opened -= 1
                    self.stale += 1
                    writer.close()
                    self.closed.append(writer)
                    continue
                return (reader, writer), False
            self.opened += 1
        try:
            return await asyncio.open_connection("127.0.0.1", self.port), True
        except OSError:
            async with self.free:
                self.opened -= 1
                self.free.notify()
            raise

    async def give(
        self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None, keep: bool
    ) -> None:
        """Return a connection after a request (closed when ``keep`` is false)."""
        async with self.free:
            if conn is not None and keep:
                self.idle.append((conn[0], conn[1], time.monotonic()))
            else:
                self.opened -= 1
                if conn is not None:
                    conn[1].close()
                    self.closed.append(conn[1])
            self.free.notify()

    async def close(self) -> None:
        """Close every connection and wait until they are closed."""
        for _reader, writer, _since in self.idle:
            writer.close()
            self.closed.append(writer)
        self.idle = []
        for writer in self.closed:
            try:
                await writer.wait_closed()
            except OSError:
                pass

    async def get(self, path: str) -> tuple[int, bytes, int]:
        """Send ``GET path``; return the status, the body and how many times it was retried.

        A kept-alive connection that the server closed (its keep-alive timeout) just as the
        request was sent is closed before any byte of an answer: the request is sent again
        on another connection, as browsers do for idempotent requests (RFC 9112, 9.3.1).
        """
        for retry in range(3):
            conn, fresh = await self.take()
            try:
                status, body = await self._exchange(conn, path)
            except _ClosedBeforeAnswer:
                if fresh:
                    raise ConnectionError("a new connection closed before the answer") from None
                continue
            return status, body, retry
        raise ConnectionError("three kept-alive connections closed before the answer")

    async def _exchange(
        self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], path: str
    ) -> tuple[int, bytes]:
        reader, writer = conn
        keep = False
        try:
            head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in self.auth.items()) + "\r\n"
            writer.write(head.encode("ascii"))
            await writer.drain()
            try:
                status_line = await reader.readline()
            except ConnectionResetError:
                status_line = b""
            if not status_line:
                raise _ClosedBeforeAnswer
            status = int(status_line.split()[1])
            length, keep = 0, True
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and value.strip().lower() == "close":
                    keep = False
            body = await reader.readexactly(length)
            return status, body
        except BaseException:
            keep = False
            raise
        finally:
            await self.give(conn, keep)


async def run_rate(
    port: int,
    auth: dict[str, str],
    texts: list[str],
    rate: float,
    seconds: float,
    max_conns: int,
    settled: list[bool] | None = None,
) -> RateResult:
    """Send ``texts`` at ``rate`` requests/s (Poisson) for ``seconds``; measure each.

    :param settled: which texts are settled searches (sent with ``final=1``, the others
        with ``live=1``, as the operator screen sends them); None sends every text as a
        plain, logged API search.
    """
    rng = random.Random(int(rate * 1000))
    schedule: list[float] = []
    moment = 0.0
    while True:
        moment += rng.expovariate(rate)
        if moment >= seconds:
            break
        schedule.append(moment)
    result = RateResult(rate=rate, seconds=seconds)
    conns = Connections(port, auth, max_conns)
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2

    async def one(at: float, text: str, final: bool | None) -> None:
        query = urllib.parse.quote(text)
        mode = "" if final is None else "&final=1" if final else "&live=1"
        try:
            path = f"/api/search?q={query}&limit={SCREEN_LIMIT}{mode}"
            status, _body, retries = await conns.get(path)
            result.retried += retries
            if status != 200:
                result.error(f"HTTP {status}")
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            result.error(type(exc).__name__)
        result.latencies_ms.append((loop.time() - at) * 1000)

    tasks = []
    for i, offset in enumerate(schedule):
        at = start + offset
        delay = at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        final = None if settled is None else settled[i % len(texts)]
        tasks.append(asyncio.create_task(one(at, texts[i % len(texts)], final)))
        result.sent += 1
    await asyncio.gather(*tasks)
    await conns.close()
    result.stale = conns.stale
    return result


def worker_rss_mb(server_pid: int) -> list[float]:
    """Resident memory of the gunicorn workers (children of the master), in MB."""
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        # ``kb serve`` runs gunicorn's master in its own process: the workers are its children.
        if fields.get("PPid", "").strip() == str(server_pid):
            out.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(out)


def summary(result: RateResult, texts: list[str], cpu_s: float) -> dict[str, Any]:
    """The figures of one rate."""
    lat = result.latencies_ms
    return {
        "rate": result.rate,
        "sent": result.sent,
        "achieved_per_s": round(len(lat) / result.seconds, 1),
        "p50_ms": round(percentile(lat, 50), 1),
        "p99_ms": round(percentile(lat, 99), 1),
        "p99_9_ms": round(percentile(lat, 99.9), 1),
        "max_ms": round(max(lat, default=float("nan")), 1),
        "errors": sum(result.errors.values()),
        "error_kinds": result.errors,
        "retried": result.retried,
        "stale_dropped": result.stale,
        "repeat_share": round(repeat_share(texts[: result.sent]), 3),
        "generator_cpu_s": round(cpu_s, 1),
    }


def wait_until_warmed(log: Path, workers: int, timeout: float = WARMED_WAIT_SECONDS) -> bool:
    """Wait until every worker has logged the end of its cache warm-up (kb/warmup.py).

    A worker answers as soon as it has prepared its engine, then asks the search log's
    most frequent queries in a background thread; measuring during that warm-up measures
    the start of a shift, not its steady state (a node joins the balancer ready, and a
    deploy is rolled one node at a time).

    :returns: False when the wait timed out (the run goes on and says so).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text("utf-8", errors="replace") if log.exists() else ""
        if text.count("search caches warmed") >= workers:
            return True
        if "warming the search caches: the search log could not be read" in text:
            return True
        time.sleep(0.5)
    print(f"workers not warmed after {timeout:.0f} s: measuring anyway", file=sys.stderr)
    return False


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build or reuse the instance, serve it, and run every rate."""
    home = prepared_instance(args.home, args.docs, "kb-load-bench-")
    token = issue_token(home)
    auth = {"Authorization": f"Bearer {token}"}
    if args.cache_off:
        os.environ["KB_SEARCH_CACHE_ENTRIES"] = "0"
    port = args.port or _free_port()
    rows = []
    # --port: load a server already running there; else serve the instance meanwhile
    serve = nullcontext(None) if args.port else serving(home, port, args.workers, args.threads)
    with serve as server:
        if server is not None:
            wait_until_warmed(home / "bench-serve.log", args.workers)
        rss_before = worker_rss_mb(server.pid) if server else []
        # Unmeasured warm-up: every worker thread opens its searcher.
        warm_texts, warm_settled = marked_stream(2000, seed=7)
        asyncio.run(run_rate(port, auth, warm_texts, 50, 10, args.max_conns, warm_settled))
        stop = time.monotonic() + len(args.rates) * (args.seconds + 5)
        with publishing(home, args.publish_every, stop) as publisher_process:
            for rate in args.rates:
                texts, settled = marked_stream(int(rate * args.seconds) + 10, seed=int(rate))
                cpu0 = resource.getrusage(resource.RUSAGE_SELF)
                result = asyncio.run(
                    run_rate(port, auth, texts, rate, args.seconds, args.max_conns, settled)
                )
                cpu1 = resource.getrusage(resource.RUSAGE_SELF)
                cpu = cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime
                rows.append(summary(result, texts, cpu))
                print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr)
                time.sleep(2)
            rss_after = worker_rss_mb(server.pid) if server else []
            publications = publisher_process.result(300) if publisher_process else (0, [])
    within = [r["rate"] for r in rows if r["p99_ms"] <= 100 and not r["errors"]]
    return {
        "documents": int((home / ".bench-docs").read_text()),
        "cache": "off" if args.cache_off else "on",
        "workers": args.workers,
        "threads": args.threads or "default",
        "seconds_per_rate": args.seconds,
        "rates": rows,
        "capacity_per_s": max(within, default=0),
        "worker_rss_mb_before": [round(x) for x in rss_before],
        "worker_rss_mb_after": [round(x) for x in rss_after],
        "publications": publications[0],
        "publish_ms_max": round(max(publications[1], default=0.0), 1),
        "home": str(home),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--home", help="instance to build or reuse (default: a new temp dir)")
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rates", type=float, nargs="+", default=[100, 200, 350, 500])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--port", type=int, help="load a server already running on this port")
    parser.add_argument("--max-conns", type=int, default=256)
    parser.add_argument("--cache-off", action="store_true", help="serve with the cache off")
    parser.add_argument("--publish-every", type=float, default=0, help="publish every S seconds")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = run(args)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    print(
        f"{figures['documents']} documents, cache {figures['cache']}, "
        f"{figures['workers']} workers x {figures['threads']} threads, "
        f"{figures['seconds_per_rate']:.0f} s per rate"
    )
    print("rate   achieved  p50 ms  p99 ms  p99.9 ms  max ms  errors  repeats  gen CPU s")
    for r in figures["rates"]:
        print(
            f"{r['rate']:>5.0f}  {r['achieved_per_s']:>8.1f}  {r['p50_ms']:>6.1f}  "
            f"{r['p99_ms']:>6.1f}  {r['p99_9_ms']:>8.1f}  {r['max_ms']:>6.1f}  "
            f"{r['errors']:>6}  {r['repeat_share']:>7.3f}  {r['generator_cpu_s']:>9.1f}"
        )
    print(f"capacity (p99 <= 100 ms, no errors): {figures['capacity_per_s']:.0f} req/s")
    print(
        f"worker RSS MB before {figures['worker_rss_mb_before']} "
        f"after {figures['worker_rss_mb_after']}"
    )
    if figures["publications"]:
        print(f"publications {figures['publications']}, slowest {figures['publish_ms_max']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
