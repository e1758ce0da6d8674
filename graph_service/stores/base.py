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
- every write bumps :meth:`GraphStore.data_version`, so caches (e.g. the matcher's feature
  matrix) can tell that data changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from graph_service.analytics.family_graph import FamilyGraph, NetworkRecords
from models import Cohort, Family, Goal, Helped, MemberOf, Pursues, Referred, Region

NODE_LABELS = ("Family", "Cohort", "Goal", "Region")
RELATIONSHIP_TYPES = ("LIVES_IN", "MEMBER_OF", "PURSUES", "HELPED", "REFERRED")


class NetworkWithGoals(NetworkRecords, Protocol):
    """A network's records including the goal catalogue."""

    @property
    def goals(self) -> Iterable[Goal]: ...


@dataclass(frozen=True)
class ChangeSet:
    """Several batches written in ONE transaction, in dependency order (nodes first).

    Records may refer to nodes created earlier in the same change set. Services use this
    for operations that touch several types at once (accepting an invitation writes a
    membership and a referral), so that a failure writes nothing.
    """

    regions: Sequence[Region] = ()
    goals: Sequence[Goal] = ()
    families: Sequence[Family] = ()
    cohorts: Sequence[Cohort] = ()
    memberships: Sequence[MemberOf] = ()
    pursuits: Sequence[Pursues] = ()
    helps: Sequence[Helped] = ()
    referrals: Sequence[Referred] = ()

    @classmethod
    def of(cls, network: NetworkWithGoals) -> ChangeSet:
        """Every record of a network (the demo, a synthetic network) as one change set."""
        return cls(
            regions=list(network.regions),
            goals=list(network.goals),
            families=list(network.families),
            cohorts=list(network.cohorts),
            memberships=list(network.memberships),
            pursuits=list(network.pursuits),
            helps=list(network.helps),
            referrals=list(network.referrals),
        )

    def is_empty(self) -> bool:
        return not any(
            (
                self.regions,
                self.goals,
                self.families,
                self.cohorts,
                self.memberships,
                self.pursuits,
                self.helps,
                self.referrals,
            )
        )


@dataclass(frozen=True)
class FamilyPage:
    """One page of families in id order (keyset pagination: ``after`` is the last id seen)."""

    families: list[Family]
    has_next: bool


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

    # life cycle -------------------------------------------------------------------------
    def open(self) -> None:
        """Connect and create schema (constraints, indexes, tables). Idempotent."""

    def close(self) -> None: ...

    def ping(self) -> bool:
        """True if the store answers a trivial read now."""

    def data_version(self) -> int:
        """A number that grows with every committed write."""

    # batched upserts (one transaction each) -------------------------------------------------
    def write(self, changes: ChangeSet) -> None:
        """Validate and write every part of ``changes`` in one transaction (all or nothing);
        an empty change set writes nothing and leaves :meth:`data_version` unchanged."""

    def upsert_regions(self, regions: Sequence[Region]) -> int: ...
    def upsert_goals(self, goals: Sequence[Goal]) -> int: ...
    def upsert_families(self, families: Sequence[Family]) -> int: ...
    def upsert_cohorts(self, cohorts: Sequence[Cohort]) -> int: ...
    def upsert_memberships(self, memberships: Sequence[MemberOf]) -> int: ...
    def upsert_pursuits(self, pursuits: Sequence[Pursues]) -> int: ...
    def upsert_help(self, helps: Sequence[Helped]) -> int: ...
    def upsert_referrals(self, referrals: Sequence[Referred]) -> int: ...

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

    def memberships_of_families(self, family_ids: Sequence[str]) -> dict[str, list[MemberOf]]:
        """Memberships (any status) of each family, keyed by family id."""

    def members_of_cohorts(self, cohort_ids: Sequence[str]) -> dict[str, list[MemberOf]]:
        """Memberships (any status) of each cohort, keyed by cohort id, in family-id order."""

    def pursuits_of(self, family_ids: Sequence[str]) -> dict[str, list[Pursues]]: ...

    def help_of(self, family_ids: Sequence[str]) -> dict[str, list[Helped]]:
        """Every help exchange given or received by each family, ordered by (at, id)."""

    def referrer_of(self, family_ids: Sequence[str]) -> dict[str, Referred]: ...

    def referral_subtree(self, root_id: str, *, max_depth: int | None = None) -> list[Referred]:
        """REFERRED edges of the cascade below ``root_id`` (breadth-first order)."""

    def neighbourhood(self, family_id: str, *, hops: int = 1) -> set[str]:
        """Families within ``hops`` help/referral/cohort ties of ``family_id`` (excluded)."""

    def subgraph(self, region_ids: tuple[str, ...] | None = None) -> FamilyGraph:
        """The :data:`FamilyGraph` of the families of ``region_ids`` (None: everyone) and
        the edges among them."""

    def counts(self) -> dict[str, int]:
        """Number of nodes per label and relationships per type (all labels and types)."""

    def delete_family(self, family_id: str) -> bool:
        """Remove a family and every relationship attached to it; False if it did not exist."""


class UpsertsViaWrite:
    """The eight ``upsert_*`` methods of the contract, each one :meth:`GraphStore.write` of a
    one-part change set (so every store validates and writes them the same way)."""

    def write(self, changes: ChangeSet) -> None:
        raise NotImplementedError

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
