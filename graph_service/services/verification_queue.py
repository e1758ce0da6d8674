"""The verification queue kept current between requests, instead of rebuilt on each one.

Rebuilding a large region's queue reads every report of its fifteen months (the quarter and
:data:`~graph_service.services.verification.HISTORY_MONTHS` before it), parses them, makes
each family's transitions and features, fits the isolation forest and explains every row: a
few seconds for a region of 30,000 families. Here one :class:`_Queue` per store and (region,
quarter, rule multiple) keeps what the rebuild computes, per family: its reports in those
months, its transitions, their feature rows and rule flags; and the region's verifications.

Each request first asks the store for its data version. Unchanged: the kept answer is served.
Changed: the change feed since the kept version says what changed, and it is applied here:
a report of a region family replaces its family's derived rows (only those families are
recomputed), a verification replaces the report's check. Then the forest is fitted again on
every row, as a rebuild would (its scores, and the medians the explanations use, depend on
every row). When the feed cannot say (a bulk write logged without its records, a pruned feed,
a family that joins, leaves or is deleted from the region, more than :data:`MAX_FEED`
changes), the queue is reread from the store. So the next request after any committed write
(of this process or another) sees it, and the answer is the rebuild's
(:func:`~graph_service.services.verification.queue_from_scratch`; tested after random writes
on both stores in ``tests/services/test_verification_cache.py``): same entries, same order,
same reasons.

The kept state lives as long as the store object (a weak reference to it), at most
:data:`KEPT_QUEUES` (region, quarter) queues per store, least recently used dropped first.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from graph_service.analytics.journal_anomalies import (
    FEATURES,
    Flag,
    Transition,
    features,
    rank_prepared,
    rule_flags,
)
from graph_service.services.journal import latest_versions
from graph_service.services.verification import (
    HISTORY_MONTHS,
    QueueEntry,
    default_seed,
    entries_of,
    region_family_ids,
    select,
    transitions,
    verifications_of,
)
from graph_service.stores.base import Change, GraphStore
from models.journal import Month, MonthlyReport, Verification

KEPT_QUEUES = 4  # (region, quarter) queues kept per store
MAX_FEED = 5_000  # more changes than this since the kept version: reread instead
FEED_PAGE = 1_000


@dataclass
class _Family:
    """One family's part of a queue: its report versions in the queue's months and what the
    rebuild derives from them (transitions, their feature rows, rule flags by report id, and
    the latest version of each of the quarter's months)."""

    reports: dict[str, MonthlyReport]
    rows: list[Transition] = field(default_factory=list)
    x: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, len(FEATURES))))
    flags: dict[str, Flag] = field(default_factory=dict)
    in_quarter: list[MonthlyReport] = field(default_factory=list)

    def derive(self, first: str, last: str, multiple: float) -> None:
        versions = list(self.reports.values())
        self.rows = transitions(versions)
        self.x = features(self.rows)
        self.flags = {f.report_id: f for f in rule_flags(self.rows, multiple)}
        latest = latest_versions(versions)
        self.in_quarter = [r for m, r in latest.items() if first <= m <= last]


