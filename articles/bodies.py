"""Competent bodies directory (Rules 10): records, parsing and validation.

One file per body, ``bodies/<id>.yaml``, versioned in the content repository and
referenced from articles' ``agencies`` field by id. The store saves them through
:meth:`articles.store.ArticleStore.save_file`, which calls :func:`parse` first.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

import yaml

from articles.errors import InvalidArticle
from articles.frontmatter import decode
from articles.slugs import SLUG_RE
from articles.yaml_guard import yaml_problem

#: Fields of a body file, in the order :func:`dump` writes them.
FIELDS = ("id", "name", "handles", "phone", "site", "address", "services")
#: Fields holding one text per language.
LOCALISED = ("name", "handles", "address")
#: Languages a localised field may have; kk and ru are required for ``name``.
BODY_LANGUAGES = ("kk", "ru", "en")

_URL_RE = re.compile(r"https?://[^\s<>\"']+")
_PHONE_RE = re.compile(r"[0-9+() \-,]{2,40}")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

#: Largest accepted body file (bytes).
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class Body:
    """One competent body (state agency or organisation).

    :param id: directory id, equals the file name.
    :param name: ``{lang: name}``; kk and ru required.
    :param handles: ``{lang: what it handles}``.
    :param phone: contact phone(s), as text.
    :param site: http(s) URL or empty.
    :param address: ``{lang: address}``.
    :param services: egov.kz service ids it owns.
    """

    id: str
    name: dict[str, str]
    handles: dict[str, str]
    phone: str = ""
    site: str = ""
    address: dict[str, str] | None = None
    services: tuple[str, ...] = ()

    def name_in(self, lang: str) -> str:
        """Return the name in ``lang``, falling back to Russian then Kazakh.

        :param lang: ``kk``, ``ru`` or ``en``.
        :returns: a name.
        """
        return self.name.get(lang) or self.name.get("ru") or self.name.get("kk", self.id)


def _bad(message: str, field: str | None, code: str = "invalid_body") -> InvalidArticle:
    return InvalidArticle(message, code=code, field=field)


def _localised(data: dict[str, Any], field: str, required: bool) -> dict[str, str]:
    value = data.get(field)
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or not all(
        k in BODY_LANGUAGES and isinstance(v, str) for k, v in value.items()
    ):
        raise _bad(
            f"Field '{field}' must map languages to text, e.g. {field}: {{kk: ..., ru: ...}}.",
            field,
        )
    if required and not (value.get("kk", "").strip() and value.get("ru", "").strip()):
        raise _bad(f"Field '{field}' needs both a Kazakh (kk) and a Russian (ru) text.", field)
    return {k: v.strip() for k, v in value.items()}


def parse(data: str | bytes, *, body_id: str) -> Body:
    """Parse and validate the YAML of ``bodies/<body_id>.yaml``.

    :param data: file content.
    :param body_id: id from the file name (the ``id`` field must equal it).
    :returns: the :class:`Body`.
    :raises InvalidArticle: naming the field and the fix (codes ``invalid_body``,
        ``unknown_field``, ``encoding``, ``too_large``).
    """
    text = decode(data, max_bytes=MAX_BODY_BYTES)
    refused = yaml_problem(text)
    if refused:
        raise _bad(f"The file {refused[0]} on line {refused[1]}: write the values out.", None)
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - a Safe loader
    except (yaml.YAMLError, ValueError) as exc:
        raise _bad(
            f"Not valid YAML: {str(exc)[:160]}. Check quotes and indentation.", None
        ) from None
    if not isinstance(raw, dict):
        raise _bad("A body file must be a mapping of 'field: value' lines.", None)
    for key in raw:
        if key not in FIELDS:
            close = difflib.get_close_matches(str(key), FIELDS, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise _bad(
                f"Unknown field '{str(key)[:40]}'.{hint} Known fields: {', '.join(FIELDS)}.",
                str(key),
                "unknown_field",
            )
    if raw.get("id") != body_id or not SLUG_RE.fullmatch(body_id):
        raise _bad(
            f"Field 'id' must equal the file name {body_id!r} (lowercase latin letters, "
            "digits, hyphens).",
            "id",
        )
    phone = str(raw.get("phone") or "").strip()
    if phone and not _PHONE_RE.fullmatch(phone):
        raise _bad("Field 'phone' may hold digits, spaces, + ( ) - and commas only.", "phone")
    site = str(raw.get("site") or "").strip()
    if site and not _URL_RE.fullmatch(site):
        raise _bad("Field 'site' must be an http:// or https:// address.", "site")
    services = raw.get("services") or []
    if not isinstance(services, list) or not all(
        isinstance(s, str) and SLUG_RE.fullmatch(s) for s in services
    ):
        raise _bad("Field 'services' must be a list of service ids, e.g. [id-card].", "services")
    return Body(
        id=body_id,
        name=_localised(raw, "name", True),
        handles=_localised(raw, "handles", False),
        phone=phone,
        site=site,
        address=_localised(raw, "address", False) or None,
        services=tuple(services),
    )


def dump(body: Body) -> str:
    """Serialise a :class:`Body` to its YAML file text.

    :param body: the record.
    :returns: YAML text; ``parse(dump(b), body_id=b.id) == b``.
    """
    data: dict[str, Any] = {"id": body.id, "name": body.name}
    if body.handles:
        data["handles"] = body.handles
    if body.phone:
        data["phone"] = body.phone
    if body.site:
        data["site"] = body.site
    if body.address:
        data["address"] = body.address
    if body.services:
        data["services"] = list(body.services)
    return str(yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000))
