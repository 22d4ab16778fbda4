"""The first stage: what an operator typed, as plain words and quoted phrases.

Whoosh's query language is never interpreted: user text is plain words, and only
balanced double quotes make a phrase that hits must contain.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from search.synonyms import words_of

#: Longer queries are refused with a clear message rather than run for seconds.
MAX_QUERY_CHARS = 1000
#: A longer text (a pasted message) is searched by this many of its informative words:
#: the rarest ones the index knows (questions are far shorter).
MAX_QUERY_WORDS = 32
#: Words of a pasted text looked at to choose them (1,000 characters hold about 150).
MAX_PASTE_WORDS = 400

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_PHRASE_RE = re.compile(r'"([^"]*)"')


class QueryError(ValueError):
    """The query cannot be searched (for example, it is far too long)."""


@dataclass(frozen=True)
class ParsedText:
    """User text split into plain words and quoted phrases.

    :param words: the words outside quotes, in order.
    :param phrases: quoted phrases of two words or more, each as its words.
    :param typing: True when the last word may be unfinished (no space or punctuation
        after it), so it is also matched as a prefix.
    """

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...] = ()
    typing: bool = False

    @property
    def empty(self) -> bool:
        """True when there is nothing to search for."""
        return not self.words and not self.phrases


def parse_text(text: str) -> ParsedText:
    """Split user text into words and quoted phrases, ignoring any query syntax.

    :param text: what the user typed.
    :returns: the parsed text (possibly empty).
    :raises QueryError: when the text is longer than ``MAX_QUERY_CHARS``.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(text)} characters long: shorten it to at most "
            f"{MAX_QUERY_CHARS} (a few key words find more than a pasted text)"
        )
    text = unicodedata.normalize("NFC", _CONTROL_RE.sub(" ", text))
    phrases: list[tuple[str, ...]] = []
    words: list[str] = []
    cursor = 0
    # Only balanced quotes make phrases; a stray quote is just punctuation.
    for match in _PHRASE_RE.finditer(text):
        words.extend(words_of(text[cursor : match.start()]))
        inner = words_of(match.group(1))
        if len(inner) > 1:
            phrases.append(tuple(inner))
        words.extend(inner)
        cursor = match.end()
    words.extend(words_of(text[cursor:]))
    stripped = text.rstrip()
    typing = bool(words) and stripped == text and stripped[-1:].isalnum()
    return ParsedText(
        words=tuple(words[:MAX_PASTE_WORDS]),
        phrases=tuple(phrases),
        typing=typing and len(words) <= MAX_QUERY_WORDS,
    )
