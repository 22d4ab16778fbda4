"""Coded message catalogues: a refusal's stable code → its sentence in the reader's language.

The domain packages (``articles/``, ``importers/``: no Flask) refuse with an English
sentence for the CLI and the log, a stable ``code`` and the figures the sentence names
(``params``). A page that shows such refusals keeps a :class:`Catalogue` of translated
sentences by code: callables taking the params, so that gettext runs when a sentence is
shown (inside a request, in its locale), never at import. The importers' messages carry
no code, so their catalogue is keyed by patterns of the English message instead
(:class:`PatternCatalogue`); the lookup is the same. Users: :mod:`kb.error_texts`,
:mod:`kb.training.messages`, :mod:`editor.attachment_text`, :mod:`editor.import_text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

#: The figures a sentence names (``{"size": 3000, "limit": 2048}``).
Params = Mapping[str, Any]
#: A translated sentence, made from the params when it is shown.
Sentence = Callable[[Params], str]
#: A translated sentence made from the match of a pattern.
MatchSentence = Callable[[re.Match[str]], str]


class Catalogue:
    """Translated sentences by code; iterating gives the codes.

    >>> sizes = Catalogue({"too_large": lambda p: f"{p['size']} > {p['limit']}"})
    >>> sizes.text("too_large", {"size": 3, "limit": 2})
    '3 > 2'
    >>> sizes.text("empty") is None, "too_large" in sizes, list(sizes)
    (True, True, ['too_large'])

    :param sentences: code → sentence.
    """

    def __init__(self, sentences: Mapping[str, Sentence]) -> None:
        self._sentences = dict(sentences)

    def __contains__(self, code: object) -> bool:
        return code in self._sentences

    def __iter__(self) -> Iterator[str]:
        return iter(self._sentences)

    def __len__(self) -> int:
        return len(self._sentences)

    def text(self, code: str | None, params: Params | None = None) -> str | None:
        """The sentence for ``code`` in the current locale.

        :param code: the refusal's code.
        :param params: the figures the sentence names (none: an empty mapping).
        :returns: the sentence, or ``None`` when the catalogue has no such code (the
            caller chooses the fallback: a general sentence, or the English one).
        """
        sentence = self._sentences.get(code or "")
        return sentence(params or {}) if sentence else None


class PatternCatalogue:
    """Translated sentences by the pattern of an English message; the first match wins.

    >>> found = PatternCatalogue([(re.compile(r"^id '([^']*)' has no title"), lambda m: m[1])])
    >>> found.text("id 'pasport' has no title"), found.text("something else")
    ('pasport', None)

    :param rules: ``(pattern, sentence)`` pairs, tried in order with ``search``.
    """

    def __init__(self, rules: Sequence[tuple[re.Pattern[str], MatchSentence]]) -> None:
        self._rules = list(rules)

    def __len__(self) -> int:
        return len(self._rules)

    def text(self, message: str) -> str | None:
        """The sentence of the first pattern found in ``message``.

        :param message: the English message.
        :returns: the sentence, or ``None`` when no pattern is found in it.
        """
        for pattern, sentence in self._rules:
            match = pattern.search(message)
            if match:
                return sentence(match)
        return None
