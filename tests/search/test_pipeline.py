"""The query pipeline's stages, chained by hand, are what a search runs; fuse is the seam.

parse → plan → retrieve (lexical) → fuse → present on a real in-memory index of Kazakh
and Russian articles: chaining the stages gives exactly the hits of
``QueryPipeline.search``, and a further retrieval stage plugs in at :func:`fuse`, also
inside ``QueryPipeline.search`` (:mod:`search.stages`).
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import replace

import pytest

from search.candidates import Candidates
from search.fuse import fuse
from search.lexical import retrieve
from search.lifecycle import LiveIndex
from search.parse import parse_text
from search.pipeline import QueryPipeline
from search.plan import Planner
from search.present import present
from search.ranking import ScoreCache
from search.results import SearchResult
from search.schema import IndexDoc
from search.searchers import ThreadSearchers
from search.stages import StageCandidates
from search.stages import StageQuery
from search.view import IndexView
from search.view import ReadCaches


def _article(slug: str, lang: str, title: str, text: str) -> IndexDoc:
    return IndexDoc(
        kind="article", id=slug, lang=lang, slug=slug, title=title, text=text, url=f"/{lang}/{slug}"
    )


DOCS = [
    _article("tax", "ru", "Уплата налога на имущество", "Налог на имущество платят ежегодно."),
    _article("tax", "kk", "Мүлік салығын төлеу", "Мүлік салығын жыл сайын төлейді."),
    _article("passport", "ru", "Замена паспорта", "Паспорт меняют в ЦОНе, нужен старый паспорт."),
    _article("passport", "kk", "Төлқұжатты ауыстыру", "Төлқұжатты ХҚКО-да ауыстырады."),
    # Only in Kazakh: what a semantic stage would add to a Russian query.
    _article("pension", "kk", "Зейнетақы аудару", "Зейнетақы жинағын басқа қорға аударуға болады."),
]


@pytest.fixture
def searchers() -> Iterator[ThreadSearchers]:
    live = LiveIndex(None)
    live.update(DOCS, commit_marker="c1")
    found = ThreadSearchers(live)
    yield found
    found.close()


def _view(searchers: ThreadSearchers) -> IndexView:
    return searchers.current().view(ReadCaches())


@pytest.mark.parametrize(
    "query", ["налог на имущество", "паспорт", "мүлік салығы", "төлқұжат ауыстыру", "салығын"]
)
def test_the_stages_chained_by_hand_are_the_search(searchers: ThreadSearchers, query: str) -> None:
    view = _view(searchers)
    plan = Planner(view).plan(parse_text(query))
    lexical = retrieve(view, plan, 10, None, time.perf_counter() + 60, ScoreCache())
    ranked = fuse(lexical)
    hits = present(view, ranked.ranked[:10], plan)
    expected = QueryPipeline(searchers, result_cache=0).search(query, time_budget_ms=60_000)
    assert hits == expected.hits
    assert hits, "the comparison is not vacuous"
    assert (ranked.total, ranked.weak) == (expected.total, expected.weak)


def test_fuse_alone_returns_the_lexical_ranking_unchanged(searchers: ThreadSearchers) -> None:
    view = _view(searchers)
    plan = Planner(view).plan(parse_text("паспорт"))
    lexical = retrieve(view, plan, 10, None, time.perf_counter() + 60, ScoreCache())
    assert fuse(lexical) is lexical
    assert fuse(lexical, ()) is lexical
    weak = Candidates(((3, 1.0),), total=1, weak=True, timed_out=True)
    assert fuse(weak) == weak


def test_a_further_stage_plugs_in_at_fuse(searchers: ThreadSearchers) -> None:
    """A Russian question and a Kazakh-only article the lexical stage cannot find."""
    view = _view(searchers)
    plan = Planner(view).plan(parse_text("перевод пенсионных накоплений"))
    lexical = retrieve(view, plan, 10, None, time.perf_counter() + 60, ScoreCache())
    assert not lexical.ranked
    pension = view.docnums_of(["kk/pension"])["kk/pension"]
    other = Candidates(((pension, 0.9),), total=1)

    def union_by_best(first: Candidates, rest: Sequence[Candidates]) -> Candidates:
        best: dict[int, float] = {}
        for found in (first, *rest):
            for docnum, score in found.ranked:
                best[docnum] = max(score, best.get(docnum, 0.0))
        ranked = tuple(sorted(best.items(), key=lambda pair: -pair[1]))
        return Candidates(ranked, len(ranked))

    fused = fuse(lexical, [other], union_by_best)
    hits = present(view, fused.ranked, plan)
    assert [(hit.key, hit.lang) for hit in hits] == [("kk/pension", "kk")]


def test_other_candidates_without_a_rule_are_refused() -> None:
    with pytest.raises(ValueError, match="no combine rule"):
        fuse(Candidates(), [Candidates(((0, 1.0),), 1)])


class KeyStage:
    """A further retrieval stage that proposes fixed articles by key (no model needed):
    the pipeline's side of the seam, exercised without the semantic stage's vectors."""

    def __init__(self, keys: Sequence[str], runs_for: str) -> None:
        self.keys = list(keys)
        self.runs_for = runs_for
        self.retrieved: list[StageQuery] = []
        self.finished = 0

    def cache_token(self, q: str) -> Hashable | None:
        return ("keys", tuple(self.keys)) if q == self.runs_for else None

    def retrieve(self, query: StageQuery) -> StageCandidates | None:
        self.retrieved.append(query)
        docnums = query.view.docnums_of(self.keys)
        found = Candidates(tuple((docnums[k], 1.0) for k in self.keys if k in docnums))

        def after_lexical(first: Candidates, rest: Sequence[Candidates]) -> Candidates:
            ranked = first.ranked + tuple(p for p in rest[0].ranked if p not in first.ranked)
            return Candidates(ranked, len(ranked), first.timed_out, first.weak)

        return StageCandidates(found, after_lexical, notes="marked")

    def finish(self, result: SearchResult, found: StageCandidates) -> SearchResult:
        self.finished += 1
        return replace(result, corrected=found.notes)


def test_a_further_stage_retrieves_inside_the_pipeline(searchers: ThreadSearchers) -> None:
    pipeline = QueryPipeline(searchers, result_cache=100)
    question = "налог на имущество"
    stage = KeyStage(["kk/pension"], runs_for=question)
    plain = pipeline.search(question, time_budget_ms=60_000)
    joined = pipeline.search(question, time_budget_ms=60_000, stage=stage)
    # The stage saw the lexical candidates and the query's view; its article joined them
    # before fuse, and the page was presented by the pipeline (snippet, stored fields).
    assert [q.lexical.ranked for q in stage.retrieved] == [
        retrieve(
            _view(searchers),
            Planner(_view(searchers)).plan(parse_text(question)),
            10,
            None,
            time.perf_counter() + 60,
            ScoreCache(),
        ).ranked
    ]
    assert [h.key for h in joined.hits] == [h.key for h in plain.hits] + ["kk/pension"]
    assert joined.hits[-1].title == "Зейнетақы аудару" and joined.hits[-1].snippet
    assert joined.corrected == "marked" and stage.finished == 1
    # Cached under the stage's token: asked again, neither lexical nor stage work is redone,
    # and the lexical result stays cached apart.
    again = pipeline.search(question, time_budget_ms=60_000, stage=stage)
    assert replace(again, took_ms=0) == replace(joined, took_ms=0)
    assert len(stage.retrieved) == 1
    assert pipeline.search(question, time_budget_ms=60_000).hits == plain.hits


def test_a_stage_that_declines_leaves_the_lexical_result(searchers: ThreadSearchers) -> None:
    pipeline = QueryPipeline(searchers, result_cache=0)
    stage = KeyStage(["kk/pension"], runs_for="something else")
    for query in ("паспорт", "мүлік салығы"):
        plain = pipeline.search(query, time_budget_ms=60_000)
        declined = pipeline.search(query, time_budget_ms=60_000, stage=stage)
        assert replace(declined, took_ms=0) == replace(plain, took_ms=0)
    assert stage.retrieved == [] and stage.finished == 0


def test_past_the_budget_a_stage_still_answers_what_words_did_not(
    searchers: ThreadSearchers,
) -> None:
    pipeline = QueryPipeline(searchers, result_cache=100)
    question = "перевод пенсионных накоплений"  # no lexical hit
    stage = KeyStage(["kk/pension"], runs_for=question)
    result = pipeline.search(question, time_budget_ms=0, stage=stage)
    assert [h.key for h in result.hits] == ["kk/pension"]
    assert stage.finished == 1
