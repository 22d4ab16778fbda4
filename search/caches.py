"""A thread-safe least-recently-used cache bounded by the weight of what it holds.

The index keeps two: per-word scores (:class:`search.ranking.ScoreCache`, weighed by
postings) and whole results (:class:`search.results.ResultCache`, one each).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Hashable
from typing import Generic
from typing import TypeVar

V = TypeVar("V")


def _one(_value: object) -> int:
    return 1


class LruCache(Generic[V]):
    """Keep values under hashable keys, evicting the least recently used beyond a weight.

    :param max_weight: total weight kept; 0 or less disables the cache. The most recent
        entry is kept even when it alone weighs more.
    :param weigh: a value's weight (default: 1, i.e. the bound counts entries).
    """

    def __init__(self, max_weight: int, weigh: Callable[[V], int] = _one) -> None:
        self.max_weight = max(0, int(max_weight))
        self._weigh = weigh
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        """Return the value stored under ``key`` (now the most recent), or None.

        :param key: the key.
        :returns: the value (do not modify it).
        """
        if not self.max_weight:
            return None
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: V) -> None:
        """Store ``value`` under ``key`` unless it is there; evict beyond the weight.

        :param key: the key (keys name immutable states, so a present value is current).
        :param value: the value.
        """
        if not self.max_weight:
            return
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return
            self._entries[key] = value
            self._weight += self._weigh(value)
            while self._weight > self.max_weight and len(self._entries) > 1:
                _, old = self._entries.popitem(last=False)
                self._weight -= self._weigh(old)

    def info(self) -> dict[str, int]:
        """Return the hit and miss counts, the entries and the bound.

        :returns: ``{"hits", "misses", "entries", "max_entries"}`` (the bound is a
            weight; for a cache that counts entries it is the number of entries).
        """
        with self._lock:
            return {
                "hits": self.hits,
                "misses": self.misses,
                "entries": len(self._entries),
                "max_entries": self.max_weight,
            }

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._weight = 0
