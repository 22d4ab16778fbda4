"""Pure parsing of the editor's forms: posted fields → article file text, and back.

No Flask here: the views hand over a plain mapping of form fields, so these functions
are tested without a request. Validation of the article itself stays in the domain
(``ArticleStore.parse``/``save``); this module only refuses what cannot even be written
down (a date that is not a date), naming the field, and never drops what was typed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from dataclasses import replace
from typing import Any

import yaml

from articles.bodies import Body
from articles.errors import ArticleError
from articles.frontmatter_edit import edit_text
from articles.model import Article

#: Facts with a field of their own on the form (others are kept as ``name: value`` lines).
FACT_FIELDS = ("deadline", "fee", "documents", "where")
#: Facts whose value is a list (one item per line on the form).
LIST_FACTS = ("documents",)
#: Front-matter date fields.
DATE_FIELDS = ("review_by", "valid_from", "valid_until")
#: Languages an article may be written in.
ARTICLE_LANGUAGES = ("kk", "ru", "en")


class FormError(ValueError):
    """A form value that cannot be turned into front matter.

    :param field: the form field.
    :param code: stable code (``invalid_date``, ``invalid_fact``) for translated messages.
    :param message: English message naming the problem and the fix.
    """

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ArticleForm:
    """The values of the article edit form, as typed (all text).

    List fields hold comma-, semicolon- or line-separated text; ``documents`` one item a
    line; ``other_facts`` ``name: value`` lines for facts without a field of their own.
    """

    lang: str = "ru"
    slug: str = ""
    id: str = ""
    title: str = ""
    category: str = "other"
    services: str = ""
    agencies: tuple[str, ...] = ()
    keywords: str = ""
    answer: str = ""
    deadline: str = ""
    fee: str = ""
    documents: str = ""
    where: str = ""
    other_facts: str = ""
    review_by: str = ""
    valid_from: str = ""
    valid_until: str = ""
    related: str = ""
    source: str = ""
    source_hash: str = ""
    owner: str = ""
    body: str = ""
    expected_revision: str = ""
    message: str = ""
    extra: dict[str, str] = field(default_factory=dict, hash=False)


def split_list(text: str) -> list[str]:
    """Split a list field typed as text into items: by semicolons or lines if it has any,
    else by commas (so a keyword such as "1,5 жас" survives in a "; "-separated list).

    >>> split_list("ЦОН, egov.kz,\\n  ХҚКО ")
    ['ЦОН', 'egov.kz', 'ХҚКО']
    >>> split_list("1,5 жас; декрет")
    ['1,5 жас', 'декрет']

    :param text: the field's text.
    :returns: non-empty, stripped items in order, duplicates removed.
    """
    text = text or ""
    parts = re.split(r"[;\n]" if ";" in text else r"[,\n]", text)
    out: list[str] = []
    for item in parts:
        item = item.strip()
        if item and item not in out:
            out.append(item)
    return out


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def form_from_mapping(data: Mapping[str, Any], agencies: Iterable[str] = ()) -> ArticleForm:
    """Read the posted fields into an :class:`ArticleForm` (unknown keys ignored).

    :param data: the posted form (``request.form`` or a dict of strings).
    :param agencies: the ticked agency ids (a multi-valued field).
    :returns: the form values, stripped of surrounding blanks where that is harmless.
    """
    values: dict[str, Any] = {}
    for f in fields(ArticleForm):
        if f.name in ("agencies", "extra"):
            continue
        raw = data.get(f.name)
        if raw is None:
            continue
        text = str(raw).replace("\r\n", "\n")
        values[f.name] = text if f.name in ("body", "answer", "other_facts") else text.strip()
    values["agencies"] = tuple(dict.fromkeys(a.strip() for a in agencies if a.strip()))
    return ArticleForm(**values)


def _date(name: str, text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise FormError(
            name,
            "invalid_date",
            f"Field '{name}' is not a date: {text.strip()[:20]!r}. Use YYYY-MM-DD, "
            "e.g. 2027-01-01, or pick it in the calendar.",
        ) from None


def _other_facts(text: str) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for number, line in enumerate(_lines(text), start=1):
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or not value.strip():
            raise FormError(
                "other_facts",
                "invalid_fact",
                f"Other facts, line {number}: {line[:40]!r} is not 'name: value'. "
                "Write one fact a line, e.g. 'age: from 16 years'.",
            )
        facts[name.strip()] = value.strip()
    return facts


def front_matter(form: ArticleForm) -> dict[str, Any]:
    """Build the front-matter mapping from the form, leaving out empty optional fields.

    :param form: the form values.
    :returns: an ordered mapping in the documented field order.
    :raises FormError: for a value that is not a date, or a malformed "other facts" line.
    """
    data: dict[str, Any] = {"id": form.id, "title": form.title, "lang": form.lang}
    if form.category:
        data["category"] = form.category
    for name in ("services",):
        items = split_list(getattr(form, name))
        if items:
            data[name] = items
    if form.agencies:
        data["agencies"] = list(form.agencies)
    keywords = split_list(form.keywords)
    if keywords:
        data["keywords"] = keywords
    if form.answer.strip():
        data["answer"] = " ".join(form.answer.split())
    facts: dict[str, Any] = {}
    for name in FACT_FIELDS:
        value = getattr(form, name)
        if name in LIST_FACTS:
            items = _lines(value)
            if items:
                facts[name] = items
        elif value.strip():
            facts[name] = value.strip()
    for name, value in _other_facts(form.other_facts).items():
        facts.setdefault(name, value)
    if facts:
        data["facts"] = facts
    for name in DATE_FIELDS:
        value = _date(name, getattr(form, name))
        if value is not None:
            data[name] = value
    related = split_list(form.related)
    if related:
        data["related"] = related
    if form.source:
        data["source"] = form.source
    if form.source_hash:
        data["source_hash"] = form.source_hash
    if form.owner:
        data["owner"] = form.owner
    return data


#: Front-matter fields the form owns (a field the form does not know stays in the file).
FORM_FIELDS = (
    "id",
    "title",
    "lang",
    "category",
    "services",
    "agencies",
    "keywords",
    "answer",
    "facts",
    "review_by",
    "valid_from",
    "valid_until",
    "related",
    "source",
    "source_hash",
    "owner",
)


def article_text(form: ArticleForm, base: str | None = None) -> str:
    """Build the whole article file (front matter + Markdown body) from the form.

    With ``base`` (the file the editor opened), only the fields whose value changed are
    written again, in the file's own style: a one-line change is a one-line diff.

    >>> form = ArticleForm(lang="kk", slug="a", id="a", title="Төлқұжат", body="Мәтін")
    >>> article_text(form).splitlines()[:4]
    ['---', 'id: a', 'title: Төлқұжат', 'lang: kk']
    >>> base = "---\\nid: a\\ntitle: Old\\nlang: kk\\nkeywords: [x,   y]\\n---\\nМәтін\\n"
    >>> article_text(replace(form, keywords="x; y"), base).splitlines()[2:5]
    ['title: Төлқұжат', 'lang: kk', 'keywords: [x,   y]']

    :param form: the form values.
    :param base: the file as it was when the form was filled, if any.
    :returns: the file text to hand to ``ArticleStore.save``.
    :raises FormError: see :func:`front_matter`.
    """
    data = front_matter(form)
    if base is not None:
        try:
            return edit_text(base, data, form.body, FORM_FIELDS)
        except (ArticleError, yaml.YAMLError, ValueError):
            pass  # not a readable file: write the whole front matter anew
    return edit_text("---\n---\n", data, form.body, FORM_FIELDS)


def _fact_text(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def form_from_article(article: Article) -> ArticleForm:
    """Fill the form from a stored article (the edit page's starting values).

    :param article: the draft-line article.
    :returns: form values; ``expected_revision`` is the article's revision.
    """
    meta = article.meta
    facts = dict(meta.facts)
    named = {name: _fact_text(facts.pop(name, "")) for name in FACT_FIELDS}
    other = "\n".join(f"{k}: {_fact_text(v).replace(chr(10), ', ')}" for k, v in facts.items())
    return ArticleForm(
        lang=article.lang,
        slug=article.slug,
        id=meta.id,
        title=meta.title,
        category=meta.category,
        services=", ".join(meta.services),
        agencies=tuple(meta.agencies),
        keywords="; ".join(meta.keywords),
        answer=meta.answer,
        other_facts=other,
        review_by=meta.review_by.isoformat() if meta.review_by else "",
        valid_from=meta.valid_from.isoformat() if meta.valid_from else "",
        valid_until=meta.valid_until.isoformat() if meta.valid_until else "",
        related=", ".join(meta.related),
        source=meta.source,
        source_hash=meta.source_hash,
        owner=meta.owner,
        body=article.body,
        expected_revision=article.revision,
        deadline=named["deadline"],
        fee=named["fee"],
        documents=named["documents"],
        where=named["where"],
    )


def with_revision(form: ArticleForm, revision: str | None) -> ArticleForm:
    """Return the form based on another revision (re-applying an edit after a conflict).

    :param form: the editor's values.
    :param revision: the revision to save on top of, or ``None`` for a new file.
    :returns: the same values with ``expected_revision`` replaced.
    """
    return replace(form, expected_revision=revision or "")


# -- competent bodies ---------------------------------------------------------------------


@dataclass(frozen=True)
class BodyForm:
    """The values of the competent-body form, as typed."""

    id: str = ""
    name_kk: str = ""
    name_ru: str = ""
    handles_kk: str = ""
    handles_ru: str = ""
    phone: str = ""
    site: str = ""
    address_kk: str = ""
    address_ru: str = ""
    services: str = ""
    expected_revision: str = ""


def body_form_from_mapping(data: Mapping[str, Any]) -> BodyForm:
    """Read the posted body form.

    :param data: the posted fields.
    :returns: the values, stripped.
    """
    values = {
        f.name: str(data.get(f.name) or "").replace("\r\n", "\n").strip() for f in fields(BodyForm)
    }
    return BodyForm(**values)


def body_form_from_body(body: Body, revision: str = "") -> BodyForm:
    """Fill the body form from a stored record.

    :param body: the record.
    :param revision: the revision it was read at.
    :returns: form values.
    """
    address = body.address or {}
    return BodyForm(
        id=body.id,
        name_kk=body.name.get("kk", ""),
        name_ru=body.name.get("ru", ""),
        handles_kk=body.handles.get("kk", ""),
        handles_ru=body.handles.get("ru", ""),
        phone=body.phone,
        site=body.site,
        address_kk=address.get("kk", ""),
        address_ru=address.get("ru", ""),
        services=", ".join(body.services),
        expected_revision=revision,
    )


def _pair(kk: str, ru: str) -> dict[str, str]:
    return {lang: text for lang, text in (("kk", kk), ("ru", ru)) if text}


def body_from_form(form: BodyForm) -> Body:
    """Build the :class:`~articles.bodies.Body` record (the store validates it on save).

    :param form: the form values.
    :returns: the record.
    """
    return Body(
        id=form.id,
        name=_pair(form.name_kk, form.name_ru),
        handles=_pair(form.handles_kk, form.handles_ru),
        phone=form.phone,
        site=form.site,
        address=_pair(form.address_kk, form.address_ru) or None,
        services=tuple(split_list(form.services)),
    )


# -- scripts and references ---------------------------------------------------------------

#: The operator script block inserted by the helper button, per article language.
SCRIPT_TEMPLATES = {
    "kk": '!!! script "Оператордың сөзі"\n    Оператор абонентке айтатын мәтін.\n',
    "ru": '!!! script "Скрипт оператора"\n    Текст, который оператор произносит абоненту.\n',
    "en": '!!! script "Operator script"\n    What the operator says to the caller.\n',
}


def script_block(lang: str, title: str = "", text: str = "") -> str:
    """Return an operator script block (an admonition the renderer shows as a script).

    >>> script_block("ru", "Перевод звонка", "Оставайтесь на линии.")
    '!!! script "Перевод звонка"\\n    Оставайтесь на линии.\\n'

    :param lang: article language (the wording of the default title and text).
    :param title: block title (double quotes are replaced: they would end it).
    :param text: what the operator says; each line is indented.
    :returns: Markdown.
    """
    if not title and not text:
        return SCRIPT_TEMPLATES.get(lang, SCRIPT_TEMPLATES["ru"])
    lines = (text or "...").splitlines() or ["..."]
    indented = "\n".join(f"    {line}" if line.strip() else "" for line in lines)
    return f'!!! script "{title.replace(chr(34), chr(39))}"\n{indented}\n'
