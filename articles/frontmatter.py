"""Parse and dump the article file: YAML front matter between ``---`` lines, then Markdown.

Parsing is strict: unknown fields (with the closest known name suggested), wrong types,
invalid dates, a wrong ``lang``, non-UTF-8 bytes and oversized files are refused with an
:class:`~articles.errors.InvalidArticle` naming the field, the line and the fix.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from typing import Any

import yaml

from articles.errors import InvalidArticle
from articles.errors import InvalidSlug
from articles.model import CATEGORIES
from articles.model import ArticleMeta
from articles.render import complexity_problem
from articles.slugs import SLUG_RE
from articles.slugs import validate_lang
from articles.yaml_guard import yaml_problem

#: Default maximum size of one article file in bytes (512 KiB).
DEFAULT_MAX_BYTES = 512 * 1024

#: Longest accepted title, in characters.
MAX_TITLE_CHARS = 300

#: Characters refused anywhere in an article: C0 controls but tab and line feed (CR is
#: normalised first), DEL and the C1 controls. A NUL stored in a title broke the index.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

FIELDS = tuple(f.name for f in dataclasses.fields(ArticleMeta))
REQUIRED = ("id", "title", "lang")
LIST_FIELDS = ("services", "agencies", "keywords", "related")
ID_LIST_FIELDS = ("services", "agencies", "related")
TEXT_FIELDS = ("title", "answer", "source", "source_hash", "owner")
#: What an ``owner`` may be: a user name of the knowledge base (checked against the
#: users by the editor; the domain knows no users).
OWNER_RE = re.compile(r"[A-Za-z0-9_.@-]{2,64}")
DATE_FIELDS = ("review_by", "valid_from", "valid_until")

# The C loader is ~10x faster; both are "safe" (no python/object tags).
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def decode(data: str | bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Return the text as ``str`` with ``\\n`` line ends, after size and encoding checks.

    :param data: file content.
    :param max_bytes: largest accepted size in bytes.
    :returns: the decoded, normalised text.
    :raises InvalidArticle: if too large (``too_large``) or not UTF-8 (``encoding``).
    """
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            line = data.count("\n", 0, exc.start) + 1
            raise InvalidArticle(
                f"Text contains a character that is not valid Unicode at position "
                f"{exc.start}. Remove it or paste the text again as UTF-8.",
                code="encoding",
                line=line,
            ) from None
    else:
        raw = bytes(data)
    if len(raw) > max_bytes:
        raise InvalidArticle(
            f"The article is {len(raw)} bytes, over the limit of {max_bytes} bytes. "
            "Split it into several articles or move attachments out of the text.",
            code="too_large",
        )
    if isinstance(data, str):
        text = data
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise InvalidArticle(
                f"The file is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}). "
                "Save it as UTF-8 (e.g. 'Save as... UTF-8' in the editor) and upload again.",
                code="encoding",
                line=line,
            ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    control = CONTROL_RE.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise InvalidArticle(
            f"The text contains the control character U+{ord(control.group()):04X} on line "
            f"{line} (invisible; it often comes from copying out of PDF or another program). "
            "Delete it, or retype that part of the line.",
            code="control_character",
            line=line,
        )
    return text


def split(text: str) -> tuple[str, str]:
    """Split a decoded article into its front-matter YAML and its body.

    :param text: decoded text (see :func:`decode`).
    :returns: ``(yaml_text, body)``.
    :raises InvalidArticle: if the ``---`` block is missing or not closed.
    """
    if not text.startswith("---\n"):
        raise InvalidArticle(
            "The article must start with a front matter block: a line '---', the fields "
            "(id, title, lang, ...), and a closing line '---'.",
            code="front_matter_missing",
            line=1,
        )
    match = re.search(r"^---[ \t]*$", text[4:], flags=re.MULTILINE)
    if match is None:
        raise InvalidArticle(
            "The front matter block is not closed: add a line '---' after the last field.",
            code="front_matter_unclosed",
            line=1,
        )
    head = text[4 : 4 + match.start()]
    body = text[4 + match.end() :]
    return head, body.removeprefix("\n")


def _field_line(head: str, name: str) -> int | None:
    """Return the file line (1-based, counting the opening ``---``) of a top-level key."""
    match = re.search(rf"^{re.escape(name)}\s*:", head, flags=re.MULTILINE)
    return head.count("\n", 0, match.start()) + 2 if match else None


def _fail(head: str, name: str, message: str, code: str) -> InvalidArticle:
    return InvalidArticle(message, code=code, field=name, line=_field_line(head, name))


def _as_date(head: str, name: str, value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail(
        head,
        name,
        f"Field '{name}' has an invalid date {str(value)[:40]!r}: write it as YYYY-MM-DD "
        f"(e.g. {name}: 2027-01-01).",
        "invalid_date",
    )


def _as_list(head: str, name: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise _fail(
            head,
            name,
            f"Field '{name}' must be a list of words, e.g. {name}: [one, two].",
            "invalid_type",
        )
    items = tuple(str(v).strip() for v in value)
    if name in ID_LIST_FIELDS:
        for item in items:
            if not SLUG_RE.fullmatch(item):
                raise _fail(
                    head,
                    name,
                    f"Field '{name}' has an invalid id {item[:40]!r}: ids use lowercase "
                    "latin letters, digits and hyphens (e.g. gov4c).",
                    "invalid_id",
                )
    return items


def _as_text(head: str, name: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _fail(
            head, name, f"Field '{name}' must be text, not a list or mapping.", "invalid_type"
        )
    return str(value)


def _as_facts(head: str, value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(
            head,
            "facts",
            "Field 'facts' must be a mapping of names to text, e.g. facts: {fee: 0,2 MRP}.",
            "invalid_type",
        )
    facts: dict[str, Any] = {}
    for key, item in value.items():
        ok_scalar = isinstance(item, str | int | float) and not isinstance(item, bool)
        ok_list = isinstance(item, list) and all(isinstance(v, str | int | float) for v in item)
        if not isinstance(key, str) or not (ok_scalar or ok_list):
            raise _fail(
                head,
                "facts",
                f"Fact {str(key)[:40]!r} must be a name with a text or a list of texts.",
                "invalid_type",
            )
        facts[key] = [str(v) for v in item] if isinstance(item, list) else item
    return facts


def _refuse_controls(head: str, data: dict[str, Any]) -> None:
    """Refuse control characters written as YAML escapes (``"\\0"``) in any value."""

    def texts(value: object) -> list[str]:
        if isinstance(value, dict):
            return [t for k, v in value.items() for t in (str(k), *texts(v))]
        if isinstance(value, list):
            return [t for v in value for t in texts(v)]
        return [value] if isinstance(value, str) else []

    for name, value in data.items():
        for text in texts(value):
            control = CONTROL_RE.search(text)
            if control:
                raise _fail(
                    head,
                    str(name),
                    f"Field '{name}' contains the control character "
                    f"U+{ord(control.group()):04X} (invisible): delete it.",
                    "control_character",
                )


def parse_meta(head: str, *, lang: str, slug: str) -> ArticleMeta:
    """Validate front-matter YAML and build :class:`~articles.model.ArticleMeta`.

    :param head: YAML text between the ``---`` lines.
    :param lang: language folder the file is saved in (``lang`` must equal it).
    :param slug: file slug (used in messages only).
    :returns: the metadata.
    :raises InvalidArticle: on any problem, naming the field and its line.
    """
    refused = yaml_problem(head)
    if refused:
        reason, alias_line = refused
        raise InvalidArticle(
            f"The front matter {reason} on line {alias_line + 1}: write every value out in full "
            "(anchors and deep nesting are not part of the article format).",
            code="front_matter_syntax",
            line=alias_line + 1,
        )
    try:
        data = yaml.load(head, Loader=_Loader)  # noqa: S506 - a Safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 2 if mark is not None else None
        raise InvalidArticle(
            f"The front matter is not valid YAML ({exc.problem}). Check quotes, colons and "
            "indentation; quote values that contain ':' or '#'.",
            code="front_matter_syntax",
            line=line,
        ) from None
    except (yaml.YAMLError, ValueError) as exc:
        # PyYAML raises ValueError for impossible dates such as 2027-13-45.
        raise InvalidArticle(
            f"The front matter could not be read ({str(exc)[:120]}). Check the dates "
            "(YYYY-MM-DD) and the quoting.",
            code="front_matter_syntax",
        ) from None
    if not isinstance(data, dict):
        raise InvalidArticle(
            "The front matter must be a list of 'field: value' lines.",
            code="front_matter_syntax",
            line=2,
        )
    for key in data:
        if key not in FIELDS:
            name = str(key)
            close = difflib.get_close_matches(name, FIELDS, n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise _fail(
                head,
                name,
                f"Unknown field '{name[:40]}'.{hint} Known fields: {', '.join(FIELDS)}.",
                "unknown_field",
            )
    for name in REQUIRED:
        if data.get(name) in (None, ""):
            raise InvalidArticle(
                f"Required field '{name}' is missing: add a line '{name}: ...' to the front "
                "matter.",
                code="missing_field",
                field=name,
            )
    try:
        validate_lang(data["lang"])
    except InvalidSlug:
        raise _fail(head, "lang", "Field 'lang' must be kk, ru or en.", "invalid_lang") from None
    if data["lang"] != lang:
        raise _fail(
            head,
            "lang",
            f"Field 'lang' is {data['lang']!r} but the article is saved under '{lang}/': "
            f"make them equal (lang: {lang}) or save it in {data['lang']}/.",
            "lang_mismatch",
        )
    art_id = _as_text(head, "id", data["id"])
    if not SLUG_RE.fullmatch(art_id):
        raise _fail(
            head,
            "id",
            f"Field 'id' {art_id[:40]!r} is invalid: use lowercase latin letters, digits "
            "and hyphens (e.g. passport-replacement); kk and ru versions share it.",
            "invalid_id",
        )
    title = _as_text(head, "title", data["title"]).strip()
    if "\n" in title or len(title) > MAX_TITLE_CHARS:
        raise _fail(
            head,
            "title",
            f"Field 'title' must be one line of at most {MAX_TITLE_CHARS} characters.",
            "invalid_title",
        )
    category = _as_text(head, "category", data.get("category")) or "other"
    if category not in CATEGORIES:
        close = difflib.get_close_matches(category, CATEGORIES, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise _fail(
            head,
            "category",
            f"Unknown category {category[:40]!r}.{hint} Use one of: {', '.join(CATEGORIES)}.",
            "invalid_category",
        )
    dates = {name: _as_date(head, name, data.get(name)) for name in DATE_FIELDS}
    if dates["valid_from"] and dates["valid_until"] and dates["valid_until"] < dates["valid_from"]:
        raise _fail(
            head,
            "valid_until",
            "Field 'valid_until' is before 'valid_from': swap them or correct the dates.",
            "invalid_date",
        )
    lists = {name: _as_list(head, name, data.get(name)) for name in LIST_FIELDS}
    _refuse_controls(head, data)
    owner = _as_text(head, "owner", data.get("owner")).strip()
    if owner and not OWNER_RE.fullmatch(owner):
        raise _fail(
            head,
            "owner",
            f"Field 'owner' {owner[:40]!r} is not a user name: use the login of a user of the "
            "knowledge base (2-64 latin letters, digits or ._@-), e.g. a.nurlanova.",
            "invalid_owner",
        )
    return ArticleMeta(
        id=art_id,
        title=title,
        lang=lang,
        category=category,
        answer=_as_text(head, "answer", data.get("answer")).strip(),
        facts=_as_facts(head, data.get("facts")),
        source=_as_text(head, "source", data.get("source")),
        source_hash=_as_text(head, "source_hash", data.get("source_hash")),
        services=lists["services"],
        agencies=lists["agencies"],
        keywords=lists["keywords"],
        related=lists["related"],
        review_by=dates["review_by"],
        valid_from=dates["valid_from"],
        valid_until=dates["valid_until"],
        owner=owner,
    )


def parse(
    data: str | bytes, *, lang: str, slug: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[ArticleMeta, str]:
    """Parse and validate a whole article file.

    >>> meta, body = parse("---\\nid: a\\ntitle: A\\nlang: kk\\n---\\nText\\n", lang="kk", slug="a")
    >>> meta.title, body
    ('A', 'Text\\n')

    :param data: file content, ``str`` or UTF-8 ``bytes``.
    :param lang: language folder (the ``lang`` field must equal it).
    :param slug: file slug.
    :param max_bytes: largest accepted size in bytes.
    :returns: ``(meta, body)``.
    :raises InvalidArticle: naming the problem, the field/line and the fix (also
        ``too_complex`` for bodies Markdown cannot render in reasonable time).
    """
    head, body = split(decode(data, max_bytes=max_bytes))
    meta = parse_meta(head, lang=lang, slug=slug)
    problem = complexity_problem(body)
    if problem:
        raise InvalidArticle(
            f"The body is too complex to render: it has {problem}. Split the article, or "
            "move long lists of links or symbols into several articles.",
            code="too_complex",
        )
    return meta, body


def meta_to_dict(meta: ArticleMeta) -> dict[str, Any]:
    """Return the front matter as an ordered dict, leaving out empty optional fields.

    :param meta: metadata.
    :returns: a plain dict (lists, dates and strings) in the documented field order.
    """
    out: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(meta, name)
        if name in REQUIRED or value not in (None, "", (), {}):
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


def dump(meta: ArticleMeta, body: str) -> str:
    """Serialise metadata and body into the article file format.

    :param meta: metadata.
    :param body: Markdown body.
    :returns: the file text; ``parse(dump(m, b))`` gives back ``m`` and ``b``.
    """
    head = yaml.dump(
        meta_to_dict(meta),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=None,
        width=1000,
    )
    if body and not body.endswith("\n"):
        body += "\n"
    return f"---\n{head}---\n{body}"
