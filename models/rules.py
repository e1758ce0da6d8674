"""Rules that span records: one referrer per family, no referral cycles, and the program's
rules as preconditions of a write (one active cohort, invitations per member, cohort size).

These are checked on a whole batch against what a store already holds, before anything is
written, so a batch that would break them is rejected whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from models.errors import FieldProblem, ValidationFailed
from models.relationships import Referred


def check_referrals(existing_referrer: Mapping[str, str], batch: Iterable[Referred]) -> None:
    """Raise :class:`ValidationFailed` if ``batch`` gives a family a second referrer or closes
    a cycle. ``existing_referrer`` maps a referred family to its referrer as stored now.

    Re-sending an edge that is already stored (same pair) is fine: writes are idempotent.

    >>> check_referrals({"b": "a"}, [Referred(from_id="b", to_id="c", at="2025-01-01")])
    >>> check_referrals({"b": "a"}, [Referred(from_id="b", to_id="a", at="2025-01-01")])
    Traceback (most recent call last):
    ...
    models.errors.ValidationFailed: referral b->a: toId: would close a referral cycle (a -> b -> a)
    """
    parent: dict[str, str] = dict(existing_referrer)
    for edge in batch:
        label = f"referral {edge.from_id}->{edge.to_id}"
        current = parent.get(edge.to_id)
        if current is not None and current != edge.from_id:
            raise ValidationFailed(
                [FieldProblem("toId", f"family {edge.to_id!r} already has referrer {current!r}")],
                record=label,
            )
        if current is None:
            path = referral_path(parent.get, edge.from_id)
            if edge.to_id in path:
                cycle = " -> ".join([*reversed(path[: path.index(edge.to_id) + 1]), edge.to_id])
                raise ValidationFailed(
                    [FieldProblem("toId", f"would close a referral cycle ({cycle})")],
                    record=label,
                )
            parent[edge.to_id] = edge.from_id


def referral_path(referrer: Callable[[str], str | None], start: str) -> list[str]:
    """``start`` and its referrers up to the root, nearest first; ``referrer`` names the
    referrer of a family (``None`` or ``""`` for none). Stops before a family seen already.

    >>> referral_path({"c": "b", "b": "a"}.get, "c")
    ['c', 'b', 'a']
    """
    path = [start]
    seen = {start}
    node = start
    while (node := referrer(node) or "") and node not in seen:
        path.append(node)
        seen.add(node)
    return path


# Preconditions: the program rules a write relies on --------------------------------------------
# A service does not read, check, then write: it sends the rules its change relies on with the
# change (``ChangeSet.preconditions``), and the store checks them inside the write transaction,
# against the graph as it is when the transaction holds its lock (graph_service/stores/
# preconditions.py). Two concurrent requests therefore cannot both pass a check that only one of
# them may pass. A failed precondition is a CONFLICT with ``field`` and ``message``, and nothing
# of the change is written.
#
# Counting (as the program counts): a cohort's *places* are its memberships that are ``active``
# or ``invited``; an *invitation of a member* is a membership of that cohort whose ``invitedBy``
# is the member and whose status is ``active`` or ``invited``; a family's *active cohorts* are
# the cohorts where its membership is ``active``.


@dataclass(frozen=True)
class Precondition:
    """Base of every precondition: what to report when it does not hold.

    ``stale_read``: the rule fails only because the graph changed after the service read it
    (a decision the service made from its read is no longer right); the service may read again
    and retry instead of answering CONFLICT.
    """

    field: str
    message: str

    stale_read: ClassVar[bool] = False


@dataclass(frozen=True, init=False)
class FamilyIsNew(Precondition):
    """No family with ``family_id`` exists yet (registration).

    >>> FamilyIsNew("ana").message
    "family 'ana' already exists"
    """

    family_id: str

    def __init__(self, family_id: str, field: str = "id", message: str = "") -> None:
        object.__setattr__(self, "family_id", family_id)
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "message", message or f"family {family_id!r} already exists")


@dataclass(frozen=True, init=False)
class FamilyExists(Precondition):
    """A family with ``family_id`` exists (an update or an erasure of a family read before
    the write: a concurrent erasure makes it fail instead of writing the family back).

    >>> FamilyExists("ana").field
    'familyId'
    """

    family_id: str

    def __init__(self, family_id: str, field: str = "familyId", message: str = "") -> None:
        object.__setattr__(self, "family_id", family_id)
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "message", message or "this family no longer exists")


@dataclass(frozen=True, init=False)
class NoActiveCohort(Precondition):
    """``family_id`` is an active member of no cohort (one active cohort per family)."""

    family_id: str

    def __init__(self, family_id: str, field: str, message: str) -> None:
        object.__setattr__(self, "family_id", family_id)
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "message", message)


@dataclass(frozen=True, init=False)
class NotInCohort(Precondition):
    """``family_id`` is neither an active member of ``cohort_id`` nor invited to it."""

    family_id: str
    cohort_id: str

    def __init__(self, family_id: str, cohort_id: str, field: str = "familyId") -> None:
        object.__setattr__(self, "family_id", family_id)
        object.__setattr__(self, "cohort_id", cohort_id)
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "message", "that family is already a member or invited")


@dataclass(frozen=True, init=False)
class ActiveMember(Precondition):
    """``family_id`` is an active member of ``cohort_id``."""

    family_id: str
    cohort_id: str

    def __init__(self, family_id: str, cohort_id: str, field: str, message: str) -> None:
        object.__setattr__(self, "family_id", family_id)
        object.__setattr__(self, "cohort_id", cohort_id)
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "message", message)


@dataclass(frozen=True, init=False)
class InvitedFewerThan(Precondition):
    """Member ``inviter_id`` has fewer than ``limit`` open invitations in ``cohort_id``.

    >>> InvitedFewerThan("ana", "c1", 2).message
    'each member may invite at most 2 families'
    """

    inviter_id: str
    cohort_id: str
    limit: int

    def __init__(self, inviter_id: str, cohort_id: str, limit: int) -> None:
        object.__setattr__(self, "inviter_id", inviter_id)
        object.__setattr__(self, "cohort_id", cohort_id)
        object.__setattr__(self, "limit", limit)
        object.__setattr__(self, "field", "familyId")
        object.__setattr__(self, "message", f"each member may invite at most {limit} families")


@dataclass(frozen=True, init=False)
class CohortHasPlace(Precondition):
    """``cohort_id`` has fewer than ``full_size`` places taken (active + invited)."""

    cohort_id: str
    full_size: int

    def __init__(self, cohort_id: str, full_size: int) -> None:
        object.__setattr__(self, "cohort_id", cohort_id)
        object.__setattr__(self, "full_size", full_size)
        object.__setattr__(self, "field", "cohortId")
        object.__setattr__(
            self, "message", f"the cohort is full ({full_size} members and invitations)"
        )


@dataclass(frozen=True, init=False)
class InvitationPending(Precondition):
    """``family_id`` has an open (``invited``) membership of ``cohort_id``, from ``invited_by``
    (``None``: from anyone)."""

    family_id: str
    cohort_id: str
    invited_by: str | None

    def __init__(self, family_id: str, cohort_id: str, invited_by: str | None = None) -> None:
        object.__setattr__(self, "family_id", family_id)
        object.__setattr__(self, "cohort_id", cohort_id)
        object.__setattr__(self, "invited_by", invited_by)
        object.__setattr__(self, "field", "cohortId")
        object.__setattr__(self, "message", "this invitation is no longer open")


@dataclass(frozen=True, init=False)
class ActiveFewerThan(Precondition):
    """``cohort_id`` has fewer than ``count`` active members: the service decided from its read
    that the cohort stays ``forming`` (a stale read if members joined meanwhile)."""

    cohort_id: str
    count: int

    stale_read: ClassVar[bool] = True

    def __init__(self, cohort_id: str, count: int) -> None:
        object.__setattr__(self, "cohort_id", cohort_id)
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "field", "cohortId")
        object.__setattr__(self, "message", "the cohort changed while you joined; try again")


@dataclass(frozen=True, init=False)
class NoReferrer(Precondition):
    """``family_id`` has no referrer yet (one referrer per family; the service decided from its
    read to record one)."""

    family_id: str

    stale_read: ClassVar[bool] = True

    def __init__(self, family_id: str, field: str = "familyId") -> None:
        object.__setattr__(self, "family_id", family_id)
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "message", "this family was just brought in by someone else")


# Journal rules (models/journal.py) -------------------------------------------------------------
@dataclass(frozen=True, init=False)
class ReportMonthFree(Precondition):
    """``family_id`` has no report (any version) for ``month`` yet: one report per family and
    month; a change after submission is a correction (a new version).

    >>> ReportMonthFree("ana", "2026-03").message
    'a report for 2026-03 is already in; correct it instead'
    """

    family_id: str
    month: str

    def __init__(self, family_id: str, month: str) -> None:
        object.__setattr__(self, "family_id", family_id)
        object.__setattr__(self, "month", month)
        object.__setattr__(self, "field", "month")
        object.__setattr__(
            self, "message", f"a report for {month} is already in; correct it instead"
        )


@dataclass(frozen=True, init=False)
class ReportLatestIs(Precondition):
    """The latest stored version of ``family_id``'s report for ``month`` is ``version`` (a
    correction is made on the latest version; two concurrent corrections cannot both be
    version ``version + 1``)."""

    family_id: str
    month: str
    version: int

    def __init__(self, family_id: str, month: str, version: int) -> None:
        object.__setattr__(self, "family_id", family_id)
        object.__setattr__(self, "month", month)
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "field", "month")
        object.__setattr__(self, "message", "this report changed meanwhile; read it again")


@dataclass(frozen=True, init=False)
class HasBaseline(Precondition):
    """``family_id`` has (``present``) or has not (not ``present``) a baseline report: the
    baseline comes first, and once."""

    family_id: str
    present: bool

    def __init__(self, family_id: str, present: bool) -> None:
        object.__setattr__(self, "family_id", family_id)
        object.__setattr__(self, "present", present)
        object.__setattr__(self, "field", "kind")
        message = (
            "submit the baseline before monthly reports"
            if present
            else "the baseline is already in; correct it instead"
        )
        object.__setattr__(self, "message", message)


@dataclass(frozen=True, init=False)
class PursuitOpen(Precondition):
    """``family_id`` pursues ``goal_id`` and has not reached it yet (recording the goal as
    achieved from the journal)."""

    family_id: str
    goal_id: str

    def __init__(self, family_id: str, goal_id: str) -> None:
        object.__setattr__(self, "family_id", family_id)
        object.__setattr__(self, "goal_id", goal_id)
        object.__setattr__(self, "field", "goalId")
        object.__setattr__(self, "message", "this goal is not one you are working toward")


@dataclass(frozen=True, init=False)
class NotVerified(Precondition):
    """Report version ``report_id`` has no verification yet (staff check a version once)."""

    report_id: str

    def __init__(self, report_id: str) -> None:
        object.__setattr__(self, "report_id", report_id)
        object.__setattr__(self, "field", "reportId")
        object.__setattr__(self, "message", "this report was already checked")


# Introductions (models/introductions.py) ----------------------------------------------------


@dataclass(frozen=True, init=False)
class NoOpenIntroduction(Precondition):
    """No ``requested`` or ``accepted`` introduction links ``family_a`` and ``family_b``,
    in either direction (no duplicate request)."""

    family_a: str
    family_b: str

    def __init__(self, family_a: str, family_b: str) -> None:
        object.__setattr__(self, "family_a", family_a)
        object.__setattr__(self, "family_b", family_b)
        object.__setattr__(self, "field", "toId")
        object.__setattr__(
            self, "message", "an introduction between you and this family is already open"
        )


@dataclass(frozen=True, init=False)
class IntroductionsFewerThan(Precondition):
    """``family_id`` asked for fewer than ``limit`` introductions on ``day`` (ISO date)."""

    family_id: str
    day: str
    limit: int

    def __init__(self, family_id: str, day: str, limit: int) -> None:
        object.__setattr__(self, "family_id", family_id)
        object.__setattr__(self, "day", day)
        object.__setattr__(self, "limit", limit)
        object.__setattr__(self, "field", "toId")
        object.__setattr__(
            self, "message", f"at most {limit} introduction requests a day; try again tomorrow"
        )


@dataclass(frozen=True, init=False)
class IntroductionStatusIn(Precondition):
    """Introduction ``introduction_id`` still has one of ``statuses`` (answered once;
    withdrawn once)."""

    introduction_id: str
    statuses: tuple[str, ...]

    def __init__(self, introduction_id: str, statuses: tuple[str, ...]) -> None:
        object.__setattr__(self, "introduction_id", introduction_id)
        object.__setattr__(self, "statuses", statuses)
        object.__setattr__(self, "field", "id")
        object.__setattr__(self, "message", "this introduction is no longer open")


# Cohort proposals (services/proposals.py) ----------------------------------------------------


@dataclass(frozen=True, init=False)
class NoProposalInvitation(Precondition):
    """None of ``family_ids`` has an open (``invited``) membership of a proposed cohort other
    than ``except_cohorts`` (the cohorts of the proposals this change replaces): a family is
    never invited by two pending proposals at once."""

    family_ids: tuple[str, ...]
    except_cohorts: tuple[str, ...]

    def __init__(self, family_ids: Sequence[str], except_cohorts: Sequence[str] = ()) -> None:
        object.__setattr__(self, "family_ids", tuple(family_ids))
        object.__setattr__(self, "except_cohorts", tuple(except_cohorts))
        object.__setattr__(self, "field", "familyIds")
        object.__setattr__(
            self,
            "message",
            "some of these families are invited by another pending proposal; withdraw it, or "
            "ask to replace it",
        )


@dataclass(frozen=True, init=False)
class ProposalPending(Precondition):
    """Proposal ``proposal_id`` exists and is still ``pending`` (withdrawing or replacing it
    twice, concurrently, must not both pass)."""

    proposal_id: str

    def __init__(self, proposal_id: str, field: str = "id") -> None:
        object.__setattr__(self, "proposal_id", proposal_id)
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "message", "this proposal is no longer pending")


PRECONDITIONS: tuple[type[Precondition], ...] = (
    FamilyIsNew,
    FamilyExists,
    NoActiveCohort,
    NotInCohort,
    ActiveMember,
    InvitedFewerThan,
    CohortHasPlace,
    InvitationPending,
    ActiveFewerThan,
    NoReferrer,
    ReportMonthFree,
    ReportLatestIs,
    HasBaseline,
    PursuitOpen,
    NotVerified,
    NoOpenIntroduction,
    IntroductionsFewerThan,
    IntroductionStatusIn,
    NoProposalInvitation,
    ProposalPending,
)
"""Every precondition type (each store checks every one of them; a test keeps it so)."""
