"""Question words: they say what kind of answer is wanted, not what it is about."""

from __future__ import annotations

#: Question words (as typed, lower case) left out of queries that have other words, and
#: the Kazakh "is called / counts as" verbs of questions (``… деп аталады?``, ``… болып
#: табылады?``): +0.2 MRR points on kazqad_kk, none on xquad_ru for называется/является.
QUESTION_WORDS: frozenset[str] = frozenset(
    """
    кто что какой какая какое какие каким какого какой каком какую каких какими
    который которая которое которые которого котором сколько когда где куда откуда
    почему зачем как чей чья чьё чьи ли кого кому кем ком чего чему чем каков какова
    каково каковы такое назовите назови
    кім не нені неге қандай қанша қашан қайда қайдан қай қалай неше нешінші нешеу
    қайсы қайсысы кімнің кімге ненің неден немен дегеніміз деген ма ме ба бе па пе
    нелер деп аталады аталатын атайды атаймыз айтады айтамыз табылады жатады саналады
    """.split()
)
