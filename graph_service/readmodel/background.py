"""Heavy whole-network results, computed in the background and served with their ``asOf``.

A result (a network summary, a bridging ranking, a ripple summary, the region graph) is
computed by one worker thread from a frozen copy of the projection (or from a live view,
which is immutable, for the results that read only the view) and kept in a bounded
cache (least recently used out). A request gets the last result at once, with the data
version and the time it was computed (:class:`AsOf`); if the data moved since, a refresh is
queued, at most once per ``refresh_s`` per result. Only a result never computed before makes
a request wait, up to ``wait_s``, after which it answers :class:`NotReady` (the computation
goes on, and the next request gets it). No request computes a heavy result itself, and
cache keys never hold paging arguments (callers slice the full result).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from graph_service.analytics.family_graph import FamilyGraph
from graph_service.readmodel.graph import family_graph
from graph_service.readmodel.live import LiveView, NotReady, ReadModel
from graph_service.readmodel.projection import Projection
from graph_service.settings import get_settings

T = TypeVar("T")


@dataclass(frozen=True)
class AsOf:
    """How fresh a background result is: the data version it was computed on, and when."""

    data_version: int
    computed_at: datetime
    current_version: int  # the read model's version when the answer was given

    @property
    def stale(self) -> bool:
        return self.data_version < self.current_version


@dataclass(frozen=True)
class Result(Generic[T]):
    value: T
    as_of: AsOf


@dataclass
class _Entry:
    value: Any
    version: int
    computed_at: datetime
    refreshed: float  # monotonic time of the last computation


class BackgroundResults:
    """The background results of one read model (see the module docstring)."""

    def __init__(
        self,
        model: ReadModel,
        *,
        max_entries: int = 64,
        refresh_s: float = 30.0,
        wait_s: float = 5.0,
    ) -> None:
        self.model = model
        self.max_entries = max_entries
        self.refresh_s = refresh_s
        self.wait_s = wait_s
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._running: dict[Hashable, Future[None]] = {}
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readmodel-bg")
        self._frozen: tuple[int, Projection] | None = None

    def get(self, key: Hashable, compute: Callable[[Projection], T]) -> Result[T]:
        """The last result of ``compute`` for ``key`` (see the module docstring), computed on
        a frozen copy of the projection."""
        return self._get(key, lambda: self._projection(), compute)

    def get_of_view(self, key: Hashable, compute: Callable[[LiveView], T]) -> Result[T]:
        """:meth:`get` of a computation that reads a live view (immutable already: no copy
        of the projection is made for it)."""
        return self._get(key, lambda: self.model.view(), compute)

    def _get(
        self,
        key: Hashable,
        source: Callable[[], Projection | LiveView],
        compute: Callable[[Any], T],
    ) -> Result[T]:
        current = self.model.view().version
        with self._lock:
            entry = self._entries.get(key)
            job: Future[None] | None = None
            if entry is not None:
                self._entries.move_to_end(key)
                due = time.monotonic() - entry.refreshed >= self.refresh_s
                if entry.version < current and due:
                    job = self._schedule(key, source, compute)
                if job is None:
                    return Result(entry.value, AsOf(entry.version, entry.computed_at, current))
            else:
                job = self._schedule(key, source, compute)
        try:
            job.result(timeout=self.wait_s)
        except TimeoutError:
            if entry is None:
                raise NotReady(
                    "this result is being computed; ask again in a few seconds"
                ) from None
        with self._lock:
            latest = self._entries.get(key, entry)
        if latest is None:
            raise NotReady("this result is being computed; ask again in a few seconds")
        return Result(latest.value, AsOf(latest.version, latest.computed_at, current))

    def _schedule(
        self,
        key: Hashable,
        source: Callable[[], Projection | LiveView],
        compute: Callable[[Any], Any],
    ) -> Future[None]:
        running = self._running.get(key)
        if running is not None and not running.done():
            return running
        job = self._worker.submit(self._run, key, source, compute)
        self._running[key] = job
        return job

    def _run(
        self,
        key: Hashable,
        source: Callable[[], Projection | LiveView],
        compute: Callable[[Any], Any],
    ) -> None:
        data = source()
        value = compute(data)
        entry = _Entry(value, data.version, datetime.now(UTC), time.monotonic())
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def _projection(self) -> Projection:
        """A frozen projection of the current version (one copy shared by the jobs of a
        version; only the worker thread calls this)."""
        version = self.model.view().version
        if self._frozen is None or self._frozen[0] != version:
            frozen = self.model.frozen()
            self._frozen = (frozen.version, frozen)
        return self._frozen[1]

    def shutdown(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)


_results: weakref.WeakKeyDictionary[ReadModel, BackgroundResults] = weakref.WeakKeyDictionary()
_results_lock = threading.Lock()


def background(model: ReadModel) -> BackgroundResults:
    """The background results of ``model`` (made on first use, with the configured limits)."""
    with _results_lock:
        results = _results.get(model)
        if results is None:
            settings = get_settings()
            results = BackgroundResults(
                model,
                max_entries=settings.background_results,
                refresh_s=settings.background_refresh_s,
                # the app made the model with its own settings' wait (tests pass their own)
                wait_s=model.wait_s,
            )
            _results[model] = results
        return results


_graphs: weakref.WeakKeyDictionary[Projection, dict[tuple[str, bool], Any]] = (
    weakref.WeakKeyDictionary()
)
_graphs_lock = threading.Lock()


def whole_graph(projection: Projection, *, help_edges: bool = True) -> FamilyGraph:
    """The whole network's graph of a frozen projection, built once per projection."""
    graph: FamilyGraph = _once(projection, "family", help_edges, family_graph)
    return graph


def _once(projection: Projection, what: str, help_edges: bool, make: Callable[..., Any]) -> Any:
    with _graphs_lock:
        graphs = _graphs.setdefault(projection, {})
        made = graphs.get((what, help_edges))
        if made is None:
            made = graphs[(what, help_edges)] = make(projection, help_edges=help_edges)
        return made
