"""Search analytics over one million logged searches: roll-up time, dashboard and API time.

Writes ``--rows`` search log rows (default one million) into a fresh database, the way
operators produce them: 200 users over 90 days in Almaty working hours, a long-tailed
vocabulary of Russian and Kazakh queries, typing bursts (prefixes a second apart, about a
third of the rows), 8 % zero-result searches, and a result opened from about 40 % of the
settled searches. Then it rolls everything up (:func:`kb.analytics.rollup.roll_up`,
timed) and times the dashboard (``GET /-/analytics``, the whole page with its charts and
tables) and the API (``GET /api/analytics/searches``) for 30- and 90-day periods, with
and without a language filter. Target (issue 16): each answer within 1 s::

    .venv/bin/python -m benchmarks.analytics                      # SQLite in a temp folder
    .venv/bin/python -m benchmarks.analytics --rows 100000        # quick run
    .venv/bin/python -m benchmarks.analytics --database-url postgresql://u@127.0.0.1:5432/db

The PostgreSQL database must be empty (the benchmark applies the migrations to it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

#: The answer-time target of issue 16, in seconds.
TARGET_SECONDS = 1.0
#: Users, days, articles of the synthetic log.
USERS = 200
DAYS = 90
ARTICLES = 600
WORDS_RU = (
    "паспорт удостоверение пособие пенсия налог справка регистрация ребенок адрес "
    "инвалидность выплата замена потеря прописка ЭЦП ЦОН субсидия аренда жилье очередь "
    "больничный декрет штраф автомобиль права водительские земля собственность брак развод"
).split()
WORDS_KK = (
    "төлқұжат куәлік жәрдемақы зейнетақы салық анықтама тіркеу бала мекенжай мүгедектік "
    "төлем ауыстыру жоғалту ЭЦҚ ХҚКО субсидия жалдау тұрғын кезек ауырғанда айыппұл көлік "
    "жүргізуші жер меншік неке ажырасу"
).split()


def _vocabulary(rng: random.Random, size: int) -> list[tuple[str, str]]:
    """``size`` distinct queries of one to three words, with their language."""
    seen: dict[str, str] = {}
    while len(seen) < size:
        lang = "kk" if rng.random() < 0.4 else "ru"
        words = WORDS_KK if lang == "kk" else WORDS_RU
        text = " ".join(rng.sample(words, rng.choice((1, 2, 2, 3))))
        if rng.random() < 0.3:
            text += f" {rng.randint(1, 400)}"
        seen.setdefault(text.lower(), lang)
    return list(seen.items())


def write_log(app: object, rows: int, seed: int = 1414) -> tuple[int, int]:
    """Insert ``rows`` search log rows and the opens of their settled searches.

    :returns: ``(search rows, open rows)`` written.
    """
    from sqlalchemy import insert

    from kb.analytics.models import SearchOpen
    from kb.models import SearchLog
    from kb.models import db

    rng = random.Random(seed)
    vocab = _vocabulary(rng, 30_000)
    cumulative = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(vocab))))
    zero = {q for q, _ in rng.sample(vocab, len(vocab) // 8)}
    start = dt.datetime(2026, 12, 1, 3, 0) - dt.timedelta(days=DAYS)  # 08:00 Almaty
    users = [f"op{n:03d}" for n in range(USERS)]
    # Searches arrive in time order (as the buffer writes them), in 12 working hours a day.
    step = DAYS * 12 * 3600 / (rows / 1.6)
    when = start
    batch: list[dict[str, object]] = []
    opens: list[dict[str, object]] = []
    written = opened = 0
    with app.app_context():  # type: ignore[attr-defined]
        while written < rows:
            user = rng.choice(users)
            when += dt.timedelta(seconds=rng.expovariate(1 / step))
            if when.hour >= 15:  # after 20:00 local: the next morning at 08:00
                when = (when + dt.timedelta(days=1)).replace(hour=3, minute=0)
            query, lang = rng.choices(vocab, cum_weights=cumulative)[0]
            hits = 0 if query in zero else rng.randint(1, 40)
            chosen = lang if rng.random() < 0.6 else ""
            top = (
                ""
                if not hits
                else " ".join(
                    f"{lang}/article-{rng.randint(0, ARTICLES - 1)}" for _ in range(min(hits, 5))
                )
            )
            channel = "api" if rng.random() < 0.15 else "screen"
            burst = [query[:n] for n in (3, 5) if n < len(query)] if rng.random() < 0.35 else []
            for n, prefix in enumerate([*burst, query]):
                final = prefix == query
                batch.append(
                    {
                        "when": when + dt.timedelta(seconds=n),
                        "actor": user,
                        "query": prefix,
                        "hits": hits if final else rng.randint(0, 60),
                        "took_ms": 3.0,
                        "channel": channel,
                        "lang": chosen,
                        "top_ids": top,
                        "state": 0,
                    }
                )
            if hits and rng.random() < 0.4:
                position = rng.choice((1, 1, 1, 2, 2, 3, 4))
                article = top.split()[min(position, len(top.split())) - 1]
                opens.append(
                    {
                        "when": when + dt.timedelta(seconds=len(burst) + rng.randint(2, 30)),
                        "actor": user,
                        "channel": channel,
                        "query": query,
                        "article": article,
                        "position": position,
                        "rolled": False,
                    }
                )
            if len(batch) >= 20_000:
                db.session.execute(insert(SearchLog), batch)
                db.session.execute(insert(SearchOpen), opens)
                db.session.commit()
                written += len(batch)
                opened += len(opens)
                batch, opens = [], []
        if batch:
            db.session.execute(insert(SearchLog), batch)
            if opens:
                db.session.execute(insert(SearchOpen), opens)
            db.session.commit()
            written += len(batch)
            opened += len(opens)
    return written, opened


def _app(database_url: str | None, home: Path) -> object:
    from flask_migrate import upgrade

    from kb import create_app

    config: dict[str, object] = {
        "KB_HOME": str(home),
        "SECRET_KEY": "benchmark-secret-key-0123456789",
    }
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        from kb.models import User
        from kb.models import db

        for name, role in (("bench", "editor"), ("chief", "admin")):
            user = User(name=name, full_name=name.title())
            user.set_password("benchmark password")
            user.set_roles([role])
            db.session.add(user)
        db.session.commit()
    return app


def _signed_in(app: object, name: str) -> object:
    """A test client signed in through the real form as ``name``."""
    client = app.test_client()  # type: ignore[attr-defined]
    page = client.get("/-/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    client.post(
        "/-/login",
        data={
            "name": name,
            "password": "benchmark password",
            "csrf_token": token.group(1) if token else "",
        },
    )
    return client


def _time(client: object, url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return times


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when an answer takes longer than the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="search log rows")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per URL")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-analytics-bench-") as tmp:
        app = _app(args.database_url, Path(tmp) / "instance")
        engine = args.database_url.split(":", 1)[0] if args.database_url else "sqlite"
        began = time.perf_counter()
        searches, opens = write_log(app, args.rows)
        print(
            f"{engine}: wrote {searches} searches and {opens} opens in "
            f"{time.perf_counter() - began:.1f} s"
        )
        from kb.analytics.rollup import roll_up

        with app.app_context():  # type: ignore[attr-defined]
            began = time.perf_counter()
            report = roll_up(now=dt.datetime(2026, 12, 2))
            took = time.perf_counter() - began
        print(
            f"roll-up: {report.searches} rows ({report.settled} settled searches), "
            f"{report.opens} opens in {took:.1f} s ({report.searches / took:,.0f} rows/s)"
        )
        client, admin = _signed_in(app, "bench"), _signed_in(app, "chief")
        worst = 0.0
        for days in (30, 90):
            first = (dt.date(2026, 12, 1) - dt.timedelta(days=days - 1)).isoformat()
            period = f"from={first}&to=2026-12-01"
            for label, who, url in (
                ("dashboard", client, f"/-/analytics?{period}"),
                ("dashboard kk", client, f"/-/analytics?{period}&lang=kk"),
                ("dashboard admin", admin, f"/-/analytics?{period}"),  # + searches per user
                ("api", client, f"/api/analytics/searches?{period}"),
                ("api ru", client, f"/api/analytics/searches?{period}&lang=ru"),
            ):
                times = _time(who, url, args.repeat)
                worst = max(worst, max(times))
                print(
                    f"{days:>3} days {label:<16} median {statistics.median(times) * 1000:7.1f} ms"
                    f"  max {max(times) * 1000:7.1f} ms"
                )
        body = client.get("/api/analytics/searches?from=2026-09-02&to=2026-12-01").get_json()
        print(f"90 days: {body['searches']} settled searches, {body['zero_results']} zero")
        verdict = "meets" if worst <= TARGET_SECONDS else "misses"
        print(f"slowest answer {worst * 1000:.0f} ms: {verdict} the {TARGET_SECONDS:.0f} s target")
        if args.database_url is None:
            size = (Path(tmp) / "instance" / "kb.sqlite3").stat().st_size
            print(f"database file {size / 1e6:.0f} MB")
        return 0 if worst <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
