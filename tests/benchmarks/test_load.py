"""The open-loop load generator (benchmarks/load.py): its stream and its clock."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from benchmarks.load import repeat_share
from benchmarks.load import run_rate
from benchmarks.load import typed

SERVICE_S = 0.05


def test_typing_sends_a_request_every_few_characters_and_the_settled_text() -> None:
    assert typed("паспорт гражданина", 5) == [
        "паспо",
        "паспорт гр",
        "паспорт граждан",
        "паспорт гражданина",
    ]
    assert typed("жсн", 5) == ["жсн"]


def test_repeat_share_counts_texts_sent_before() -> None:
    assert repeat_share(["а", "б", "а", "а"]) == 0.5
    assert repeat_share([]) == 0.0


def test_latency_is_measured_from_the_intended_start() -> None:
    """One connection, a server that takes 50 ms a request, 40 requests/s for 0.5 s.

    Requests queue behind each other, so the n-th cannot finish before n x 50 ms: an
    open-loop clock shows that wait (a closed-loop one would show ~50 ms for each).
    """

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

    async def main() -> tuple[int, list[float], dict[str, int]]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            result = await run_rate(port, {}, ["паспорт"], 40, 0.5, max_conns=1)
        return result.sent, sorted(result.latencies_ms), result.errors

    # A thread of its own: a browser test in the same process (Playwright's sync API) may
    # have left an event loop running in this one, and asyncio.run refuses to nest.
    with ThreadPoolExecutor(1) as pool:
        sent, latencies, errors = pool.submit(asyncio.run, main()).result()
    assert errors == {}
    assert sent == len(latencies) >= 5
    # The last of ``sent`` queued requests waited for all before it: a lower bound that
    # holds however busy the machine is.
    assert latencies[-1] >= (sent * SERVICE_S - 0.5) * 1000
    assert latencies[-1] > 3 * SERVICE_S * 1000 or sent < 8
