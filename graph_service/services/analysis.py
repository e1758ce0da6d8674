"""The analytics graph of the whole network, cached per store and refreshed on writes.

Analytics read a :data:`FamilyGraph`; building one from the store costs a full read, so one
copy is kept per store and rebuilt when :meth:`GraphStore.data_version` moves (every write
bumps it, so a write is visible to the next analysis). Callers must treat the graph as
read-only: it is shared between requests.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from graph_service.analytics.family_graph import FamilyGraph
from graph_service.stores.base import GraphStore

T = TypeVar("T")


class AnalysisCache:
    """Per-store cache of the whole FamilyGraph plus values derived from it (an index, …)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        # Re-entrant: a derived value's builder may itself read the cached graph.
        self._lock = threading.RLock()
        self._version: int | None = None
        self._graph: FamilyGraph | None = None
        self._derived: dict[str, Any] = {}

    def graph(self) -> FamilyGraph:
        version = self._store.data_version()
        with self._lock:
            if self._graph is None or self._version != version:
                self._graph = self._store.subgraph()
                self._version = version
                self._derived = {}
            return self._graph

    def derived(self, name: str, build: Callable[[FamilyGraph], T]) -> T:
        """A value computed from the current graph (e.g. the matcher's index), cached with it."""
        graph = self.graph()
        with self._lock:
            if name not in self._derived:
                self._derived[name] = build(graph)
            value: T = self._derived[name]
            return value


_caches: weakref.WeakKeyDictionary[Any, AnalysisCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def analysis_cache(store: GraphStore) -> AnalysisCache:
    with _caches_lock:
        cache = _caches.get(store)
        if cache is None:
            cache = AnalysisCache(store)
            _caches[store] = cache
        return cache
