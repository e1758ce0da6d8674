"""Self-formed cohorts: create one, invite families, accept or decline, leave.

Program rules (docs/program.md, configurable in settings): a member may invite at most
``invitations_per_member`` families (default 2) until the cohort has ``cohort_full_size``
(default 8) members and open invitations; a cohort turns ``active`` once ``cohort_min_size``
(default 6) members have joined. A family belongs to at most one active cohort at a time.
Accepting an invitation is how a family is brought in: it records the REFERRED edge from the
inviter, unless the family already has a referrer (it joined the program earlier).

The rules are not checked here from a read: each write sends the rules it relies on as
preconditions (:mod:`models.rules`), which the store checks inside its write transaction, so
concurrent requests cannot both pass a rule only one may pass; a rule that does not hold is a
CONFLICT with its field and message, and nothing is written. Reads here only find the records
to write and decide who may ask (FORBIDDEN / NOT_FOUND).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from functools import partial

from graph_service.auth import Principal
from graph_service.errors import Forbidden, NotFound
from graph_service.services.access import Action
from graph_service.services.common import (
    authorized_family,
    cohort_or_404,
    family_or_404,
    membership,
)
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet, GraphStore
from graph_service.stores.preconditions import RuleBroken
from models import (
    Cohort,
    CohortOrigin,
    CohortStatus,
    MemberOf,
    MembershipStatus,
    Referred,
    parse,
    today,
)
from models.rules import (
    ActiveFewerThan,
    ActiveMember,
    CohortHasPlace,
    InvitationPending,
    InvitedFewerThan,
    NoActiveCohort,
    NoReferrer,
    NotInCohort,
    Precondition,
    referral_path,
)

_ONLY_MEMBERS_INVITE = "only active members of this cohort may invite"
_NOT_ACTIVE = "you are not an active member of this cohort"
# How often acceptInvitation reads again when the graph changed under a decision it took from
# its read (a stale-read precondition failed); then the last try's CONFLICT is the answer.
STALE_READ_RETRIES = 3


def _family_principal(principal: Principal, field: str = "cohortId") -> str:
    if principal.family_id is None:
        raise Forbidden("only families do this for themselves", field=field)
    return principal.family_id


def _slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "cohort"
    return f"{base}-{secrets.token_hex(3)}"


def create_cohort(
    store: GraphStore, principal: Principal, name: str, focus_goals: Sequence[str]
) -> Cohort:
    family_id = _family_principal(principal, field="name")
    family = family_or_404(store, family_id)
    cohort = parse(
        Cohort,
        {
            "id": _slug(name),
            "name": name,
            "regionId": family.region_id,
            "createdAt": today().isoformat(),
            "status": CohortStatus.FORMING,
            "origin": CohortOrigin.SELF_FORMED,
            "focusGoals": list(focus_goals),
        },
        record="input",
    )
    member = MemberOf(family_id=family_id, cohort_id=cohort.id, since=today())
    rules = [
        NoActiveCohort(family_id, "name", "leave your current cohort before starting a new one")
    ]
    store.write(ChangeSet(cohorts=[cohort], memberships=[member], preconditions=rules))
    return cohort


def _members(store: GraphStore, cohort_id: str) -> list[MemberOf]:
    return store.members_of_cohorts([cohort_id]).get(cohort_id, [])


def invite_family(
    store: GraphStore, settings: Settings, principal: Principal, cohort_id: str, invitee_id: str
) -> MemberOf:
    inviter = _family_principal(principal)
    cohort_or_404(store, cohort_id)
    mine = membership(store, inviter, cohort_id)
    if mine is None or mine.status is not MembershipStatus.ACTIVE:
        raise Forbidden(_ONLY_MEMBERS_INVITE, field="cohortId")
    authorized_family(store, principal, Action.INVITE, invitee_id)
    invitation = MemberOf(
        family_id=invitee_id,
        cohort_id=cohort_id,
        since=today(),
        status=MembershipStatus.INVITED,
        invited_by=inviter,
    )
    rules = [
        ActiveMember(inviter, cohort_id, "cohortId", _ONLY_MEMBERS_INVITE),
        NotInCohort(invitee_id, cohort_id),
        NoActiveCohort(invitee_id, "familyId", "that family already belongs to an active cohort"),
        InvitedFewerThan(inviter, cohort_id, settings.invitations_per_member),
        CohortHasPlace(cohort_id, settings.cohort_full_size),
    ]
    store.write(ChangeSet(memberships=[invitation], preconditions=rules))
    return invitation


def _invitation(store: GraphStore, family_id: str, cohort_id: str) -> MemberOf:
    """The family's open invitation to the cohort. NOT_FOUND if it was never invited; one
    already answered (accepted, declined) is a CONFLICT, as when the store finds it so."""
    found = membership(store, family_id, cohort_id)
    if found is None:
        raise NotFound("you have no open invitation to this cohort", field="cohortId")
    if found.status is not MembershipStatus.INVITED:
        raise RuleBroken(InvitationPending(family_id, cohort_id))
    return found


def _referrer(store: GraphStore, family_id: str) -> str | None:
    ref = store.referrer_of([family_id]).get(family_id)
    return ref.from_id if ref is not None else None


def accept_invitation(
    store: GraphStore, settings: Settings, principal: Principal, cohort_id: str
) -> MemberOf:
    """Join a cohort one was invited to. The decisions taken from the service's read (record
    the inviter as referrer; turn the cohort active) are sent as preconditions too; if the
    graph changed under them, the service reads again (a few times) instead of failing."""
    family_id = _family_principal(principal)
    for _ in range(STALE_READ_RETRIES):
        try:
            return _accept(store, settings, family_id, cohort_id)
        except RuleBroken as error:
            if not error.precondition.stale_read:
                raise
    return _accept(store, settings, family_id, cohort_id)


def _accept(store: GraphStore, settings: Settings, family_id: str, cohort_id: str) -> MemberOf:
    cohort = cohort_or_404(store, cohort_id)
    invitation = _invitation(store, family_id, cohort_id)
    joined = invitation.model_copy(update={"status": MembershipStatus.ACTIVE, "since": today()})
    rules: list[Precondition] = [
        InvitationPending(family_id, cohort_id, invitation.invited_by),
        NoActiveCohort(family_id, "cohortId", "leave your current cohort before joining another"),
    ]
    referrals: list[Referred] = []
    inviter = invitation.invited_by
    if (
        inviter is not None
        and not store.referrer_of([family_id])
        and family_id not in referral_path(partial(_referrer, store), inviter)
    ):
        referrals.append(Referred(from_id=inviter, to_id=family_id, at=today()))
        rules.append(NoReferrer(family_id, field="cohortId"))
    active = sum(1 for m in _members(store, cohort_id) if m.status is MembershipStatus.ACTIVE)
    cohorts: list[Cohort] = []
    if cohort.status is CohortStatus.FORMING:
        if active + 1 >= settings.cohort_min_size:
            cohorts.append(cohort.model_copy(update={"status": CohortStatus.ACTIVE}))
        else:  # stays forming: only right if nobody else joined meanwhile
            rules.append(ActiveFewerThan(cohort_id, settings.cohort_min_size - 1))
    store.write(
        ChangeSet(cohorts=cohorts, memberships=[joined], referrals=referrals, preconditions=rules)
    )
    return joined


def decline_invitation(store: GraphStore, principal: Principal, cohort_id: str) -> MemberOf:
    family_id = _family_principal(principal)
    invitation = _invitation(store, family_id, cohort_id)
    declined = invitation.model_copy(update={"status": MembershipStatus.DECLINED})
    rules = [InvitationPending(family_id, cohort_id, invitation.invited_by)]
    store.write(ChangeSet(memberships=[declined], preconditions=rules))
    return declined


def leave_cohort(store: GraphStore, principal: Principal, cohort_id: str) -> MemberOf:
    family_id = _family_principal(principal)
    cohort_or_404(store, cohort_id)
    current = membership(store, family_id, cohort_id)
    if current is None or current.status is not MembershipStatus.ACTIVE:
        raise NotFound(_NOT_ACTIVE, field="cohortId")
    left = current.model_copy(update={"status": MembershipStatus.LEFT})
    rules = [ActiveMember(family_id, cohort_id, "cohortId", _NOT_ACTIVE)]
    store.write(ChangeSet(memberships=[left], preconditions=rules))
    return left
