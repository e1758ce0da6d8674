"""The one registry of record kinds: what each kind is, how it is keyed, stored and ordered.

Every part of the service that handles records by kind derives what it needs from
:data:`KINDS` instead of listing the kinds by hand: :class:`~graph_service.stores.base.ChangeSet`
(its parts, in write order), the embedded store (its tables and keys), the Neo4j store (its
upsert statements), the change feed (how a change set is serialised), the read model (which
handler applies a kind to the projection) and the loaders (file names and JSON Lines types).

A new kind (a monthly report, a payment) is one more :class:`RecordKind` here plus its model,
its Cypher files and its projection handler; a test checks that each registered kind has all
of them.

>>> [kind.name for kind in KINDS if kind.projected]  # doctest: +NORMALIZE_WHITESPACE
['region', 'goal', 'family', 'cohort', 'proposal', 'membership', 'pursuit', 'help',
 'referral', 'introduction']
>>> [kind.name for kind in KINDS if not kind.projected]
['report', 'action', 'verification']
>>> KIND["membership"].key(MemberOf(family_id="f1", cohort_id="c1", since="2025-01-01"))
('f1', 'c1')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

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


@dataclass(frozen=True)
class RecordKind:
    """One kind of record.

    Attributes
    ----------
    name:
        Singular name, also the ``type`` of a JSON Lines record (``"family"``).
    part:
        The :class:`ChangeSet` field holding records of this kind (``"families"``).
    model:
        The pydantic model.
    key_fields:
        Model attribute names (snake_case) whose values form the record's external key,
        unique per kind (a family has one referrer, so a referral is keyed by ``to_id``).
    table:
        The embedded store's table; its key columns are ``key_fields`` plus ``extra_columns``.
    extra_columns:
        Further indexed columns of the embedded table (a help exchange's endpoints).
    graph_name:
        The Neo4j label or relationship type.
    projected:
        Whether the read model's network projection holds records of this kind (the journal
        kinds are read from the store by their services; the network analytics never use
        them).
    upsert:
        Name of the ``queries/*.cypher`` statement that writes a batch of this kind.
    references:
        ``(field, kind)`` pairs: each record's ``field`` must name an existing record of
        ``kind`` (checked inside the write transaction by both stores).
    """

    name: str
    part: str
    model: type[DomainModel]
    key_fields: tuple[str, ...]
    table: str
    graph_name: str
    upsert: str
    extra_columns: tuple[str, ...] = ()
    references: tuple[tuple[str, str], ...] = ()
    is_node: bool = True
    projected: bool = True

    def key(self, record: Any) -> tuple[str, ...]:
        """The external key of ``record`` (a tuple of its ``key_fields`` values)."""
        return tuple(str(getattr(record, name)) for name in self.key_fields)

    def columns(self, record: Any) -> tuple[str, ...]:
        """Values of the embedded table's key and extra columns for ``record``."""
        return tuple(str(getattr(record, name)) for name in (*self.key_fields, *self.extra_columns))

    def parse(self, data: Mapping[str, Any]) -> DomainModel:
        """The record stored as ``data`` (camelCase JSON, as :meth:`DomainModel.to_record`)."""
        return self.model.model_validate(data)


KINDS: tuple[RecordKind, ...] = (
    RecordKind("region", "regions", Region, ("id",), "regions", "Region", "upsert_regions"),
    RecordKind("goal", "goals", Goal, ("id",), "goals", "Goal", "upsert_goals"),
    RecordKind(
        "family",
        "families",
        Family,
        ("id",),
        "families",
        "Family",
        "upsert_families",
        references=(("region_id", "region"),),
    ),
    RecordKind(
        "cohort",
        "cohorts",
        Cohort,
        ("id",),
        "cohorts",
        "Cohort",
        "upsert_cohorts",
        references=(("region_id", "region"), ("focus_goals", "goal")),
    ),
    RecordKind(
        "proposal",
        "proposals",
        CohortProposal,
        ("id",),
        "proposals",
        "CohortProposal",
        "upsert_proposals",
        references=(("region_id", "region"), ("cohort_ids", "cohort")),
    ),
    RecordKind(
        "membership",
        "memberships",
        MemberOf,
        ("family_id", "cohort_id"),
        "memberships",
        "MEMBER_OF",
        "upsert_memberships",
        references=(("family_id", "family"), ("cohort_id", "cohort")),
        is_node=False,
    ),
    RecordKind(
        "pursuit",
        "pursuits",
        Pursues,
        ("family_id", "goal_id"),
        "pursuits",
        "PURSUES",
        "upsert_pursuits",
        references=(("family_id", "family"), ("goal_id", "goal")),
        is_node=False,
    ),
    RecordKind(
        "help",
        "helps",
        Helped,
        ("id",),
        "help",
        "HELPED",
        "upsert_help",
        extra_columns=("from_id", "to_id"),
        references=(("from_id", "family"), ("to_id", "family")),
        is_node=False,
    ),
    RecordKind(
        "referral",
        "referrals",
        Referred,
        ("to_id",),
        "referrals",
        "REFERRED",
        "upsert_referrals",
        extra_columns=("from_id",),
        references=(("from_id", "family"), ("to_id", "family")),
        is_node=False,
    ),
    RecordKind(
        "introduction",
        "introductions",
        Introduction,
        ("id",),
        "introductions",
        "INTRODUCTION",
        "upsert_introductions",
        extra_columns=("from_id", "to_id"),
        references=(("from_id", "family"), ("to_id", "family")),
        is_node=False,
    ),
    # The journal (models/journal.py): (Family)-[:REPORTED]->(MonthlyReport),
    # (Family)-[:TOOK]->(Action)-[:TOWARD]->(Goal), (Verification)-[:OF]->(MonthlyReport).
    RecordKind(
        "report",
        "reports",
        MonthlyReport,
        ("id",),
        "monthly_reports",
        "MonthlyReport",
        "upsert_reports",
        extra_columns=("family_id", "month"),
        references=(("family_id", "family"), ("help_ids", "help")),
        projected=False,
    ),
    RecordKind(
        "action",
        "actions",
        Action,
        ("id",),
        "actions",
        "Action",
        "upsert_actions",
        extra_columns=("family_id",),
        references=(("family_id", "family"), ("goal_id", "goal")),
        projected=False,
    ),
    RecordKind(
        "verification",
        "verifications",
        Verification,
        ("id",),
        "verifications",
        "Verification",
        "upsert_verifications",
        extra_columns=("report_id", "family_id"),
        references=(("report_id", "report"),),
        projected=False,
    ),
)
"""Every kind, in write order: a record may refer only to kinds before it."""

KIND: dict[str, RecordKind] = {kind.name: kind for kind in KINDS}
KIND_OF_PART: dict[str, RecordKind] = {kind.part: kind for kind in KINDS}
KIND_OF_MODEL: dict[type[DomainModel], RecordKind] = {kind.model: kind for kind in KINDS}
NODE_KINDS = tuple(kind for kind in KINDS if kind.is_node)
JOURNAL_KINDS = tuple(kind for kind in KINDS if not kind.projected)


def referenced_ids(kind: RecordKind, field: str, record: Any) -> tuple[str, ...]:
    """The ids ``record`` refers to through ``field`` (a list field gives several)."""
    value = getattr(record, field)
    if value is None:  # an optional reference not given
        return ()
    if isinstance(value, tuple | list):
        return tuple(str(v) for v in value)
    return (str(value),)


class NetworkRecords(Protocol):
    """Anything holding a network's records by kind (a demo network, a synthetic network)."""

    @property
    def regions(self) -> Iterable[Region]: ...
    @property
    def goals(self) -> Iterable[Goal]: ...
    @property
    def families(self) -> Iterable[Family]: ...
    @property
    def cohorts(self) -> Iterable[Cohort]: ...
    @property
    def memberships(self) -> Iterable[MemberOf]: ...
    @property
    def pursuits(self) -> Iterable[Pursues]: ...
    @property
    def helps(self) -> Iterable[Helped]: ...
    @property
    def referrals(self) -> Iterable[Referred]: ...
