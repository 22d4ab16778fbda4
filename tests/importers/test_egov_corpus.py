"""The 266 real egov.kz service descriptions through the CSV importer (../shared corpus)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from articles.model import Actor
from articles.store import ArticleStore
from importers.run import import_into

ACTOR = Actor("Импорт eGov", "import@example.kz")


def jsonl_to_csv(jsonl: Path, target: Path) -> list[dict[str, str]]:
    """Write the corpus as an editor's CSV export would look (id,lang,title,body,category)."""
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines() if line]
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "lang", "title", "body", "category", "keywords"])
        for row in rows:
            writer.writerow(
                [row["id"], row["lang"], row["title"], row["text"], row["category"], "eGov.kz"]
            )
    return rows


def test_egov_services_import_and_reimport(egov_jsonl: Path, tmp_path: Path) -> None:
    source = tmp_path / "egov.csv"
    rows = jsonl_to_csv(egov_jsonl, source)
    assert len(rows) == 266
    store = ArticleStore.init(tmp_path / "content")

    report = import_into(store, "csv", source, actor=ACTOR, lang="ru")
    assert (len(report.created), report.skipped, report.conflicts) == (266, (), ())
    articles = {a.meta.source: a for a in store.list()}
    assert len(articles) == 266
    assert {a.lang for a in articles.values()} == {"ru"}
    assert len({a.slug for a in articles.values()}) == 266  # two rows share a title
    for row in rows:
        article = articles[f"csv:{row['id']}"]
        if len(row["title"]) <= 300:
            assert article.meta.title == row["title"]
            assert article.body.strip() == row["text"].strip()
        else:  # cut at a word, kept whole at the top of the body
            assert article.meta.title.endswith("…")
            assert article.body.strip() == f"**{row['title']}**\n\n{row['text'].strip()}"
        assert article.meta.category in ("family", "taxes", "education", "social", "property",
                                         "transport", "health", "documents", "other")  # fmt: skip
        assert row["category"] in article.meta.keywords
    family = [a for a in articles.values() if a.meta.category == "family"]
    assert len(family) == sum(1 for r in rows if r["category"] == "Семья") == 34

    again = import_into(store, "csv", source, actor=ACTOR, lang="ru")
    assert (len(again.unchanged), again.created, again.updated, again.commit) == (266, (), (), None)
