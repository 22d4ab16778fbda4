"""Synonym and abbreviation groups (``synonyms.txt`` of the content repository).

One group of equivalent terms a line, separated by ``" = "``; ``#`` starts a comment;
terms may have several words and groups may mix Kazakh and Russian::

    ЦОН = ХҚКО = центр обслуживания населения = халыққа қызмет көрсету орталығы

The groups are expanded at query time only, so editing the file never needs a rebuild.
Matching is done on analysed keys (both languages), so ``ЦОНе`` or ``центра обслуживания
населения`` find their group as well as the forms written in the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from search.acronyms import AcronymTable
from search.acronyms import is_acronym

#: Separator between the terms of a group, as written in the file.
SEPARATOR = " = "

#: A word of a term or of a query: letters/digits, with inner hyphens or apostrophes.
WORD_RE = re.compile(r"\w+(?:[-'’]\w+)*")


class SynonymError(ValueError):
    """A line of ``synonyms.txt`` is not a valid group."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}, line {line}: {message}")
        self.source = source
        self.line = line


@dataclass(frozen=True)
class SynonymGroup:
    """Equivalent terms, as written on one line of the file.

    :param terms: the terms, each one or more words.
    :param line: the line number in the source (1-based).
    """

    terms: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Expansion:
    """Alternatives for a run of query words that matched a synonym term.

    :param start: index of the first matched query word.
    :param end: index after the last matched query word.
    :param alternatives: the other terms of the group, each as a tuple of words.
    """

    start: int
    end: int
    alternatives: tuple[tuple[str, ...], ...]


def words_of(text: str) -> list[str]:
    """Split text into words the way queries and synonym terms are split.

    :param text: any text.
    :returns: the words in order.
    """
    return WORD_RE.findall(text)


def parse_synonyms(text: str, source: str = "synonyms.txt") -> list[SynonymGroup]:
    """Parse the ``synonyms.txt`` format into groups.

    :param text: the file's content.
    :param source: the name used in error messages.
    :returns: the groups in file order.
    :raises SynonymError: for a line that is not ``term = term [= term ...]``, naming the
        line and the fix.
    """
    groups: list[SynonymGroup] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" not in line:
            raise SynonymError(
                source,
                number,
                f"{line!r} has no ' = ': write at least two equivalent terms, "
                "like 'ЦОН = центр обслуживания населения'",
            )
        # ' = ' is the documented separator; a bare '=' is read the same way.
        terms = [" ".join(term.split()) for term in line.split("=")]
        for position, term in enumerate(terms, start=1):
            if not term:
                raise SynonymError(
                    source, number, f"term {position} is empty: remove the extra ' = '"
                )
            if not words_of(term):
                raise SynonymError(
                    source,
                    number,
                    f"term {position} ({term!r}) has no letters or digits: remove it",
                )
        unique = tuple(dict.fromkeys(terms))
        if len(unique) < 2:
            raise SynonymError(
                source, number, f"all terms are the same ({unique[0]!r}): add a different one"
            )
        groups.append(SynonymGroup(terms=unique, line=number))
    return groups


def load_synonyms(path: str | Path) -> list[SynonymGroup]:
    """Read and parse a ``synonyms.txt`` file; a missing file means no groups.

    :param path: the file.
    :returns: the groups.
    :raises SynonymError: for an invalid line.
    """
    file = Path(path)
    if not file.exists():
        return []
    return parse_synonyms(file.read_text(encoding="utf-8"), source=str(file))


class SynonymIndex:
    """Finds synonym terms in a query by analysed keys and offers their group's others.

    :param groups: the parsed groups.
    :param keys_of: analyses one word into its keys in both languages.
    """

    def __init__(
        self, groups: Iterable[SynonymGroup], keys_of: Callable[[str], frozenset[str]]
    ) -> None:
        self._keys_of = keys_of
        self.groups = tuple(groups)
        #: The groups' acronyms by spelling (``ецп``, ``ECP`` → ``ЭЦП``).
        self.acronyms = AcronymTable(
            term for group in self.groups for term in group.terms if is_acronym(term)
        )
        # first-word key -> [(term word keys, group, term)], so a query word only looks at
        # the terms that can start with it.
        self._starts: dict[str, list[tuple[tuple[frozenset[str], ...], int, str]]] = {}
        for number, group in enumerate(self.groups):
            for term in group.terms:
                keys = tuple(keys_of(word) for word in words_of(term))
                if not keys or not all(keys):
                    continue
                for key in keys[0]:
                    self._starts.setdefault(key, []).append((keys, number, term))

    def __len__(self) -> int:
        return len(self.groups)

    def expansions(self, words: Sequence[str]) -> list[Expansion]:
        """Find runs of query words that are synonym terms, longest match first.

        :param words: the query words in order.
        :returns: one expansion per matched run (runs do not overlap).
        """
        word_keys = [self._keys_of(word) for word in words]
        found: list[Expansion] = []
        position = 0
        while position < len(words):
            best: tuple[int, int, str] | None = None
            for key in word_keys[position]:
                for term_keys, group, term in self._starts.get(key, ()):
                    end = position + len(term_keys)
                    if end > len(words) or (best and end - position <= best[0] - position):
                        continue
                    run = word_keys[position:end]
                    if all(a & b for a, b in zip(term_keys, run, strict=True)):
                        best = (end, group, term)
            if best is None:
                position += 1
                continue
            end, group, term = best
            others = tuple(
                tuple(words_of(other)) for other in self.groups[group].terms if other != term
            )
            found.append(Expansion(start=position, end=end, alternatives=others))
            position = end
        return found
