"""Checking a change set's preconditions (:mod:`models.rules`) inside the write transaction.

Both stores call one function here, as the first step of their write transaction once it holds
the write lock, before anything of the change is written:

- Neo4j: :func:`check_in_neo4j` in ``Neo4jStore.write``'s transaction function, right after the
  data-version bump. The bump writes the one ``Meta`` node and so holds its exclusive lock
  until the transaction ends; every write transaction of the graph (``Neo4jStore.write`` and
  ``Neo4jStore._write``) bumps it first, so writers run one at a time and the checks (Neo4j's
  read-committed reads) see every transaction committed before this one, and nothing can
  commit between the check and this transaction's commit. No further node locks are needed.
- Embedded: :func:`check_in_sqlite` in ``EmbeddedStore._write_tables`` right after
  ``BEGIN IMMEDIATE`` (which takes SQLite's write lock, across processes too), with SQL against
  the tables (not the in-memory copy, which another process's writes do not update).

A precondition that does not hold raises :class:`RuleBroken` (a
:class:`~graph_service.errors.Conflict`: ``extensions.code`` CONFLICT, with the rule's field
and message); the store's transaction is rolled back, so nothing of the change is written, not
even the data-version bump or the change-feed entry.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from graph_service.errors import Conflict
from models.rules import (
    ActiveFewerThan,
    ActiveMember,
    CohortHasPlace,
    FamilyExists,
    FamilyIsNew,
    HasBaseline,
    IntroductionsFewerThan,
    IntroductionStatusIn,
    InvitationPending,
    InvitedFewerThan,
    NoActiveCohort,
    NoOpenIntroduction,
    NoProposalInvitation,
    NoReferrer,
    NotInCohort,
    NotVerified,
    Precondition,
    ProposalPending,
    PursuitOpen,
    ReportLatestIs,
    ReportMonthFree,
)
from queries import cypher

if TYPE_CHECKING:
    from neo4j import ManagedTransaction


class RuleBroken(Conflict):
    """A precondition of a change did not hold when the store checked it (CONFLICT)."""

    def __init__(self, precondition: Precondition) -> None:
        super().__init__(precondition.message, field=precondition.field)
        self.precondition = precondition


# One check per precondition type: the Cypher file (queries/precondition_<name>.cypher), the
# SQL (fixed text; values only as named parameters), and the parameters both take. The SQL
# reads each membership's status and inviter from its stored JSON (``data``).
_OPEN = "json_extract(data, '$.status') IN ('active', 'invited')"
_ACTIVE = "json_extract(data, '$.status') = 'active'"


def _family(p: Any) -> dict[str, Any]:
    return {"familyId": p.family_id}


def _family_cohort(p: Any) -> dict[str, Any]:
    return {"familyId": p.family_id, "cohortId": p.cohort_id}


_CHECKS: dict[type[Precondition], tuple[str, str, Callable[[Any], dict[str, Any]]]] = {
    FamilyIsNew: (
        "family_is_new",
        "SELECT NOT EXISTS (SELECT 1 FROM families WHERE id = :familyId)",
        _family,
    ),
    FamilyExists: (
        "family_exists",
        "SELECT EXISTS (SELECT 1 FROM families WHERE id = :familyId)",
        _family,
    ),
    NoActiveCohort: (
        "no_active_cohort",
        f"SELECT NOT EXISTS (SELECT 1 FROM memberships WHERE family_id = :familyId AND {_ACTIVE})",  # noqa: S608 - module constants, no input
        _family,
    ),
    NotInCohort: (
        "not_in_cohort",
        "SELECT NOT EXISTS (SELECT 1 FROM memberships "  # noqa: S608 - module constants, no input
        f"WHERE family_id = :familyId AND cohort_id = :cohortId AND {_OPEN})",
        _family_cohort,
    ),
    ActiveMember: (
        "active_member",
        "SELECT EXISTS (SELECT 1 FROM memberships "  # noqa: S608 - module constants, no input
        f"WHERE family_id = :familyId AND cohort_id = :cohortId AND {_ACTIVE})",
        _family_cohort,
    ),
    InvitedFewerThan: (
        "invited_fewer_than",
        "SELECT count(*) < :limit FROM memberships WHERE cohort_id = :cohortId "  # noqa: S608 - module constants, no input
        f"AND json_extract(data, '$.invitedBy') = :inviterId AND {_OPEN}",
        lambda p: {"inviterId": p.inviter_id, "cohortId": p.cohort_id, "limit": p.limit},
    ),
    CohortHasPlace: (
        "cohort_has_place",
        f"SELECT count(*) < :fullSize FROM memberships WHERE cohort_id = :cohortId AND {_OPEN}",  # noqa: S608 - module constants, no input
        lambda p: {"cohortId": p.cohort_id, "fullSize": p.full_size},
    ),
    InvitationPending: (
        "invitation_pending",
        "SELECT EXISTS (SELECT 1 FROM memberships WHERE family_id = :familyId "
        "AND cohort_id = :cohortId AND json_extract(data, '$.status') = 'invited' "
        "AND (:invitedBy IS NULL OR json_extract(data, '$.invitedBy') = :invitedBy))",
        lambda p: {**_family_cohort(p), "invitedBy": p.invited_by},
    ),
    ActiveFewerThan: (
        "active_fewer_than",
        f"SELECT count(*) < :count FROM memberships WHERE cohort_id = :cohortId AND {_ACTIVE}",  # noqa: S608 - module constants, no input
        lambda p: {"cohortId": p.cohort_id, "count": p.count},
    ),
    NoReferrer: (
        "no_referrer",
        "SELECT NOT EXISTS (SELECT 1 FROM referrals WHERE to_id = :familyId)",
        _family,
    ),
    NoProposalInvitation: (
        "no_proposal_invitation",
        "SELECT NOT EXISTS (SELECT 1 FROM memberships AS m JOIN cohorts AS c ON c.id = m.cohort_id "
        "WHERE m.family_id IN (SELECT value FROM json_each(:familyIds)) "
        "AND json_extract(m.data, '$.status') = 'invited' "
        "AND json_extract(c.data, '$.origin') = 'proposed' "
        "AND m.cohort_id NOT IN (SELECT value FROM json_each(:exceptCohorts)))",
        lambda p: {"familyIds": list(p.family_ids), "exceptCohorts": list(p.except_cohorts)},
    ),
    ProposalPending: (
        "proposal_pending",
        "SELECT EXISTS (SELECT 1 FROM proposals WHERE id = :proposalId "
        "AND json_extract(data, '$.status') = 'pending')",
        lambda p: {"proposalId": p.proposal_id},
    ),
    NoOpenIntroduction: (
        "no_open_introduction",
        "SELECT NOT EXISTS (SELECT 1 FROM introductions WHERE "
        "((from_id = :familyA AND to_id = :familyB) OR (from_id = :familyB AND to_id = :familyA)) "
        "AND json_extract(data, '$.status') IN ('requested', 'accepted'))",
        lambda p: {"familyA": p.family_a, "familyB": p.family_b},
    ),
    IntroductionsFewerThan: (
        "introductions_fewer_than",
        "SELECT count(*) < :limit FROM introductions WHERE from_id = :familyId "
        "AND json_extract(data, '$.requestedOn') = :day",
        lambda p: {"familyId": p.family_id, "day": p.day, "limit": p.limit},
    ),
    IntroductionStatusIn: (
        "introduction_status_in",
        "SELECT EXISTS (SELECT 1 FROM introductions WHERE id = :introductionId "
        "AND json_extract(data, '$.status') IN (SELECT value FROM json_each(:statusesJson)))",
        lambda p: {
            "introductionId": p.introduction_id,
            "statuses": list(p.statuses),  # Cypher: a list
            "statusesJson": json.dumps(list(p.statuses)),  # SQLite: json_each of a JSON text
        },
    ),
    ReportMonthFree: (
        "report_month_free",
        "SELECT NOT EXISTS (SELECT 1 FROM monthly_reports "
        "WHERE family_id = :familyId AND month = :month)",
        lambda p: {"familyId": p.family_id, "month": p.month},
    ),
    ReportLatestIs: (
        "report_latest_is",
        "SELECT coalesce(max(json_extract(data, '$.version')), 0) = :version "
        "FROM monthly_reports WHERE family_id = :familyId AND month = :month",
        lambda p: {"familyId": p.family_id, "month": p.month, "version": p.version},
    ),
    HasBaseline: (
        "has_baseline",
        "SELECT EXISTS (SELECT 1 FROM monthly_reports WHERE family_id = :familyId "
        "AND json_extract(data, '$.kind') = 'baseline') = :present",
        lambda p: {"familyId": p.family_id, "present": p.present},
    ),
    PursuitOpen: (
        "pursuit_open",
        "SELECT EXISTS (SELECT 1 FROM pursuits WHERE family_id = :familyId "
        "AND goal_id = :goalId AND json_extract(data, '$.status') = 'active')",
        lambda p: {"familyId": p.family_id, "goalId": p.goal_id},
    ),
    NotVerified: (
        "not_verified",
        "SELECT NOT EXISTS (SELECT 1 FROM verifications WHERE report_id = :reportId)",
        lambda p: {"reportId": p.report_id},
    ),
}


def unchecked_types(types: Sequence[type[Precondition]]) -> list[str]:
    """Precondition types without a check here (a test keeps it empty)."""
    return [t.__name__ for t in types if t not in _CHECKS]


def check_in_sqlite(conn: sqlite3.Connection, preconditions: Sequence[Precondition]) -> None:
    """Raise :class:`RuleBroken` for the first of ``preconditions`` that does not hold in the
    SQLite tables (call inside the write transaction, after ``BEGIN IMMEDIATE``)."""
    for precondition in preconditions:
        _, sql, params = _CHECKS[type(precondition)]
        values = {  # SQLite binds no lists: a list travels as one JSON array (json_each)
            k: json.dumps(v) if isinstance(v, list) else v for k, v in params(precondition).items()
        }
        if not conn.execute(sql, values).fetchone()[0]:
            raise RuleBroken(precondition)


def check_in_neo4j(tx: ManagedTransaction, preconditions: Sequence[Precondition]) -> None:
    """Raise :class:`RuleBroken` for the first of ``preconditions`` that does not hold in the
    graph (call inside the write transaction, after the data-version bump)."""
    for precondition in preconditions:
        name, _, params = _CHECKS[type(precondition)]
        query = cypher(f"precondition_{name}")  # a registry name, not input
        if not tx.run(query, params(precondition)).single(strict=True)["holds"]:
            raise RuleBroken(precondition)
