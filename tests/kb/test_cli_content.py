"""Content commands of the CLI on a demo instance: index, search, analyze, import, schedule."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from articles.model import Actor
from kb.cli import main
from kb.services import KnowledgeBase


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo instance made once with `kb init --demo`, copied per test."""
    home = tmp_path_factory.mktemp("demo") / "instance"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KB_HOME", str(home))
        result = CliRunner().invoke(main, ["init", "--demo"])
    assert result.exit_code == 0, result.output
    assert "Demo administrator: user 'admin'" in result.output
    return home


@pytest.fixture
def home(demo_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "instance"
    shutil.copytree(demo_home, copy)
    monkeypatch.setenv("KB_HOME", str(copy))
    return copy


@pytest.fixture
def knowledge(home: Path) -> Iterator[Callable[[], KnowledgeBase]]:
    """Open the instance's KnowledgeBase (again after each CLI run); all closed at the end."""
    from kb import create_app

    opened: list[KnowledgeBase] = []

    def open_kb() -> KnowledgeBase:
        opened.append(KnowledgeBase.from_config(create_app({"KB_HOME": str(home)}).config))
        return opened[-1]

    yield open_kb
    for kb in opened:
        kb.close()


def test_search_json_contract(home: Path) -> None:
    result = CliRunner().invoke(main, ["search", "--json", "паспорт"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert hits and {"id", "lang", "title", "score", "snippet", "url"} <= set(hits[0])
    assert hits[0]["id"] == "passport"


def test_search_many_queries_from_stdin(home: Path) -> None:
    result = CliRunner().invoke(
        main, ["search", "--limit", "3", "-"], input="паспорт\nтөлқұжат\n\n"
    )
    lines = result.output.strip().splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0])[0]["lang"] == "ru"
    assert json.loads(lines[1])[0]["lang"] == "kk"
    assert json.loads(lines[2]) == []


def test_search_by_language(home: Path) -> None:
    result = CliRunner().invoke(main, ["search", "--json", "--lang", "kk", "паспорт"])
    assert {hit["lang"] for hit in json.loads(result.output)} == {"kk"}


def test_analyze_both_languages(home: Path) -> None:
    kk = CliRunner().invoke(main, ["analyze", "--lang", "kk", "төлқұжаттарыңызды"])
    ru = CliRunner().invoke(main, ["analyze", "--lang", "ru", "паспортами"])
    assert kk.exit_code == 0 and ru.exit_code == 0
    assert kk.output.strip() and ru.output.strip()
    lines = CliRunner().invoke(main, ["analyze", "--lang", "ru", "-"], input="паспорт\nпаспорта\n")
    first, second = lines.output.strip().splitlines()
    assert set(first.split()) & set(second.split())


def test_index_rebuild_and_check(home: Path) -> None:
    rebuilt = CliRunner().invoke(main, ["index", "rebuild"])
    assert rebuilt.exit_code == 0 and "Indexed" in rebuilt.output
    clean = CliRunner().invoke(main, ["index", "check", "--no-repair"])
    assert clean.exit_code == 0, clean.output
    assert "missing 0, stale 0, extra 0" in clean.output


def test_index_check_finds_and_repairs_drift(
    home: Path, knowledge: Callable[[], KnowledgeBase]
) -> None:
    kb = knowledge()
    kb.index.update([], ["ru/passport"])
    drift = CliRunner().invoke(main, ["index", "check", "--no-repair"])
    assert drift.exit_code == 1 and "missing 1" in drift.output
    assert CliRunner().invoke(main, ["index", "check"]).exit_code == 0
    assert "missing 0" in CliRunner().invoke(main, ["index", "check", "--no-repair"]).output


def test_import_csv_dry_run_then_real(
    home: Path, tmp_path: Path, knowledge: Callable[[], KnowledgeBase]
) -> None:
    source = tmp_path / "faq.csv"
    source.write_text(
        "id,lang,title,body\n"
        "faq-1,ru,Как узнать ИИН,Через egov.kz или в ЦОНе.\n"
        "faq-1,kk,ЖСН қалай білуге болады,egov.kz арқылы немесе ХҚКО-да.\n",
        encoding="utf-8",
    )
    dry = CliRunner().invoke(main, ["import", "csv", str(source), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    kb = knowledge()
    before = kb.store.published_head()
    real = CliRunner().invoke(main, ["import", "csv", str(source), "--publish"])
    assert real.exit_code == 0, real.output
    hits = knowledge().search("ЖСН қалай білуге").hits
    assert any(hit.title == "ЖСН қалай білуге болады" for hit in hits)
    assert knowledge().store.published_head() != before


def test_import_reports_bad_file(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "broken.csv"
    source.write_bytes("id,lang,title,body\nx,ru,Налог,Текст\n".encode("cp1251"))
    result = CliRunner().invoke(main, ["import", "csv", str(source)])
    assert "UTF-8" in result.output


def test_scheduled_publishing(home: Path, knowledge: Callable[[], KnowledgeBase]) -> None:
    kb = knowledge()
    editor, reviewer = Actor("Editor", "ed@kb.kz"), Actor("Reviewer", "rev@kb.kz")
    article = kb.store.get("ru", "passport")
    text = (home / "content" / "ru" / "passport.md").read_text(encoding="utf-8")
    text = text.replace("Паспорт гражданина", "Новый паспорт гражданина", 1)
    kb.store.save("ru", "passport", text, actor=editor, expected_revision=article.revision)
    kb.store.submit("ru", "passport", actor=editor)
    kb.store.approve("ru", "passport", actor=reviewer)
    new_year = dt.date.today() + dt.timedelta(days=30)
    kb.publish("ru", "passport", actor=reviewer, effective=new_year)
    assert "Новый" not in kb.published("ru", "passport")[0].meta.title
    result = CliRunner().invoke(main, ["publish-due"])
    assert "Published 0" in result.output
    later = dt.datetime.combine(new_year, dt.time(0, 1)).astimezone()
    assert kb.publish_due(now=later) == [("ru", "passport")]
    assert kb.published("ru", "passport")[0].meta.title.startswith("Новый")
    assert kb.search("новый паспорт").hits[0].title.startswith("Новый")


def test_scheduler_thread_publishes_and_stops(
    home: Path, knowledge: Callable[[], KnowledgeBase]
) -> None:
    import threading

    from kb import scheduler

    kb = knowledge()
    calls = threading.Event()
    real = kb.publish_due

    def counting(now: dt.datetime | None = None) -> list[tuple[str, str]]:
        calls.set()
        return real(now)

    kb.publish_due = counting  # type: ignore[method-assign]
    stop = scheduler.start(kb, 0.05)
    try:
        assert calls.wait(5), "the scheduler thread never asked for due articles"
    finally:
        stop.set()
    assert scheduler.run_once(kb) == []


def test_an_index_of_another_schema_catches_up_on_open(
    home: Path, knowledge: Callable[[], KnowledgeBase]
) -> None:
    import search.lifecycle as search_lifecycle

    kb = knowledge()
    assert kb.search("паспорт").hits
    kb.close()
    # An upgrade that changes the schema: the old index cannot be read and opens empty.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_lifecycle, "SCHEMA_VERSION", search_lifecycle.SCHEMA_VERSION + 1000)
        fresh = knowledge()
        assert fresh.search("паспорт").hits, "the index was not rebuilt on open"