@dataclass
class _Queue:
    region_id: str
    quarter: str
    multiple: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    version: int = -1  # the store's data version the state holds; -1: never read
    members: set[str] = field(default_factory=set)  # the region's family ids
    families: dict[str, _Family] = field(default_factory=dict)  # those with reports
    checks: dict[str, Verification] = field(default_factory=dict)  # by report id
    # (seed, sample share) -> (flagged, sample, the quarter's latest reports by id)
    chosen: dict[
        tuple[int | None, float],
        tuple[dict[str, Flag], list[str], dict[str, MonthlyReport]],
    ] = field(default_factory=dict)

    @property
    def months(self) -> tuple[str, str, str]:
        """(first month read, the quarter's first month, its last month)."""
        first, _, last = Month.months_of_quarter(self.quarter)
        return Month.add(first, -HISTORY_MONTHS), first, last

    # ------------------------------------------------------------------ keeping current
    def refresh(self, store: GraphStore) -> None:
        current = store.data_version()
        if current == self.version:
            return
        if self.version < 0 or current < self.version or not self._follow(store, current):
            self._reread(store, current)

    def _reread(self, store: GraphStore, version: int) -> None:
        """Everything from the store (as of ``version`` or later: applying the feed after
        ``version`` again is harmless, every record replaces its own id)."""
        lo, first, last = self.months
        self.members = set(region_family_ids(store, self.region_id))
        self.families = {}
        for r in store.reports_between(lo, last):
            if r.family_id in self.members:
                self.families.setdefault(r.family_id, _Family({})).reports[r.id] = r
        for family in self.families.values():
            family.derive(first, last, self.multiple)
        self.checks = verifications_of(store, self.members)
        self.chosen = {}
        self.version = version

    def _follow(self, store: GraphStore, current: int) -> bool:
        """Apply the change feed from the kept version to ``current``; False: reread."""
        version, seen, dirty = self.version, 0, set[str]()
        while version < current:
            feed = store.changes_since(version, limit=FEED_PAGE)
            if not feed.complete or not feed.changes:
                return False
            for change in feed.changes:
                if not self._apply(change, dirty):
                    return False
                version = change.version
            seen += len(feed.changes)
            if seen > MAX_FEED:
                return False
        _, first, last = self.months
        for family_id in dirty:
            self.families[family_id].derive(first, last, self.multiple)
        if dirty:
            self.chosen = {}
        self.version = version
        return True

    def _apply(self, change: Change, dirty: set[str]) -> bool:
        """One committed change set applied to the kept state; False when the feed does not
        say enough (the caller rereads)."""
        if change.rebuild or change.journal_omitted or change.changes.is_empty():
            return False
        changes = change.changes
        if any(f in self.members for f in changes.deleted_families):
            return False
        if any((f.region_id == self.region_id) != (f.id in self.members) for f in changes.families):
            return False  # a family joined or left the region
        lo, _, last = self.months
        for r in changes.reports:
            if r.family_id in self.members and lo <= r.month <= last:
                self.families.setdefault(r.family_id, _Family({})).reports[r.id] = r
                dirty.add(r.family_id)
        for v in changes.verifications:
            if v.family_id in self.members:
                self.checks[v.report_id] = v
        return True

    # ------------------------------------------------------------------ the answer
    def entries(self, share: float, seed: int | None) -> list[QueueEntry]:
        key = (seed, share)
        if key not in self.chosen:
            order = sorted(self.families)
            rows = [row for f in order for row in self.families[f].rows]
            x = (
                np.vstack([self.families[f].x for f in order])
                if rows
                else np.zeros((0, len(FEATURES)))
            )
            by_rule = {k: v for f in order for k, v in self.families[f].flags.items()}
            flags = rank_prepared(rows, x, by_rule, seed or 0)
            latest = {r.id: r for f in order for r in self.families[f].in_quarter}
            chosen_seed = default_seed(self.region_id, self.quarter) if seed is None else seed
            flagged, sample = select(flags, list(latest), share, chosen_seed)
            self.chosen[key] = (flagged, sample, latest)
        flagged, sample, latest = self.chosen[key]
        return entries_of(flagged, sample, latest, self.checks)


_KEPT: weakref.WeakKeyDictionary[GraphStore, OrderedDict[tuple[str, str, float], _Queue]] = (
    weakref.WeakKeyDictionary()
)
_KEPT_LOCK = threading.Lock()


def _queue_of(store: GraphStore, region_id: str, quarter: str, multiple: float) -> _Queue:
    key = (region_id, quarter, multiple)
    with _KEPT_LOCK:
        queues = _KEPT.setdefault(store, OrderedDict())
        queue = queues.get(key)
        if queue is None:
            queue = queues[key] = _Queue(region_id, quarter, multiple)
        queues.move_to_end(key)
        while len(queues) > KEPT_QUEUES:
            queues.popitem(last=False)
        return queue


def kept_queue(
    store: GraphStore,
    region_id: str,
    quarter: str,
    multiple: float,
    share: float,
    seed: int | None,
) -> list[QueueEntry]:
    """The queue of ``region_id`` for ``quarter`` as of the store's current data version
    (the caller has checked access and the quarter)."""
    queue = _queue_of(store, region_id, quarter, multiple)
    with queue.lock:
        queue.refresh(store)
        return queue.entries(share, seed)


def forget(store: GraphStore) -> None:
    """Drop every queue kept for ``store`` (the next request rereads)."""
    with _KEPT_LOCK:
        _KEPT.pop(store, None)


__all__: Sequence[str] = ("forget", "kept_queue")
