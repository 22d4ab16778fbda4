"""Checks run on hand-written YAML (front matter, body and course files) before loading.

Anchors and aliases (``&a`` / ``*a``) let 600 bytes expand to millions of values (the
"billion laughs"): loading such front matter took 32 s of CPU before the size check
refused it. Nothing in our formats needs them, so a file using them is refused before
it is expanded. Deep nesting (``[[[[...]]]]``) is refused too: the loader recurses once
per level. Both checks read the token stream once, which costs time linear in the size.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Deepest nesting of lists and mappings accepted.
MAX_YAML_DEPTH = 20

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPEN = (
    yaml.FlowSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.BlockMappingStartToken,
)
_CLOSE = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


def yaml_problem(text: str) -> tuple[str, int] | None:
    """Why ``text`` is refused before loading, with the 1-based line, or ``None``.

    >>> yaml_problem("a: &x [1, 2]\\nb: *x\\n")
    ('uses a YAML anchor or alias (& or *)', 1)
    >>> yaml_problem("title: Паспорт & ID * 2\\n") is None
    True

    Syntax errors are left to the loader, which reports them with their line.
    """
    depth = 0
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
                return "uses a YAML anchor or alias (& or *)", token.start_mark.line + 1
            if isinstance(token, _OPEN):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    return (
                        f"nests lists or mappings more than {MAX_YAML_DEPTH} levels deep",
                        token.start_mark.line + 1,
                    )
            elif isinstance(token, _CLOSE):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None
