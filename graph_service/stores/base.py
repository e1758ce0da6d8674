"""The ``GraphStore`` contract: domain operations, not a generic query runner.

Both :class:`~graph_service.stores.neo4j_store.Neo4jStore` and
:class:`~graph_service.stores.embedded.EmbeddedStore` implement it, and one contract test
suite (``tests/stores/test_contract.py``) runs unchanged against both.

Write rules every implementation keeps:

- each ``upsert_*`` call is one batch and one transaction: all of it is written or none;
- upserts are idempotent on external ids (``MERGE`` semantics): writing the same records twice
  leaves the same graph;
- a batch is validated as a whole before anything is written (dangling references raise
  :class:`~graph_service.errors.NotFound`, referral rules raise ``ValidationFailed``);
- every write bumps :meth:`GraphStore.data_version` and, in the same transaction, appends the
  change set under that version to the store's change feed (:meth:`GraphStore.changes_since`),
  so every process's read model can follow the writes of every other process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Protocol, runtime_checkable

from graph_service.kinds import KIND_OF_PART, KINDS, NetworkRecords, RecordKind
from graph_service.stores.audit import AuditEntry
from graph_service.stores.preconditions import RuleBroken
from graph_service.stores.projection_rows import Row
from models import (
    Cohort,
    CohortProposal,
    DomainModel,
    Family,
    Goal,
    Helped,
    Introduction,
    MemberOf,
    Pursues,
    Referred,
    Region,
)
from models.journal import Action, MonthlyReport, Verification
from models.rules import FamilyExists, Precondition

NODE_LABELS = tuple(kind.graph_name for kind in KINDS if kind.is_node)
RELATIONSHIP_TYPES = ("LIVES_IN", *(kind.graph_name for kind in KINDS if not kind.is_node))


# The CONFLICT of a write that creates a key someone else stored meanwhile (both stores).
WRITTEN_MEANWHILE = "a record with this id was written at the same time"
# The parts a ChangeSet with ``new_records`` creates rather than merges (the bulk of an
# import); its other parts are written as usual.
CREATED_WHEN_NEW = frozenset({"families", "memberships", "pursuits", "helps", "referrals"})
# The parts whose creation needs no writer lock: a change set of ``new_records`` made of these
# alone (no preconditions, deletions or audit entries) can be written while other such change
# sets are written (GraphStore.takes_concurrent_writes): a key written twice at once is
# refused by the store's uniqueness constraint on it (a CONFLICT), not by a check that needs
# the writers to run one at a time (memberships and pursuits have no such constraint).
# Families are left out although their id is unique: every batch links its families to the
# same few region nodes, whose locks made two family batches at once slower than one after
# the other (100,000 families: 97.6 s of transactions against 21.0 s).
CREATED_CONCURRENTLY = frozenset({"helps"})


@dataclass(frozen=True)
class ChangeSet:
    """Several batches written in ONE transaction, in dependency order (nodes first).

    Records may refer to nodes created earlier in the same change set. Services use this
    for operations that touch several types at once (accepting an invitation writes a
    membership and a referral), so that a failure writes nothing. The parts are the kinds of
    :data:`graph_service.kinds.KINDS`, in the same order. ``deleted_families`` are removed
    (with every relationship attached to them) before anything is written.

    ``preconditions`` (:mod:`models.rules`) are the program rules the service relies on; the
    store checks them inside the write transaction, before writing anything, and raises
    :class:`~graph_service.stores.preconditions.RuleBroken` (CONFLICT) if one does not hold.
    They are not part of the change: :meth:`to_json` ignores them.

    ``new_records``: the writer vouches that no key of the change set is stored (the import
    sets it for a batch its validate pass found all new). The store then creates the parts of
    :data:`CREATED_WHEN_NEW` instead of merging them, and a key of theirs that is stored
    after all (written meanwhile by someone else) makes the whole change set fail with
    :class:`~graph_service.errors.Conflict`, nothing written. Not part of the change either.

    ``audit`` (:class:`~graph_service.stores.audit.AuditEntry`): the audit-log entries that
    record this write (a consent change, an erasure, a verification). The store appends them
    in the same transaction, after the records: a write that is refused or fails leaves no
    entry, and a failed append rolls the write back. Not part of the change either (not in
    the change feed); a change set of entries alone is refused with ``ValueError`` (audited
    reads append to the log directly, :meth:`~graph_service.stores.audit.AuditLog.append`).
    """

    regions: Sequence[Region] = ()
    goals: Sequence[Goal] = ()
    families: Sequence[Family] = ()
    cohorts: Sequence[Cohort] = ()
    proposals: Sequence[CohortProposal] = ()
    memberships: Sequence[MemberOf] = ()
    pursuits: Sequence[Pursues] = ()
    helps: Sequence[Helped] = ()
    referrals: Sequence[Referred] = ()
    introductions: Sequence[Introduction] = ()
    reports: Sequence[MonthlyReport] = ()
    actions: Sequence[Action] = ()
    verifications: Sequence[Verification] = ()
    deleted_families: Sequence[str] = ()
    preconditions: Sequence[Precondition] = ()
    audit: Sequence[AuditEntry] = ()
    new_records: bool = False

    @classmethod
    def of(cls, network: NetworkRecords) -> ChangeSet:
        """Every record of a network (the demo, a synthetic network) as one change set (a
        network without records of a kind, such as proposals, has none of it)."""
        parts: dict[str, Any] = {kind.part: list(getattr(network, kind.part, ())) for kind in KINDS}
        return cls(**parts)

    @classmethod
    def of_part(
        cls, part: str, records: Sequence[DomainModel], *, new_records: bool = False
    ) -> ChangeSet:
        """A change set of one part (records of one kind)."""
        parts: dict[str, Any] = {part: records}
        return cls(**parts, new_records=new_records)

    def parts(self) -> Iterator[tuple[RecordKind, Sequence[DomainModel]]]:
        """``(kind, records)`` of every non-empty part, in write order."""
        for kind in KINDS:
            records: Sequence[DomainModel] = getattr(self, kind.part)
            if records:
                yield kind, records

    def creates_concurrently(self) -> bool:
        """Whether this change set only creates :data:`CREATED_CONCURRENTLY` records (see
        there): the store may then write it beside other such change sets."""
        parts = [kind.part for kind, _ in self.parts()]
        alone = not (self.preconditions or self.deleted_families or self.audit)
        return self.new_records and alone and bool(parts) and set(parts) <= CREATED_CONCURRENTLY

    def is_empty(self) -> bool:
        return not self.deleted_families and next(self.parts(), None) is None

    def to_json(self) -> str:
        """The change set as JSON (the change feed's body): ``{part: [record, ...]}``."""
        body: dict[str, Any] = {kind.part: [r.to_record() for r in rs] for kind, rs in self.parts()}
        if self.deleted_families:
            body["deletedFamilies"] = list(self.deleted_families)
        return json.dumps(body, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ChangeSet:
        """The change set :meth:`to_json` wrote."""
        body = json.loads(text)
        parts: dict[str, Any] = {
            part: [KIND_OF_PART[part].parse(data) for data in records]
            for part, records in body.items()
            if part in KIND_OF_PART
        }
        return cls(**parts, deleted_families=tuple(body.get("deletedFamilies", ())))


CHANGE_SET_PARTS = tuple(
    f.name for f in fields(ChangeSet) if f.name not in ("preconditions", "audit")
)


# A change set with more records than this is logged in the change feed without its records
# (``rebuild``): a bulk load would otherwise double what the store writes; a process following
# the feed rebuilds its read model from the store instead (in the background).
FEED_MAX_RECORDS = 2000
JOURNAL_OMITTED = "journalOmitted"  # the feed body's mark of a change logged without its journal


@dataclass(frozen=True)
class Change:
    """One committed change set and the data version it produced (the change feed's entry).
    ``rebuild``: the feed holds no records for this version (a bulk write, or a reset); a
    reader must rebuild from the store. ``journal_omitted``: the change set's journal records
    (reports, actions, verifications) are not in the feed (a large batch of them): a reader
    of the journal must reread it from the store."""

    version: int
    changes: ChangeSet = field(default_factory=ChangeSet)
    rebuild: bool = False
    journal_omitted: bool = False

    @staticmethod
    def feed_body(changes: ChangeSet) -> str:
        """What the change feed stores for ``changes`` (see :data:`FEED_MAX_RECORDS`). The
        journal kinds are not in the read model's projection: a large batch of them (a
        journal import) is logged without them rather than as a rebuild."""
        size = sum(len(records) for _, records in changes.parts()) + len(changes.deleted_families)
        if size <= FEED_MAX_RECORDS:
            return changes.to_json()
        journal: dict[str, Any] = {k.part: () for k in KINDS if not k.projected}
        projected = replace(changes, **journal)
        kept = sum(len(r) for _, r in projected.parts()) + len(projected.deleted_families)
        if kept > FEED_MAX_RECORDS:
            return '{"rebuild":true}'
        body = json.loads(projected.to_json())
        return json.dumps({**body, JOURNAL_OMITTED: True}, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_feed(cls, version: int, body: str) -> Change:
        if body == '{"rebuild":true}':
            return cls(version, rebuild=True)
        omitted = bool(json.loads(body).get(JOURNAL_OMITTED)) if JOURNAL_OMITTED in body else False
        return cls(version, ChangeSet.from_json(body), journal_omitted=omitted)


@dataclass(frozen=True)
class ChangeFeed:
    """Changes after a version, oldest first. ``complete`` is False when the feed no longer
    holds every change after the asked version (pruned): the reader must rebuild."""

    changes: list[Change]
    complete: bool
    version: int  # the store's data version when read


CommitListener = Callable[[Change], None]


@dataclass(frozen=True)
class FamilyPage:
    """One page of families in id order (keyset pagination: ``after`` is the last id seen)."""

    families: list[Family]
    has_next: bool


@dataclass(frozen=True)
class PreparedWrite:
    """A change set and what the store that prepared it (:meth:`GraphStore.prepare`) has
    built for it ahead: ``work`` is that store's own (another store prepares it anew)."""

    changes: ChangeSet
    store: object = field(compare=False, repr=False)
    work: Any = field(compare=False, repr=False)


@dataclass(frozen=True)
class FamilyFilter:
    region_ids: tuple[str, ...] | None = None  # None: every region
    goal_id: str | None = None  # families pursuing this goal (any status)
    cohort_id: str | None = None  # active members of this cohort
    consent_matching: bool | None = None


@runtime_checkable
class GraphStore(Protocol):
    """Persistence of the family graph. Implementations are safe to share across threads."""

    name: str
    # Whether write transactions of this store may run at once (the import then keeps
    # ``Settings.import_writers`` batches in flight); False: one writer at a time.
    takes_concurrent_writes: bool

    # life cycle -------------------------------------------------------------------------
    def open(self) -> None:
        """Connect and create schema (constraints, indexes, tables). Idempotent."""

    def close(self) -> None: ...

    def ping(self) -> bool:
        """True if the store answers a trivial read now."""

    def data_version(self) -> int:
        """A number that grows with every committed write."""

    # batched upserts (one transaction each) -------------------------------------------------
    def write(self, changes: ChangeSet | PreparedWrite) -> None:
        """Validate and write every part of ``changes`` and its audit entries in one
        transaction (all or nothing); an empty change set writes nothing and leaves
        :meth:`data_version` unchanged. A :class:`PreparedWrite` of this store is written
        as the change set it was prepared from."""

    def prepare(self, changes: ChangeSet) -> PreparedWrite:
        """``changes`` with this store's work done ahead that needs no transaction (the
        parameter rows of every part), for a writer that builds its next batch on one thread
        while this one is written on another (the import). Pure: reads and writes nothing."""

    def upsert_regions(self, regions: Sequence[Region]) -> int: ...
    def upsert_goals(self, goals: Sequence[Goal]) -> int: ...
    def upsert_families(self, families: Sequence[Family]) -> int: ...
    def upsert_cohorts(self, cohorts: Sequence[Cohort]) -> int: ...
    def upsert_memberships(self, memberships: Sequence[MemberOf]) -> int: ...
    def upsert_pursuits(self, pursuits: Sequence[Pursues]) -> int: ...
    def upsert_help(self, helps: Sequence[Helped]) -> int: ...
    def upsert_referrals(self, referrals: Sequence[Referred]) -> int: ...
    def upsert_proposals(self, proposals: Sequence[CohortProposal]) -> int: ...

    # reads ----------------------------------------------------------------------------------
    def get_families(self, ids: Sequence[str]) -> dict[str, Family]:
        """The families among ``ids`` that exist (one round trip)."""

    def list_families(
        self, filter: FamilyFilter, *, after: str | None, limit: int
    ) -> FamilyPage: ...

    def count_families(self, filter: FamilyFilter) -> int: ...

    def get_cohorts(self, ids: Sequence[str]) -> dict[str, Cohort]: ...

    def list_cohorts(
        self, region_ids: tuple[str, ...] | None, *, after: str | None, limit: int
    ) -> list[Cohort]: ...

    def list_goals(self) -> list[Goal]: ...
    def list_regions(self) -> list[Region]: ...

    def get_proposals(self, ids: Sequence[str]) -> dict[str, CohortProposal]:
        """The cohort proposals among ``ids`` that exist."""

    def list_proposals(self, region_id: str) -> list[CohortProposal]:
        """Every cohort proposal of a region, newest first (created_at, then id, descending)."""

    def memberships_of_families(self, family_ids: Sequence[str]) -> dict[str, list[MemberOf]]:
        """Memberships (any status) of each family, keyed by family id."""

    def families_with_memberships(
        self, ids: Sequence[str]
    ) -> dict[str, tuple[Family, list[MemberOf]]]:
        """The families among ``ids`` that exist, each with its memberships (any status): what
        the access policy needs about a family, in one round trip where the store can."""

    def families_with_memberships_at(
        self, ids: Sequence[str]
    ) -> tuple[int, dict[str, tuple[Family, list[MemberOf]]]]:
        """:meth:`data_version`, read first, and :meth:`families_with_memberships` of ``ids``
        (which may be newer than that version, never older), in one round trip where the
        store can: a caller keeping records from the change feed learns in the same read
        whether they are current."""

    def members_of_cohorts(self, cohort_ids: Sequence[str]) -> dict[str, list[MemberOf]]:
        """Memberships (any status) of each cohort, keyed by cohort id, in family-id order."""

    def pursuits_of(self, family_ids: Sequence[str]) -> dict[str, list[Pursues]]: ...

    def help_of(self, family_ids: Sequence[str]) -> dict[str, list[Helped]]:
        """Every help exchange given or received by each family, ordered by (at, id)."""

    def referrer_of(self, family_ids: Sequence[str]) -> dict[str, Referred]: ...

    def introductions_of(self, family_ids: Sequence[str]) -> dict[str, list[Introduction]]:
        """Introductions each existing family asked for or was asked about, by
        (requestedOn, id)."""

    def referral_subtree(self, root_id: str, *, max_depth: int | None = None) -> list[Referred]:
        """REFERRED edges of the cascade below ``root_id`` (breadth-first order)."""

    def neighbourhood(self, family_id: str, *, hops: int = 1) -> set[str]:
        """Families within ``hops`` help/referral/cohort ties of ``family_id`` (excluded)."""

    def scan(self, part: str) -> Iterator[DomainModel]:
        """Every stored record of one kind (a :class:`ChangeSet` part name), streamed; the
        exporters and services read the store this way."""

    def scan_rows(self, part: str) -> Iterator[list[Row]]:
        """The rows the read model's full build needs of one projected kind, in pages (see
        :mod:`graph_service.stores.projection_rows`: only the fields the projection keeps,
        plain values, dates as day ordinals, no model per record)."""

    # the journal (models/journal.py) ----------------------------------------------------------
    def journal_of(self, part: str, family_ids: Sequence[str]) -> dict[str, list[DomainModel]]:
        """Records of a journal kind (``reports``, ``actions``, ``verifications``) of each
        family among ``family_ids`` that has any, in id order."""

    def reports_between(self, first: str, last: str) -> list[MonthlyReport]:
        """Every report version of the months ``first`` to ``last`` (``YYYY-MM``)."""

    # change feed ----------------------------------------------------------------------------
    def changes_since(self, version: int, *, limit: int = 1000) -> ChangeFeed:
        """Committed change sets that produced versions ``> version`` (at most ``limit``)."""

    def add_commit_listener(self, listener: CommitListener) -> None:
        """Call ``listener`` with every change this process commits, after the commit."""

    def remove_commit_listener(self, listener: CommitListener) -> None: ...

    def instance_id(self) -> str:
        """A random id made when the store's schema was first created: a read-model snapshot
        saved from one database is never applied to another."""

    def counts(self) -> dict[str, int]:
        """Number of nodes per label and relationships per type (all labels and types)."""

    def delete_family(self, family_id: str, audit: Sequence[AuditEntry] = ()) -> bool:
        """Remove a family and every relationship attached to it, appending ``audit`` in the
        same transaction; False if it did not exist (then nothing is written, no entry, and
        the data version does not move)."""


class UpsertsViaWrite:
    """What both stores share: the nine ``upsert_*`` methods of the contract, each one
    :meth:`GraphStore.write` of a one-part change set (so every store validates and writes
    them the same way), ``delete_family`` as a write, and the commit listeners."""

    _listeners: list[CommitListener]

    def write(self, changes: ChangeSet | PreparedWrite) -> None:
        raise NotImplementedError

    def _prepared(self, changes: ChangeSet | PreparedWrite) -> PreparedWrite:
        """``changes`` as prepared by this store (prepared now unless it already was)."""
        if isinstance(changes, PreparedWrite) and changes.store is self:
            return changes
        plain = changes.changes if isinstance(changes, PreparedWrite) else changes
        return self.prepare(plain)

    def prepare(self, changes: ChangeSet) -> PreparedWrite:
        raise NotImplementedError

    @staticmethod
    def _nothing_to_write(changes: ChangeSet) -> bool:
        """True for an empty change set; audit entries without a write to go with are a bug
        of the caller (an audited read appends to the log itself), never dropped silently."""
        if not changes.is_empty():
            return False
        if changes.audit:
            raise ValueError("audit entries without a write: append them to the log instead")
        return True

    def delete_family(self, family_id: str, audit: Sequence[AuditEntry] = ()) -> bool:
        """Remove a family and every relationship attached to it, appending ``audit`` in the
        same transaction; False if it did not exist when the write took its lock (then
        nothing is written, no entry, and the data version does not move)."""
        exists = FamilyExists(family_id)
        try:
            self.write(ChangeSet(deleted_families=[family_id], preconditions=[exists], audit=audit))
        except RuleBroken as broken:
            if broken.precondition is not exists:
                raise
            return False
        return True

    def get_families(self, ids: Sequence[str]) -> dict[str, Family]:
        raise NotImplementedError

    def memberships_of_families(self, family_ids: Sequence[str]) -> dict[str, list[MemberOf]]:
        raise NotImplementedError

    def data_version(self) -> int:
        raise NotImplementedError

    def families_with_memberships(
        self, ids: Sequence[str]
    ) -> dict[str, tuple[Family, list[MemberOf]]]:
        """Two reads (a store with a joined read overrides this with one)."""
        families = self.get_families(ids)
        memberships = self.memberships_of_families(sorted(families)) if families else {}
        return {fid: (family, memberships.get(fid, [])) for fid, family in families.items()}

    def families_with_memberships_at(
        self, ids: Sequence[str]
    ) -> tuple[int, dict[str, tuple[Family, list[MemberOf]]]]:
        """The version, then the families (a store with a joined read overrides this)."""
        version = self.data_version()
        return version, self.families_with_memberships(ids) if ids else {}

    def add_commit_listener(self, listener: CommitListener) -> None:
        if not hasattr(self, "_listeners"):
            self._listeners = []
        self._listeners.append(listener)

    def remove_commit_listener(self, listener: CommitListener) -> None:
        if listener in getattr(self, "_listeners", ()):
            self._listeners.remove(listener)

    def _committed(self, version: int, changes: ChangeSet) -> None:
        """Tell the listeners about a committed change (after the commit, in this thread)."""
        change = Change(version, changes)
        for listener in getattr(self, "_listeners", ()):
            listener(change)

    def upsert_regions(self, regions: Sequence[Region]) -> int:
        self.write(ChangeSet(regions=regions))
        return len(regions)

    def upsert_goals(self, goals: Sequence[Goal]) -> int:
        self.write(ChangeSet(goals=goals))
        return len(goals)

    def upsert_families(self, families: Sequence[Family]) -> int:
        self.write(ChangeSet(families=families))
        return len(families)

    def upsert_cohorts(self, cohorts: Sequence[Cohort]) -> int:
        self.write(ChangeSet(cohorts=cohorts))
        return len(cohorts)

    def upsert_memberships(self, memberships: Sequence[MemberOf]) -> int:
        self.write(ChangeSet(memberships=memberships))
        return len(memberships)

    def upsert_pursuits(self, pursuits: Sequence[Pursues]) -> int:
        self.write(ChangeSet(pursuits=pursuits))
        return len(pursuits)

    def upsert_help(self, helps: Sequence[Helped]) -> int:
        self.write(ChangeSet(helps=helps))
        return len(helps)

    def upsert_referrals(self, referrals: Sequence[Referred]) -> int:
        self.write(ChangeSet(referrals=referrals))
        return len(referrals)

    def upsert_proposals(self, proposals: Sequence[CohortProposal]) -> int:
        self.write(ChangeSet(proposals=proposals))
        return len(proposals)
