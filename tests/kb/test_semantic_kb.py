"""The semantic stage in the knowledge base: settled searches only, background vectors.

A small content tree is built here from the demo's own articles: the Kazakh version of
``consultation-rating`` without its Russian translation (a Kazakh-only article) and two
Russian articles. Vectors come from the real bundled model (session ``embedder``).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import kb as kb_package
from kb.services import DEMO_EDITOR
from kb.services import DEMO_REVIEWER
from kb.services import KnowledgeBase
from search.semantic import SemanticResult

pytestmark = pytest.mark.slow

DEMO = Path(kb_package.__file__).parent / "demo" / "content"
#: Russian, and no word of it is in the Kazakh article (lexical search misses it).
RU_QUESTION = "можно ли поставить отметку качеству разговора с сотрудником"
KK_KEY = "kk/consultation-rating"
QUERIES = ["паспорт", "налог на имущество", RU_QUESTION, "ЖСН", '"госпошлина"', "pasport"]


class Counting:
    """The real embedder, counting the passages it is asked to embed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.passages_seen = 0

    def query(self, text: str) -> Any:
        return self.inner.query(text)

    def passages(self, texts: Sequence[str]) -> Any:
        self.passages_seen += len(texts)
        return self.inner.passages(texts)


def _tree(root: Path) -> Path:
    (root / "kk").mkdir(parents=True)
    (root / "ru").mkdir()
    shutil.copy(DEMO / "kk" / "consultation-rating.md", root / "kk")
    for slug in ("passport", "tax-debt"):
        shutil.copy(DEMO / "ru" / f"{slug}.md", root / "ru")
    return root


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[Path]:
    """An instance folder with the small tree published and its vectors computed."""
    home = tmp_path_factory.mktemp("semantic")
    kb = _open(home, Counting(embedder))
    kb.load_tree(_tree(home / "tree"))
    assert kb.semantic is not None and kb.semantic.wait()
    kb.close()
    yield home


def _open(home: Path, embedder: Any, semantic: bool = True) -> KnowledgeBase:
    return KnowledgeBase(
        content_dir=home / "content",
        index_dir=home / "index",
        options={"semantic": semantic, "vectors_dir": home / "vectors", "embedder": embedder},
    )


def _plain(result: Any) -> dict[str, Any]:
    payload = result.as_dict()
    payload.pop("took_ms")
    return payload


def test_russian_question_finds_kazakh_only_demo_article(home: Path, embedder: Any) -> None:
    kb = _open(home, embedder)
    typing = kb.search(RU_QUESTION)
    assert KK_KEY not in [hit.key for hit in typing.hits], "the words alone do not find it"
    settled = kb.search(RU_QUESTION, settled=True)
    assert isinstance(settled, SemanticResult)
    assert settled.hits[0].key == KK_KEY
    assert settled.answer_in[KK_KEY] == "kk"
    kb.close()


def test_semantic_off_gives_exactly_the_lexical_results(home: Path, embedder: Any) -> None:
    off = _open(home, embedder, semantic=False)
    on = _open(home, embedder)
    for q in QUERIES:
        lexical = off.index.search(q, time_budget_ms=300)
        assert _plain(off.search(q, settled=True)) == _plain(lexical), q
        assert _plain(off.search(q)) == _plain(lexical), q
        # Typing never runs the stage, even when it is on.
        assert _plain(on.search(q)) == _plain(lexical), q
    assert off.semantic is None
    off.close()
    on.close()


def test_publish_is_lexical_at_once_and_semantic_after_the_background_step(
    home: Path, tmp_path: Path, embedder: Any
) -> None:
    # The module's cache spares embedding the tree again: only the new article costs.
    (tmp_path / "vectors").mkdir()
    with sqlite3.connect(tmp_path / "vectors" / "cache.sqlite3") as copy:
        sqlite3.connect(home / "vectors" / "cache.sqlite3").backup(copy)
    model = Counting(embedder)
    kb = _open(tmp_path, model)
    kb.load_tree(_tree(tmp_path / "tree"))
    assert kb.semantic is not None and kb.semantic.wait()
    assert model.passages_seen == 0
    text = (DEMO / "kk" / "iin.md").read_text(encoding="utf-8")
    kb.store.save("kk", "iin", text, actor=DEMO_EDITOR)
    kb.store.submit("kk", "iin", actor=DEMO_EDITOR)
    kb.store.approve("kk", "iin", actor=DEMO_REVIEWER)
    seen = model.passages_seen
    kb.publish("kk", "iin", actor=DEMO_REVIEWER)
    # Lexically searchable as soon as publish returns.
    assert kb.search("ЖСН").hits[0].key == "kk/iin"
    # The vectors follow in the background; then a Russian paraphrase finds it.
    assert kb.semantic.wait()
    assert model.passages_seen > seen, "the new article was embedded"
    assert not kb.semantic.needs_refresh(kb.index.last_commit())
    found = kb.search("индивидуальный номер налогоплательщика для гражданина", settled=True)
    assert "kk/iin" in [hit.key for hit in found.hits[:3]]
    kb.close()


def test_rebuild_reuses_cached_vectors(home: Path, embedder: Any) -> None:
    model = Counting(embedder)
    kb = _open(home, model)
    kb.options = {**kb.options, "vectors_in_background": False}
    kb.rebuild_index()
    report = kb.refresh_vectors()
    assert report is not None and report.embedded == 0 and report.changed == 0
    # Even with the live vectors deleted, a refresh takes every vector from the cache.
    for folder in (home / "vectors").glob("set-*"):
        shutil.rmtree(folder)
    (home / "vectors" / "CURRENT").unlink()
    report = kb.refresh_vectors()
    assert report is not None and report.changed == 3 and report.embedded == 0
    assert model.passages_seen == 0
    assert kb.search(RU_QUESTION, settled=True).hits[0].key == KK_KEY
    kb.close()


def test_screen_and_api_mark_the_kazakh_answer(home: Path, embedder: Any) -> None:
    from tests.conftest import AuthActions
    from tests.conftest import add_user
    from tests.conftest import make_app

    app = make_app(home, SEMANTIC=True, SEMANTIC_EMBEDDER=embedder)
    add_user(app, "operator", ["operator"])
    client = app.test_client()
    auth = AuthActions(client)
    auth.login("operator")
    settled = client.get("/api/search", query_string={"q": RU_QUESTION}).get_json()
    assert settled["semantic"] is True
    assert settled["results"][0]["id"] == "consultation-rating"
    assert settled["results"][0]["answer_in"] == "kk"
    # A keystroke (live=1) never runs the stage.
    typing = client.get("/api/search", query_string={"q": RU_QUESTION, "live": "1"}).get_json()
    assert "semantic" not in typing
    assert "consultation-rating" not in [hit["id"] for hit in typing["results"]]
    labels = {
        "ru": "Ответ на казахском языке",
        "kk": "Жауап қазақ тілінде",
        "en": "Answer in Kazakh",
    }
    for locale, label in labels.items():
        token = auth.csrf_token("/")
        client.post("/-/language", data={"locale": locale, "csrf_token": token, "next": "/"})
        final = client.get("/-/results", query_string={"q": RU_QUESTION, "final": "1"})
        page = final.get_data(as_text=True)
        assert label in page, locale
        assert 'data-answer-in="kk"' in page
        live = client.get("/-/results", query_string={"q": RU_QUESTION}).get_data(as_text=True)
        assert label not in live and "data-answer-in" not in live
