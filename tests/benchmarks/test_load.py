"""The open-loop load generator (benchmarks/load.py): its stream and its clock."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

import benchmarks.load as load_module
from benchmarks.load import marked_stream
from benchmarks.load import repeat_share
from benchmarks.load import run_rate
from benchmarks.load import typed
from tests.conftest import shared_path

SERVICE_S = 0.05


def test_typing_sends_a_request_every_few_characters_and_the_settled_text() -> None:
    assert typed("паспорт гражданина", 5) == [
        "паспо",
        "паспорт гр",
        "паспорт граждан",
        "паспорт гражданина",
    ]
    assert typed("жсн", 5) == ["жсн"]


def test_the_last_request_of_each_typed_search_is_the_settled_one() -> None:
    shared_path("corpora")  # the stream's questions are real ones from ../shared
    texts, settled = marked_stream(300, seed=3)
    assert len(texts) == len(settled) == 300
    for i, text in enumerate(texts[:-1]):
        if not settled[i]:  # a keystroke's request: the next one is the same search, further
            assert texts[i + 1].startswith(text) and len(texts[i + 1]) > len(text)
    assert 0 < sum(settled) < len(settled)


def test_repeat_share_counts_texts_sent_before() -> None:
    assert repeat_share(["а", "б", "а", "а"]) == 0.5
    assert repeat_share([]) == 0.0


def test_latency_is_measured_from_the_intended_start() -> None:
    """One connection, a server that takes 50 ms a request, 40 requests/s for 0.5 s.

    Requests queue behind each other, so the n-th cannot finish before n x 50 ms: an
    open-loop clock shows that wait (a closed-loop one would show ~50 ms for each).
    """

    sent, latencies, errors, _stale = _against_a_slow_server(40, 0.5)
    assert errors == {}
    assert sent == len(latencies) >= 5
    # The last of ``sent`` queued requests waited for all before it: a lower bound that
    # holds however busy the machine is.
    assert latencies[-1] >= (sent * SERVICE_S - 0.5) * 1000
    assert latencies[-1] > 3 * SERVICE_S * 1000 or sent < 8


def test_idle_connections_are_not_reused_past_the_client_keepalive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As a browser does: a connection idle longer than the client's limit is dropped and
    a new one opened, instead of racing the server's own keep-alive timeout."""
    monkeypatch.setattr(load_module, "CLIENT_KEEPALIVE_SECONDS", 0.0)
    sent, latencies, errors, stale = _against_a_slow_server(10, 0.6)
    assert errors == {}
    assert sent == len(latencies) >= 2
    assert stale == sent - 1  # every request after the first found its connection too old


def _against_a_slow_server(
    rate: float, seconds: float
) -> tuple[int, list[float], dict[str, int], int]:
    """Run ``run_rate`` on one connection against a server taking 50 ms a request."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            while (line := await reader.readline()) not in (b"\r\n", b""):
                pass
            if not line:
                break
            await asyncio.sleep(SERVICE_S)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main() -> tuple[int, list[float], dict[str, int], int]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            result = await run_rate(port, {}, ["паспорт"], rate, seconds, max_conns=1)
        return result.sent, sorted(result.latencies_ms), result.errors, result.stale

    # A thread of its own: a browser test in the same process (Playwright's sync API) may
    # have left an event loop running in this one, and asyncio.run refuses to nest.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()
