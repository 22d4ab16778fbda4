"""The search index's input record and its Whoosh schema.

``IndexDoc`` is what the application's service layer hands to the index: one published
article or one competent body, already rendered to plain text. ``document_from`` is the
single place that turns it into a Whoosh document, so the on-disk layout is defined here
and nowhere else. Whoosh pickles the analysers into the index, which makes the
``search.analysis`` class paths part of the on-disk format: bump ``SCHEMA_VERSION`` when
the fields or the analysers change, and the index is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from whoosh.fields import ID
from whoosh.fields import KEYWORD
from whoosh.fields import STORED
from whoosh.fields import TEXT
from whoosh.fields import Schema

from search.analysis import analyzer_for

#: Bump when fields, their options or the analysers change; an index with another
#: version is rebuilt rather than read.
SCHEMA_VERSION = 4

#: Languages with their own analysed fields. Articles in other languages (``en``, rare)
#: are indexed with the Russian fields, whose analyser passes Latin words through.
INDEX_LANGS: tuple[str, ...] = ("kk", "ru")

#: The kinds of search result.
KINDS: tuple[str, ...] = ("article", "body")

#: Analysed fields per language; ``search.weights.FIELD_BOOSTS`` weighs them.
TEXT_FIELDS: tuple[str, ...] = ("title", "keywords", "body")


@dataclass(frozen=True)
class IndexDoc:
    """One searchable item: a published article in one language, or a competent body.

    :param kind: ``"article"`` or ``"body"`` (a competent body from ``bodies/<id>.yaml``).
    :param id: the translation group id (article ``id`` or body id).
    :param lang: ``"kk"``, ``"ru"`` or ``"en"``.
    :param slug: the article slug (for bodies, the body id).
    :param title: the title as shown.
    :param text: plain text of the rendered body.
    :param answer: the short answer an operator reads out first.
    :param keywords: editor keywords.
    :param category: the category id (empty for bodies).
    :param agencies: competent body ids.
    :param services: egov.kz service ids.
    :param review_by: when an editor must re-check the article.
    :param valid_from: rule in force from.
    :param valid_until: rule in force until.
    :param updated: last publication time (ISO text), used in the stamp only.
    :param url: where the reader opens the item.
    """

    kind: str
    id: str
    lang: str
    slug: str
    title: str
    text: str = ""
    answer: str = ""
    keywords: tuple[str, ...] = ()
    category: str = ""
    agencies: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    review_by: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    updated: str = ""
    url: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"IndexDoc.kind is {self.kind!r}: use one of {', '.join(KINDS)}")
        if not self.lang:
            raise ValueError(f"IndexDoc {self.id!r} has no lang: set 'kk', 'ru' or 'en'")
        if not self.slug and self.kind == "article":
            raise ValueError(f"IndexDoc {self.id!r} has no slug: articles need one")

    @property
    def key(self) -> str:
        """The unique index key: ``<lang>/<slug>`` for articles, ``body/<lang>/<id>``."""
        return key_for(self.kind, self.lang, self.slug or self.id)


def key_for(kind: str, lang: str, slug: str) -> str:
    """Build the unique index key of an item.

    :param kind: ``"article"`` or ``"body"``.
    :param lang: the item's language.
    :param slug: the article slug, or the body id.
    :returns: ``"ru/passport-replacement"`` or ``"body/ru/gov4c"``.
    """
    return f"body/{lang}/{slug}" if kind == "body" else f"{lang}/{slug}"


def field_lang(lang: str) -> str:
    """Return the language whose analysed fields hold an item in ``lang``.

    :param lang: the item's language.
    :returns: ``"kk"`` or ``"ru"``.
    """
    return lang if lang in INDEX_LANGS else "ru"


def stamp_of(doc: IndexDoc) -> str:
    """Return a fingerprint of everything indexed about ``doc``.

    ``SearchIndex.keys()`` returns these stamps, so ``kb index check`` finds drift by
    comparing them with stamps of the published content.

    :param doc: the item.
    :returns: a short hex digest that changes whenever any field of ``doc`` changes.
    """
    payload = json.dumps(asdict(doc), sort_keys=True, default=str, ensure_ascii=False)
    digest = hashlib.blake2b(f"{SCHEMA_VERSION}\n{payload}".encode(), digest_size=12)
    return digest.hexdigest()


def build_schema() -> Schema:
    """Build the Whoosh schema: stored result fields plus analysed fields per language.

    :returns: a new schema.
    """
    fields: dict[str, Any] = {
        "key": ID(unique=True, stored=True),
        "id": ID(stored=True),
        "kind": ID(stored=True),
        "lang": ID(stored=True),
        "category": ID(stored=True),
        "agencies": KEYWORD(stored=True, commas=True, scorable=False),
        "services": KEYWORD(stored=True, commas=True, scorable=False),
        "slug": STORED(),
        "title": STORED(),
        "answer": STORED(),
        "text": STORED(),
        "url": STORED(),
        "review_by": STORED(),
        "valid_until": STORED(),
        "stamp": STORED(),
    }
    for lang in INDEX_LANGS:
        analyzer = analyzer_for(lang)
        fields[f"title_{lang}"] = TEXT(analyzer=analyzer)
        fields[f"keywords_{lang}"] = TEXT(analyzer=analyzer)
        fields[f"body_{lang}"] = TEXT(analyzer=analyzer)
    return Schema(**fields)


def document_from(doc: IndexDoc) -> dict[str, Any]:
    """Build the Whoosh document for ``doc``: the one place that maps records to fields.

    :param doc: the item to index.
    :returns: keyword arguments for ``writer.update_document``.
    """
    lang = field_lang(doc.lang)
    # The title is part of the body as well, so a title word counts like any body word
    # and the title field adds its boost on top (summing per-field BM25 scores would
    # otherwise let a title match outweigh the whole text).
    body = "\n".join(part for part in (doc.title, doc.answer, doc.text) if part)
    document: dict[str, Any] = {
        "key": doc.key,
        "id": doc.id,
        "kind": doc.kind,
        "lang": doc.lang,
        "category": doc.category,
        "agencies": ",".join(doc.agencies),
        "services": ",".join(doc.services),
        "slug": doc.slug,
        "title": doc.title,
        "answer": doc.answer,
        "text": doc.text,
        "url": doc.url,
        "review_by": doc.review_by.isoformat() if doc.review_by else None,
        "valid_until": doc.valid_until.isoformat() if doc.valid_until else None,
        "stamp": stamp_of(doc),
        f"title_{lang}": doc.title,
        f"body_{lang}": body,
    }
    if doc.keywords:
        document[f"keywords_{lang}"] = "\n".join(doc.keywords)
    # Whoosh rejects empty ID values for unique-key lookups only; drop empty optional ones
    # so the index holds no "" terms.
    for name in ("category", "agencies", "services"):
        if not document[name]:
            del document[name]
    return document
