"""Change front-matter fields in place, keeping every other line of the file as it was.

The editor's form knows field values, not the file's layout. Dumping the whole mapping
again would rewrite list syntax, quoting and line breaks, so a one-phrase change came
with twenty changed lines. Here the original YAML is composed (PyYAML keeps each node's
start and end position), each top-level field (and each fact under ``facts``) is a span
of lines, and only the spans whose *value* changed are written again, in the style the
original used (flow ``[a, b]`` or block ``- a`` lists, folded ``>-`` text). Unchanged
fields, comments and blank lines stay byte for byte: a one-line change is a one-line diff.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from articles.frontmatter import split

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

#: Values a missing field stands for: writing them would add a line that changes nothing.
DEFAULTS: dict[str, Any] = {"category": "other"}


def comparable(value: object) -> object:
    """Normalise a front-matter value for comparing old and new (not for writing).

    Scalars become text with runs of blanks collapsed (the form collapses them too),
    dates ISO text, lists and mappings are compared item by item.

    >>> comparable([1, "a  b"]) == comparable(["1", "a b"])
    True

    :param value: a value as YAML loads it or as the form builds it.
    :returns: a value equal for equal meanings.
    """
    if isinstance(value, dict):
        return {str(k): comparable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [comparable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return " ".join(str(value).split())


def same_value(old: object, new: object) -> bool:
    """True if ``old`` and ``new`` mean the same front-matter value.

    A list shown on the form as one ``a, b`` line (facts without a field of their own)
    equals the list it came from.

    :param old: the value in the file.
    :param new: the value from the form.
    :returns: whether writing ``new`` would change nothing.
    """
    a, b = comparable(old), comparable(new)
    if a == b:
        return True
    if isinstance(a, list) and isinstance(b, str):
        return ", ".join(str(x) for x in a) == b
    return False


@dataclass
class _Span:
    """Lines of one field (``key`` set) or of comments/blank lines between them."""

    key: str | None
    lines: list[str]
    node: yaml.Node | None = None


def _spans(lines: list[str], pairs: list[tuple[yaml.Node, yaml.Node]], offset: int) -> list[_Span]:
    """Cut ``lines`` (the mapping's own lines, ``offset`` = line of lines[0]) into spans."""
    out: list[_Span] = []
    starts = [key.start_mark.line - offset for key, _ in pairs]
    if starts and starts[0] > 0:
        out.append(_Span(None, lines[: starts[0]]))
    for index, (key, value) in enumerate(pairs):
        start = starts[index]
        stop = starts[index + 1] if index + 1 < len(starts) else len(lines)
        end = value.end_mark.line - offset + (1 if value.end_mark.column > 0 else 0)
        end = max(start + 1, min(stop, end))
        # Trailing blank or comment lines belong to the gap, not to the field.
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip()[0] == "#"):
            end -= 1
        out.append(_Span(str(key.value), lines[start:end], value))
        if end < stop:
            out.append(_Span(None, lines[end:stop]))
    return out


def _dump(data: Mapping[str, Any], *, flow: bool | None) -> list[str]:
    text = yaml.dump(
        dict(data),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=flow,
        width=1000,
    )
    return text.splitlines()


def _scalar_line(value: object) -> str:
    """One scalar as YAML writes it after ``- `` (quoted when it has to be)."""
    return _dump({"x": value}, flow=False)[0][3:]


def _write_field(key: str, value: Any, node: yaml.Node | None, indent: int) -> list[str]:
    """Write ``key: value`` in the style of the node it replaces (``None``: a new field)."""
    pad = " " * indent
    if isinstance(value, list) and isinstance(node, yaml.SequenceNode) and not node.flow_style:
        dash = node.value[0].start_mark.column - 2 if node.value else indent + 2
        items = [f"{' ' * max(dash, indent)}- {_scalar_line(v)}" for v in value]
        return [f"{pad}{key}:", *items] if value else [f"{pad}{key}: []"]
    if isinstance(value, str) and isinstance(node, yaml.ScalarNode) and node.style in (">", "|"):
        # A folded or literal block: keep the block, wrapped as wide as it was.
        body_indent = indent + 2
        width = max(40, _widest(node) or 88) - body_indent
        lines = textwrap.wrap(value, width=width) if node.style == ">" else value.splitlines()
        chomp = "" if value.endswith("\n") else "-"
        return [f"{pad}{key}: {node.style}{chomp}", *(" " * body_indent + ln for ln in lines)]
    flow_node = isinstance(node, yaml.CollectionNode) and node.flow_style
    if isinstance(value, dict) and not flow_node:
        # A new or block mapping (facts): one line a fact, lists inline as the store writes.
        children = [_write_field(str(k), v, None, indent + 2) for k, v in value.items()]
        return [f"{pad}{key}:", *(line for child in children for line in child)]
    if isinstance(value, list | dict):
        inner = yaml.dump(
            value, Dumper=_Dumper, allow_unicode=True, default_flow_style=True, width=1000
        )
        return [f"{pad}{key}: {inner.strip()}"]
    return [pad + line for line in _dump({key: value}, flow=False)]


