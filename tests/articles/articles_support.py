"""Helpers shared by the articles tests (actors, sample texts, git snapshots)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from articles.frontmatter import dump
from articles.model import Actor
from articles.model import ArticleMeta
from articles.store import ArticleStore

AUTHOR = Actor("Айгүл Серікқызы", "aigul@example.kz")
REVIEWER = Actor("Борис Петров", "boris@example.kz")
OTHER = Actor("Dana Editor", "dana@example.kz")

TITLES = {"kk": "Төлқұжатты ауыстыру", "ru": "Замена паспорта", "en": "Passport replacement"}
BODIES = {
    "kk": "Төлқұжатты кез келген ХҚКО-да ауыстыруға болады.\n",
    "ru": "Паспорт меняют в любом ЦОНе.\n",
    "en": "The passport is replaced at any PSC.\n",
}

MakeText = Callable[..., str]


def make_text(lang: str, *, id: str = "passport", body: str | None = None, **meta: object) -> str:
    """Return an article file: ``make_text(lang, id=..., body=..., **front_matter)``."""
    fields: dict[str, object] = {"title": TITLES[lang], **meta}
    return dump(
        ArticleMeta(id=id, lang=lang, **fields),  # type: ignore[arg-type]
        BODIES[lang] if body is None else body,
    )


def git(store: ArticleStore, *args: str) -> str:
    """Run git in the content repository and return stdout (tests only)."""
    return subprocess.run(
        ["git", "-C", str(store.path), *args], capture_output=True, text=True, check=True
    ).stdout


def snapshot(store: ArticleStore) -> tuple[str, str, str, int]:
    """Heads, status and commit count: equal before and after a refused write."""
    return (
        git(store, "rev-parse", "refs/heads/main"),
        git(store, "rev-parse", "refs/heads/published"),
        git(store, "status", "--porcelain"),
        len(git(store, "log", "--all", "--oneline").splitlines()),
    )


def publish(store: ArticleStore, lang: str, slug: str) -> None:
    """Submit (AUTHOR), approve and publish (REVIEWER)."""
    store.submit(lang, slug, actor=AUTHOR)
    store.approve(lang, slug, actor=REVIEWER)
    store.publish(lang, slug, actor=REVIEWER)


def hammer(path: str, worker: str, rounds: int) -> list[tuple[str, str, str, bool]]:
    """Edit a shared article and an own article ``rounds`` times each (threads/processes).

    Runs in a spawned process too, so it opens its own store.

    :returns: ``(slug, outcome, revision-or-"", ok)`` per attempt; ``outcome`` is
        ``"saved"`` (ok: the saved blob is the one read back at that revision) or
        ``"conflict"`` (ok: the refused text came back intact).
    """
    from articles.errors import RevisionConflict

    results = []
    with ArticleStore(path) as store:
        for n in range(rounds):
            for lang, slug in (("ru", "shared"), ("kk", f"own-{worker}")):
                try:
                    base = store.get(lang, slug)
                    expected: str | None = base.revision
                except Exception:  # the own article does not exist yet
                    expected = None
                text = make_text(lang, id=slug, body=f"{worker} round {n}\n")
                try:
                    saved = store.save(lang, slug, text, actor=OTHER, expected_revision=expected)
                except RevisionConflict as exc:
                    results.append((slug, "conflict", "", exc.attempted == text))
                    continue
                again = store.get(lang, slug, revision=saved.revision)
                results.append((slug, "saved", saved.revision, again.blob == saved.blob))
    return results
