"""An article file as named fields (front-matter fields, each fact, the body), and what
changed between two versions field by field: the diff editors read, not raw YAML.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml

from articles.diff import Diff
from articles.diff import word_diff
from articles.errors import InvalidArticle
from articles.frontmatter import decode
from articles.frontmatter import split
from articles.frontmatter_edit import same_value

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: The name of the Markdown body among the fields.
BODY = "body"
#: Facts are named ``facts.<name>``.
FACT_PREFIX = "facts."
#: The name standing for a front matter that is not a YAML mapping (shown as text).
RAW_HEAD = "front_matter"


def fields_of(text: str | bytes) -> dict[str, Any]:
    """Return the article as ``{field: value}`` in file order, the body last.

    Facts are flattened to ``facts.<name>``, so two editors changing two different facts
    change two different fields. A front matter YAML cannot read is one text field.

    >>> fields_of("---\\nid: a\\nfacts:\\n  fee: 0\\n---\\nText\\n")
    {'id': 'a', 'facts.fee': 0, 'body': 'Text\\n'}

    :param text: the whole file.
    :returns: the fields.
    """
    try:
        head, body = split(decode(text))
    except InvalidArticle:
        return {BODY: decode(text)}
    out: dict[str, Any] = {}
    try:
        data = yaml.load(head, Loader=_Loader)  # noqa: S506 - a Safe loader
    except (yaml.YAMLError, ValueError):
        data = None
    if head.strip() and not isinstance(data, dict):
        out[RAW_HEAD] = head
    for key, value in (data or {}).items() if isinstance(data, dict) else ():
        if key == "facts" and isinstance(value, dict):
            for name, fact in value.items():
                out[f"{FACT_PREFIX}{name}"] = fact
        else:
            out[str(key)] = value
    out[BODY] = body
    return out


def front_matter_of(fields: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Turn fields (see :func:`fields_of`) back into ``(front-matter mapping, body)``.

    :param fields: the fields; facts are gathered under ``facts`` where the first was.
    :returns: the mapping and the body.
    """
    data: dict[str, Any] = {}
    for name, value in fields.items():
        if name == BODY or name == RAW_HEAD:
            continue
        if name.startswith(FACT_PREFIX):
            data.setdefault("facts", {})[name[len(FACT_PREFIX) :]] = value
        else:
            data[name] = value
    return data, str(fields.get(BODY, ""))


def display(value: object) -> str:
    """A field value as one readable text: lists one item a line, dates ISO.

    :param value: a value as YAML loads it (``None`` when the field is absent).
    :returns: text.
    """
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(display(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}: {display(v)}" for k, v in value.items())
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class FieldChange:
    """One changed field: ``old``/``new`` as text (empty when absent) and their diff."""

    name: str
    old: str
    new: str
    diff: Diff

    @property
    def added(self) -> bool:
        """The field was empty or absent before."""
        return not self.old

    @property
    def removed(self) -> bool:
        """The field is empty or absent now."""
        return not self.new


def field_changes(old: str | bytes | None, new: str | bytes | None) -> list[FieldChange]:
    """What changed from ``old`` to ``new``, field by field, in the newer file's order.

    >>> [c.name for c in field_changes("---\\nid: a\\ntitle: A\\n---\\nX\\n",
    ...                                "---\\nid: a\\ntitle: B\\n---\\nX\\n")]
    ['title']

    :param old: the earlier file (``None``: it did not exist).
    :param new: the later file (``None``: it was deleted).
    :returns: the changed fields; an empty list when the meaning is the same.
    """
    a = fields_of(old) if old is not None else {}
    b = fields_of(new) if new is not None else {}
    names = list(dict.fromkeys([*b, *a]))
    out = []
    for name in names:
        before, after = a.get(name), b.get(name)
        if same_value(before, after) and (name != BODY or before == after):
            continue
        old_text, new_text = display(before), display(after)
        out.append(FieldChange(name, old_text, new_text, word_diff(old_text, new_text)))
    return out
