"""Word-level diff between two versions of a text, as data and as safe HTML."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from articles.sanitize import escape

# Words (any script), runs of whitespace, and single other characters are the units.
_TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class DiffOp:
    """One run of the diff: ``op`` is ``equal``, ``insert`` or ``delete``."""

    op: str
    text: str


@dataclass(frozen=True)
class Diff:
    """A word-level diff from ``old`` to ``new``.

    :param ops: runs in order; replacing is a ``delete`` followed by an ``insert``.
    """

    ops: tuple[DiffOp, ...]

    @property
    def changed(self) -> bool:
        """True if the two texts differ."""
        return any(op.op != "equal" for op in self.ops)

    @property
    def inserted(self) -> str:
        """All inserted text, concatenated."""
        return "".join(op.text for op in self.ops if op.op == "insert")

    @property
    def deleted(self) -> str:
        """All deleted text, concatenated."""
        return "".join(op.text for op in self.ops if op.op == "delete")

    def html(self) -> str:
        """Return the diff as escaped HTML with ``<ins>``/``<del>`` around changes.

        >>> word_diff("ЦОН <b>", "ХҚКО <b>").html()
        '<del>ЦОН</del><ins>ХҚКО</ins> &lt;b&gt;'

        :returns: HTML safe to insert into a ``<pre>`` or ``white-space: pre-wrap`` block.
        """
        out = []
        for op in self.ops:
            text = escape(op.text)
            if op.op == "insert":
                out.append(f"<ins>{text}</ins>")
            elif op.op == "delete":
                out.append(f"<del>{text}</del>")
            else:
                out.append(text)
        return "".join(out)


def tokens(text: str) -> list[str]:
    """Split text into diff units (words, whitespace runs, punctuation).

    >>> tokens("Бір, екі")
    ['Бір', ',', ' ', 'екі']

    :param text: any text.
    :returns: tokens whose concatenation is ``text``.
    """
    return _TOKEN_RE.findall(text)


def word_diff(old: str, new: str) -> Diff:
    """Compute the word-level diff between two texts.

    >>> [(o.op, o.text) for o in word_diff("срок 15 дней", "срок 10 дней").ops]
    [('equal', 'срок '), ('delete', '15'), ('insert', '10'), ('equal', ' дней')]

    :param old: earlier text.
    :param new: later text.
    :returns: :class:`Diff`.
    """
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    ops: list[DiffOp] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if ops and ops[-1].op == op:
            ops[-1] = DiffOp(op, ops[-1].text + text)
        else:
            ops.append(DiffOp(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            add("delete", "".join(a[i1:i2]))
            add("insert", "".join(b[j1:j2]))
    return Diff(tuple(ops))
