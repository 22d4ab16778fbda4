"""What of an article is embedded: a head passage and a few body windows.

The head is the title, the short answer and the start of the text (what an operator
reads first and what most questions are about); the rest of the body is cut into
overlapping windows of words. Windows are short (``WINDOW_WORDS`` words, about 265
XLM-R tokens in Kazakh and Russian, which take about 2.1 tokens a word): the model reads
at most 512 tokens, and long windows cost more per token. Only the first ``MAX_CHUNKS``
passages of a long article are embedded: questions are about the start of an article,
and every passage costs about a second of CPU on a busy machine.
"""

from __future__ import annotations

import hashlib

from search.schema import IndexDoc

#: Words per passage.
WINDOW_WORDS = 128
#: Words shared by consecutive windows (a sentence cut by one window is whole in the next).
OVERLAP_WORDS = 16
#: Passages embedded per article at most (head included).
MAX_CHUNKS = 4


def chunk_texts(doc: IndexDoc) -> list[str]:
    """Return the passages of ``doc`` to embed, head first.

    :param doc: a searchable item.
    :returns: one to ``MAX_CHUNKS`` passages (never empty: the title at least).
    """
    lead = " ".join(part.strip() for part in (doc.title, doc.answer) if part and part.strip())
    words = doc.text.split()
    lead_words = len(lead.split())
    room = max(WINDOW_WORDS - lead_words, WINDOW_WORDS // 2)
    head = " ".join(filter(None, (lead, " ".join(words[:room]))))
    passages = [head or doc.id]
    step = WINDOW_WORDS - OVERLAP_WORDS
    start = max(room - OVERLAP_WORDS, 0)
    while start + OVERLAP_WORDS < len(words) and len(passages) < MAX_CHUNKS:
        passages.append(" ".join(words[start : start + WINDOW_WORDS]))
        start += step
    return passages


def text_hash(model: str, text: str) -> str:
    """The cache key of one passage's vector: the model and the exact text.

    :param model: the embedder's name (a new model never reuses old vectors).
    :param text: the passage.
    :returns: a hex digest.
    """
    return hashlib.blake2b(f"{model}\0{text}".encode(), digest_size=16).hexdigest()
