"""Families and their memberships as committed, kept in memory for the request path.

Why: a warm ``peerMatches`` needs, after the match, the committed records of the asker, the
caller's own family and each peer found (the access decision, the consent re-check of each
peer, the GraphQL loaders). On Neo4j reading them was most of the request's store time
(the engine's lookups, a larger answer to decode, the models to validate), where the same
round trip with only the data version in it is cheap. So the records a request read are
kept here, and a later request asks the store for the data version and only the families it
does not hold, in ONE round trip (:meth:`GraphStore.families_with_memberships_at`).

Freshness: every entry is current as of :attr:`FamilyRecords.version`, the read model's
version: the read model evicts the families each applied change touches (a family record, a
membership, a deleted family) before it moves the version on, and clears everything on a
rebuild. A request uses its kept entries only when the store's data version, read in that
request, equals the version the entries are current at; otherwise (a write committed by
another process that this process's read model has not applied yet) it reads every family
from the store, as before. So a write committed anywhere before a request is honoured by
it, exactly as when every request read the store.

Entries are added only when the version the store reported for them is the current one
(records read before a change and added after its eviction would be stale); the records of
the read may be newer than the version they came with, never older (the version is read
first), and a change they already contain is evicted when the read model applies it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from graph_service.stores.base import Change, GraphStore
from models import Family, MemberOf

Records = dict[str, tuple[Family, list[MemberOf]]]

# Families kept at most; past it the oldest entries are dropped (a request's ids are ~12).
MAX_FAMILIES = 50_000


class FamilyRecords:
    """The kept records and the version they are current at (thread-safe)."""

    def __init__(self, max_families: int = MAX_FAMILIES) -> None:
        self.max_families = max_families
        self.version = -1  # no version yet: nothing is served
        self._entries: dict[str, tuple[Family, tuple[MemberOf, ...]]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    # -- the read model's side (under its writer lock) ----------------------------------

    def reset(self, version: int) -> None:
        """A new projection at ``version`` (a build or rebuild): nothing kept is trusted."""
        with self._lock:
            self._entries.clear()
            self.version = version

    def applied(self, change: Change) -> None:
        """``change`` is applied: drop the families it touches, then move to its version."""
        touched = {f.id for f in change.changes.families}
        touched.update(m.family_id for m in change.changes.memberships)
        touched.update(change.changes.deleted_families)
        with self._lock:
            for family_id in touched:
                self._entries.pop(family_id, None)
            self.version = change.version

    # -- the request's side -------------------------------------------------------------

    def read(self, store: GraphStore, ids: Sequence[str]) -> Records:
        """The families among ``ids`` that exist, with their memberships, as committed now:
        one round trip (the data version and the families not kept), two when the kept
        records are behind the store."""
        with self._lock:
            kept_at = self.version
            kept = {i: self._entries[i] for i in ids if i in self._entries}
        missing = [i for i in ids if i not in kept]
        version, found = store.families_with_memberships_at(missing)
        if version != kept_at:
            # Behind (or ahead of) the store: what is kept may be stale. Read everything.
            self.misses += len(ids)
            return store.families_with_memberships(ids) if kept else found
        self.hits += len(kept)
        self.misses += len(missing)
        self._keep(found, version)
        for family_id, (family, memberships) in kept.items():
            found[family_id] = (family, list(memberships))
        return found

    def _keep(self, found: Records, version: int) -> None:
        with self._lock:
            if version != self.version:
                return  # a change was applied meanwhile: these may predate it
            for family_id, (family, memberships) in found.items():
                self._entries[family_id] = (family, tuple(memberships))
            excess = len(self._entries) - self.max_families
            if excess > 0:
                for family_id in list(self._entries)[:excess]:
                    del self._entries[family_id]
