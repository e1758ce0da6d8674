"""The live read model of one store: a projection that follows every committed write.

- **Writes in this process**: the store calls :meth:`ReadModel.on_commit` right after each
  commit; the change is applied as a delta to the projection and a new :class:`LiveView`
  (the match index and version) is swapped in before the write returns, so a write is
  visible to the next read of the same process.
- **Writes in other processes** (several API processes on one Neo4j): a follower thread polls
  the store's change feed (written in the same transaction as the data) every
  ``feed_poll_s`` seconds and applies what it finds; changes are applied strictly in version
  order, each once. A gap in the feed (pruned, or a bulk write logged without its records)
  makes the model rebuild from the store in the background; readers keep the last view.
- **Readers** take :attr:`ReadModel.view`, an immutable snapshot, without any lock.
  Writers and the follower serialise on one writer lock; a reader never waits for them.
- **Heavy results** (Louvain, clustering, bridging rankings, ripple summaries) are computed
  by :class:`~graph_service.readmodel.background.BackgroundResults` from a frozen copy of
  the projection and served with their ``asOf``.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from graph_service.analytics.family_graph import CohortInfo
from graph_service.analytics.matching import MatchIndex
from graph_service.errors import StoreUnavailable
from graph_service.readmodel import snapshot as snapshots
from graph_service.readmodel.graph import projection_of_store
from graph_service.readmodel.projection import Delta, Projection
from graph_service.readmodel.records import FamilyRecords
from graph_service.settings import get_settings
from graph_service.stores.base import Change, GraphStore

log = logging.getLogger("graph_service.readmodel")

# Rows in the match index's patches before they are folded into its base matrices.
COMPACT_AT = 4_000
# A delta touching more than this share of the families rebuilds the index instead.
REBUILD_SHARE = 0.2
FEED_BATCH = 500


class NotReady(StoreUnavailable):
    """The read model is still being built (start-up) or a background result is not
    computed yet; ask again in a moment."""


@dataclass(frozen=True, eq=False)
class ReferralColumns:
    """Who referred each family row (-1: nobody), when, and when each family joined (day
    ordinals); the children lists are computed once per version, on first use."""

    referrer: npt.NDArray[np.int64]
    referred_at: npt.NDArray[np.int64]
    joined: npt.NDArray[np.int64]
    _children: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict)

    def children(self, row: int) -> npt.NDArray[np.int64]:
        """Rows referred by ``row``."""
        if not self._children:
            order = np.argsort(self.referrer, kind="stable")
            starts = np.searchsorted(self.referrer[order], np.arange(len(self.referrer) + 1))
            self._children["order"], self._children["starts"] = order, starts
        order, starts = self._children["order"], self._children["starts"]
        return order[starts[row] : starts[row + 1]]


@dataclass(frozen=True)
class LiveView:
    """One version of the read model, never changed: what request-path readers use."""

    version: int
    index: MatchIndex
    updated_at: datetime
    families: int
    structure_version: int  # the last version that changed cohorts, regions or referrals
    regions: frozenset[str]
    cohorts: Mapping[str, CohortInfo]
    referrals: ReferralColumns


@dataclass
class _Stats:
    applied: int = 0
    rebuilds: int = 0
    index_from_snapshot: bool = False  # the last start used the match index of a snapshot
    compactions: int = 0
    last_apply_s: float = 0.0
    lag_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    # seconds of the parts of the last rebuild: read_s, apply_s (the projection from the
    # store), index_s (the match index), publish_s (view and catch-up), settle_s (gc)
    build_parts: dict[str, float] = field(default_factory=dict)


class ReadModel:
    """The read model of ``store``; see the module docstring. One per store per process
    (:func:`read_model`)."""

    def __init__(
        self,
        store: GraphStore,
        *,
        poll_s: float = 0.2,
        wait_s: float = 5.0,
        snapshot: Path | None = None,
        snapshot_every_s: float = 0.0,
    ) -> None:
        self.store = store
        self.poll_s = poll_s
        self.wait_s = wait_s
        self.snapshot = snapshot
        self.snapshot_every_s = snapshot_every_s
        self._saved_version = -1
        self._saved_at = time.monotonic()
        self._lock = threading.RLock()  # writers only; readers never take it
        self._projection: Projection | None = None
        self._view: LiveView | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._rebuild_wanted = threading.Event()
        self.stats = _Stats()
        # The families' committed records the request path keeps (current at this version).
        self.records = FamilyRecords()
        store.add_commit_listener(self.on_commit)

    # -- life cycle -------------------------------------------------------------------------

    def start(self, *, follow: bool = True, background: bool = True) -> None:
        """Build the projection (in a thread if ``background``) and follow the change feed."""
        if self._threads:
            return
        if background:
            self._spawn(self._bootstrap, "readmodel-build")
        else:
            self._bootstrap()
        if follow:
            self._spawn(self._follow, "readmodel-follow")

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        """Stop following the store (threads and the commit listener); save a snapshot."""
        self.store.remove_commit_listener(self.on_commit)
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        self.save_snapshot(force=True)

    def _bootstrap(self) -> None:
        try:
            if not self._from_snapshot():
                self.rebuild()
        except StoreUnavailable as error:  # the store is down: the follower retries
            log.warning("read model not built yet: %s", error.message)
            self._rebuild_wanted.set()

    def _from_snapshot(self) -> bool:
        """Load the saved snapshot and catch up from the feed; False if there is none.

        When the snapshot holds the match index and is as new as the store, its view is
        published first (matches are served from then on) and the projection, which only
        writers need, is decoded after; a write made meanwhile waits for it on the writer
        lock, so it is still visible to the next read."""
        if self.snapshot is None:
            return False
        began = time.monotonic()
        with self._lock:
            try:
                saved = snapshots.read(
                    self.snapshot, self.store.instance_id(), self.store.data_version()
                )
            except snapshots.SnapshotRefused as why:
                log.info("read model snapshot not used: %s", why)
                return False
            try:
                index = saved.index()
            except snapshots.SnapshotRefused as why:  # an entry of the file is unreadable
                log.warning("read model snapshot not used: %s", why)
                return False
            self.stats.index_from_snapshot = index is not None
            if index is not None and saved.version == self.store.data_version():
                referrer, referred_at, joined = saved.referral_columns()
                self._view = LiveView(
                    saved.version,
                    index,
                    datetime.now(UTC),
                    saved.families,
                    saved.version,
                    saved.regions(),
                    saved.cohorts(),
                    ReferralColumns(referrer.copy(), referred_at.copy(), joined.copy()),
                )
                self._ready.set()
                log.info("read model serving from %s after %.1f s", self.snapshot, _since(began))
            try:
                projection = saved.projection()
            except snapshots.SnapshotRefused as why:  # the store is read instead (rebuild)
                log.warning("read model snapshot not used: %s", why)
                return False
            self._projection = projection
            self.records.reset(projection.version)
            self._publish(projection, index or _index_of(projection), structure=True)
            self._saved_version = projection.version
            self._catch_up()
        _settle()
        self._ready.set()
        log.info(
            "read model loaded from %s: version %d (%d families) in %.1f s",
            self.snapshot,
            projection.version,
            projection.families,
            _since(began),
        )
        return True

    def save_snapshot(self, *, force: bool = False) -> bool:
        """Save a snapshot if one is configured and the data moved since the last one (and,
        unless ``force``, ``snapshot_every_s`` has passed). True if one was written."""
        if self.snapshot is None or self._view is None or self._projection is None:
            return False
        due = 0 < self.snapshot_every_s <= time.monotonic() - self._saved_at
        if self._view.version == self._saved_version or not (force or due):
            return False
        with self._lock:
            frozen = self._projection.freeze()
            index = self._view.index
        try:
            snapshots.save(frozen, self.snapshot, self.store.instance_id(), index)
        except (OSError, StoreUnavailable) as error:
            log.warning("read model snapshot not saved: %s", error)
            return False
        self._saved_version, self._saved_at = frozen.version, time.monotonic()
        return True

    def rebuild(self) -> None:
        """Read the whole store into a new projection, then catch up with the feed."""
        began = time.monotonic()
        parts: dict[str, float] = {}
        projection = projection_of_store(self.store, parts)
        mark = time.monotonic()
        index = _index_of(projection)
        parts["index_s"] = time.monotonic() - mark
        mark = time.monotonic()
        with self._lock:
            self._projection = projection
            self.records.reset(projection.version)
            self._publish(projection, index, structure=True)
            self.stats.rebuilds += 1
            self._catch_up()
        parts["publish_s"] = time.monotonic() - mark
        mark = time.monotonic()
        _settle()
        parts["settle_s"] = time.monotonic() - mark
        self.stats.build_parts = parts
        self._ready.set()
        self.save_snapshot(force=True)
        log.info(
            "read model built: %d families at version %d in %.1f s",
            projection.families,
            projection.version,
            time.monotonic() - began,
        )

    # -- reading ----------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def building(self) -> bool:
        """Whether the first build (from a snapshot or the store) is still running."""
        return any(t.name == "readmodel-build" and t.is_alive() for t in self._threads)

    def view(self, wait_s: float | None = None) -> LiveView:
        """The current view; waits up to ``wait_s`` (default :attr:`wait_s`) while the model
        is first built, then raises :class:`NotReady`."""
        view = self._view
        if view is not None:
            return view
        if not self._ready.wait(self.wait_s if wait_s is None else wait_s) or self._view is None:
            raise NotReady("the service is still loading the network; try again in a moment")
        return self._view

    def frozen(self) -> Projection:
        """A copy of the projection that later writes do not change (for background jobs)."""
        self.view()
        with self._lock:
            assert self._projection is not None
            return self._projection.freeze()

    # -- writing ----------------------------------------------------------------------------

    def on_commit(self, change: Change) -> None:
        """A change this process committed: apply it (and any before it) before returning."""
        with self._lock:
            if self._projection is None:
                return  # the bootstrap reads it from the store
            if change.version <= self._projection.version:
                return
            if change.version == self._projection.version + 1 and not change.rebuild:
                self._apply(change)
            else:
                self._catch_up(until=change.version)

    def _catch_up(self, until: int | None = None) -> None:
        """Apply the feed after the projection's version (under the writer lock)."""
        assert self._projection is not None
        while True:
            feed = self.store.changes_since(self._projection.version, limit=FEED_BATCH)
            if not feed.complete or any(c.rebuild for c in feed.changes):
                if self._following():
                    self._rebuild_wanted.set()  # the follower rebuilds; readers keep this view
                else:
                    self.rebuild()
                return
            for change in feed.changes:
                if change.version == self._projection.version + 1:
                    self._apply(change)
            done = until is not None and self._projection.version >= until
            if done or len(feed.changes) < FEED_BATCH:
                return

    def _apply(self, change: Change) -> None:
        assert self._projection is not None and self._view is not None
        began = time.monotonic()
        projection = self._projection
        delta = projection.apply(change.changes, change.version)
        index = self._updated_index(projection, delta)
        self._publish(projection, index, structure=delta.structure)
        self.records.applied(change)
        self.stats.applied += 1
        self.stats.last_apply_s = time.monotonic() - began

    def _updated_index(self, projection: Projection, delta: Delta) -> MatchIndex:
        assert self._view is not None
        index = self._view.index
        if len(delta.profiles) + len(delta.pairs) > REBUILD_SHARE * max(projection.families, 1):
            return MatchIndex.from_rows(
                projection.ids,
                [projection.profile(r) for r in range(len(projection.ids))],
                projection.tie_pairs(),
                weights=index.weights,
                pool=index.pool,
                encoder=index.encoder,
            )
        index = index.with_changes(
            delta.new_ids,
            {row: projection.profile(row) for row in delta.profiles},
            {(u, v): projection.tie_bits(u, v) for u, v in delta.pairs},
        )
        if index.patch_size > COMPACT_AT:
            index = index.compacted()
            self.stats.compactions += 1
        return index

    def _publish(self, projection: Projection, index: MatchIndex, *, structure: bool) -> None:
        previous = self._view
        structure_version = (
            projection.version if structure or previous is None else previous.structure_version
        )
        if structure or previous is None:
            n = len(projection.ids)
            regions = frozenset(projection.regions)
            cohorts: Mapping[str, CohortInfo] = dict(projection.cohorts)
            referrals = ReferralColumns(
                projection.ref_from.data[:n].copy(),
                projection.ref_at.data[:n].copy(),
                projection.joined.data[:n].copy(),
            )
        else:
            regions, cohorts, referrals = previous.regions, previous.cohorts, previous.referrals
        self._view = LiveView(
            projection.version,
            index,
            datetime.now(UTC),
            projection.families,
            structure_version,
            regions,
            cohorts,
            referrals,
        )

    # -- following other processes ----------------------------------------------------------

    def _follow(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                if self._rebuild_wanted.is_set():
                    self._rebuild_wanted.clear()
                    self.rebuild()
                    continue
                self.poll()
                self.save_snapshot()
            except StoreUnavailable as error:
                self.stats.errors = [*self.stats.errors[-9:], error.message]
            except Exception as error:  # keep following; the error is logged and counted
                log.exception("read model follower failed")
                self.stats.errors = [*self.stats.errors[-9:], repr(error)]

    def _following(self) -> bool:
        return any(t.name == "readmodel-follow" and t.is_alive() for t in self._threads)

    def poll(self) -> None:
        """Apply whatever other processes committed since the last poll.

        First one small read of the store's data version (one round trip on Neo4j): when it
        equals the projection's, nothing was committed since, and the change feed (a read
        transaction of two statements) is not read. The version is bumped in the same
        transaction as the feed entry it numbers, so an equal version means an empty feed."""
        projection = self._projection
        if projection is None or self.store.data_version() == projection.version:
            return
        with self._lock:
            self._catch_up()


def _since(began: float) -> float:
    return time.monotonic() - began


def _settle() -> None:
    """Move what exists now (the freshly built read model: about a million objects at
    100,000 families) out of the garbage collector's reach, so that a full collection does
    not walk it during requests."""
    gc.collect()
    gc.freeze()


def _index_of(projection: Projection) -> MatchIndex:
    return MatchIndex.from_rows(
        projection.ids,
        [projection.profile(r) for r in range(len(projection.ids))],
        projection.tie_pairs(),
    )


_models: weakref.WeakKeyDictionary[Any, ReadModel] = weakref.WeakKeyDictionary()
_models_lock = threading.Lock()


def read_model(store: GraphStore, *, start: bool = True) -> ReadModel:
    """The read model of ``store`` in this process (made, and built, on first use).

    Made lazily for stores opened without the app (tests, CLI tools): then the first build
    runs in the caller's thread, so a tool sees the data right away.
    """
    with _models_lock:
        model = _models.get(store)
        if model is None:
            model = ReadModel(store, wait_s=get_settings().background_wait_s)
            _models[store] = model
            fresh = True
        else:
            fresh = False
    if fresh and start:
        model.start(follow=False, background=False)
    return model


def attach_read_model(store: GraphStore, model: ReadModel) -> None:
    """Use ``model`` as the read model of ``store`` (the app makes and starts its own)."""
    with _models_lock:
        _models[store] = model