def _widest(node: yaml.Node) -> int:
    """The longest line of a block scalar in the original (set by :func:`edit_head`)."""
    return int(getattr(node, "kb_width", 0))


def _edit_mapping(
    lines: list[str],
    node: yaml.MappingNode,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    managed: set[str] | None,
    offset: int,
    indent: int,
) -> list[str]:
    spans = _spans(lines, list(node.value), offset)
    for span in spans:
        if span.node is not None and isinstance(span.node, yaml.ScalarNode):
            span.node.kb_width = max((len(s) for s in span.lines[1:]), default=0)  # type: ignore[attr-defined]
    keys = [s.key for s in spans if s.key is not None]
    for span in spans:
        key = span.key
        if key is None:
            continue
        if key not in new:
            if managed is not None and key in managed:
                span.lines = []
            continue
        if same_value(old.get(key), new[key]):
            continue
        child = span.node
        if (
            isinstance(child, yaml.MappingNode)
            and not child.flow_style
            and child.value
            and isinstance(old.get(key), dict)
            and isinstance(new[key], dict)
        ):
            child_offset = offset + spans_index_line(spans, span) + 1
            child_indent = child.value[0][0].start_mark.column
            span.lines = span.lines[:1] + _edit_mapping(
                span.lines[1:],
                child,
                old[key],
                new[key],
                set(old[key]),
                child_offset,
                child_indent,
            )
            continue
        span.lines = _write_field(key, new[key], child, indent)
    # New fields go after the field that precedes them in the new order.
    for position, key in enumerate(new):
        if key in keys or (key in DEFAULTS and same_value(DEFAULTS[key], new[key])):
            continue
        before = [k for k in list(new)[:position] if k in keys]
        written = _Span(key, _write_field(key, new[key], None, indent))
        if before:
            at = next(i for i, s in enumerate(spans) if s.key == before[-1]) + 1
        else:
            at = next((i for i, s in enumerate(spans) if s.key is not None), len(spans))
        spans.insert(at, written)
        keys.append(key)
    return [line for span in spans for line in span.lines]


def spans_index_line(spans: list[_Span], target: _Span) -> int:
    """Line number of ``target``'s first line among ``spans`` (counted from the first)."""
    count = 0
    for span in spans:
        if span is target:
            return count
        count += len(span.lines)
    return count


def edit_head(head: str, data: Mapping[str, Any], managed: Iterable[str] | None = None) -> str:
    """Return the front-matter YAML ``head`` with the fields of ``data`` set.

    >>> edit_head("id: a\\nkeywords: [x, y]  # kept\\ntitle: T\\n", {"id": "a", "title": "U"},
    ...           managed=None)
    'id: a\\nkeywords: [x, y]  # kept\\ntitle: U\\n'

    :param head: the YAML between the ``---`` lines of the file as it is.
    :param data: the wanted values (field → value), in the documented order.
    :param managed: fields the caller owns: those missing from ``data`` are removed.
        ``None``: only ``data``'s fields are touched, nothing is removed.
    :returns: the new YAML; unchanged fields keep their exact lines.
    :raises yaml.YAMLError: if ``head`` is not a YAML mapping (the caller then writes
        the whole front matter anew).
    """
    node = yaml.compose(head, Loader=_Loader)
    old = yaml.load(head, Loader=_Loader)  # noqa: S506 - a Safe loader
    if node is None:
        node, old = yaml.MappingNode("tag:yaml.org,2002:map", []), {}
    if not isinstance(node, yaml.MappingNode) or not isinstance(old, dict):
        raise yaml.YAMLError("the front matter is not a mapping")
    lines = head.splitlines()
    wanted = None if managed is None else set(managed)
    out = _edit_mapping(lines, node, old, data, wanted, 0, 0)
    return "\n".join(out) + "\n" if out else ""


def edit_text(
    text: str, data: Mapping[str, Any], body: str, managed: Iterable[str] | None = None
) -> str:
    """Return the article file ``text`` with front-matter fields and body replaced.

    :param text: the file as it is (decoded).
    :param data: wanted front-matter values (see :func:`edit_head`).
    :param body: the new Markdown body.
    :param managed: see :func:`edit_head`.
    :returns: the new file text.
    :raises InvalidArticle: if ``text`` has no front matter block.
    :raises yaml.YAMLError: if its front matter is not a YAML mapping.
    """
    head, _old_body = split(text)
    if body and not body.endswith("\n"):
        body += "\n"
    return f"---\n{edit_head(head, data, managed)}---\n{body}"
