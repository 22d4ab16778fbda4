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
from dataclasses import dataclass

from search.schema import IndexDoc

#: Words per passage.
WINDOW_WORDS = 128
#: Words shared by consecutive windows (a sentence cut by one window is whole in the next).
OVERLAP_WORDS = 16
#: Passages embedded per article at most (head included).
MAX_CHUNKS = 4


@dataclass(frozen=True)
class Chunking:
    """How an item is cut into passages.

    :param window: words per passage (``0``: the whole text as one passage, which the
        engine reads in windows of 512 tokens and mean-pools).
    :param overlap: words shared by consecutive windows.
    :param max_chunks: passages per item at most (head included).
    :param title_vector: also embed the title and short answer alone, as one more
        passage (what an operator's question names most often).
    """

    window: int = WINDOW_WORDS
    overlap: int = OVERLAP_WORDS
    max_chunks: int = MAX_CHUNKS
    title_vector: bool = False

    def label(self) -> str:
        """A short description (benchmark output)."""
        size = f"{self.window}/{self.overlap}x{self.max_chunks}" if self.window else "whole"
        return size + (" +title" if self.title_vector else "")


#: The chunking of the live vector sets.
DEFAULT_CHUNKING = Chunking()


def chunk_texts(doc: IndexDoc, chunking: Chunking = DEFAULT_CHUNKING) -> list[str]:
    """Return the passages of ``doc`` to embed, head first.

    :param doc: a searchable item.
    :param chunking: the passage size, overlap and count.
    :returns: one to ``max_chunks`` passages (never empty: the title at least), and the
        title passage last when ``title_vector`` is set.
    """
    lead = " ".join(part.strip() for part in (doc.title, doc.answer) if part and part.strip())
    words = doc.text.split()
    if chunking.window <= 0:
        passages = [" ".join(filter(None, (lead, " ".join(words)))) or doc.id]
    else:
        window, overlap = chunking.window, chunking.overlap
        lead_words = len(lead.split())
        room = max(window - lead_words, window // 2)
        head = " ".join(filter(None, (lead, " ".join(words[:room]))))
        passages = [head or doc.id]
        step = window - overlap
        start = max(room - overlap, 0)
        while start + overlap < len(words) and len(passages) < chunking.max_chunks:
            passages.append(" ".join(words[start : start + window]))
            start += step
    if chunking.title_vector and lead and lead != passages[0]:
        passages.append(lead)
    return passages


def text_hash(model: str, text: str) -> str:
    """The cache key of one passage's vector: the model and the exact text.

    :param model: the embedder's name (a new model never reuses old vectors).
    :param text: the passage.
    :returns: a hex digest.
    """
    return hashlib.blake2b(f"{model}\0{text}".encode(), digest_size=16).hexdigest()
