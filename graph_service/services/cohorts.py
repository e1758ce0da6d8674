"""Self-formed cohorts: create one, invite families, accept or decline, leave.

Program rules (DESIGN.md, configurable in settings): a member may invite at most
``invitations_per_member`` families (default 2) until the cohort has ``cohort_full_size``
(default 8) members and open invitations; a cohort turns ``active`` once ``cohort_min_size``
(default 6) members have joined. A family belongs to at most one active cohort at a time.
Accepting an invitation is how a family is brought in: it records the REFERRED edge from the
inviter, unless the family already has a referrer (it joined the program earlier).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from graph_service.auth import Principal
from graph_service.errors import Conflict, Forbidden, NotFound
from graph_service.services.access import Action
from graph_service.services.common import (
    active_cohorts,
    authorized_family,
    cohort_or_404,
    family_or_404,
)
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet, GraphStore
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

_OPEN = (MembershipStatus.ACTIVE, MembershipStatus.INVITED)


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
    if active_cohorts(store, family_id):
        raise Conflict("leave your current cohort before starting a new one", field="name")
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
    store.write(ChangeSet(cohorts=[cohort], memberships=[member]))
    return cohort


def _members(store: GraphStore, cohort_id: str) -> list[MemberOf]:
    return store.members_of_cohorts([cohort_id]).get(cohort_id, [])


def invite_family(
    store: GraphStore, settings: Settings, principal: Principal, cohort_id: str, invitee_id: str
) -> MemberOf:
    inviter = _family_principal(principal)
    cohort_or_404(store, cohort_id)
    members = _members(store, cohort_id)
    status = {m.family_id: m.status for m in members}
    if status.get(inviter) is not MembershipStatus.ACTIVE:
        raise Forbidden("only active members of this cohort may invite", field="cohortId")
    authorized_family(store, principal, Action.INVITE, invitee_id)
    if status.get(invitee_id) in _OPEN:
        raise Conflict("that family is already a member or invited", field="familyId")
    if active_cohorts(store, invitee_id):
        raise Conflict("that family already belongs to an active cohort", field="familyId")
    mine = sum(1 for m in members if m.invited_by == inviter and m.status in _OPEN)
    if mine >= settings.invitations_per_member:
        raise Conflict(
            f"each member may invite at most {settings.invitations_per_member} families",
            field="familyId",
        )
    if sum(1 for m in members if m.status in _OPEN) >= settings.cohort_full_size:
        raise Conflict(
            f"the cohort is full ({settings.cohort_full_size} members and invitations)",
            field="cohortId",
        )
    invitation = MemberOf(
        family_id=invitee_id,
        cohort_id=cohort_id,
        since=today(),
        status=MembershipStatus.INVITED,
        invited_by=inviter,
    )
    store.write(ChangeSet(memberships=[invitation]))
    return invitation


def _invitation(store: GraphStore, family_id: str, cohort_id: str) -> MemberOf:
    for m in _members(store, cohort_id):
        if m.family_id == family_id and m.status is MembershipStatus.INVITED:
            return m
    raise NotFound("you have no open invitation to this cohort", field="cohortId")


def _ancestors(store: GraphStore, family_id: str, limit: int = 10_000) -> set[str]:
    seen = {family_id}
    node = family_id
    for _ in range(limit):
        ref = store.referrer_of([node]).get(node)
        if ref is None or ref.from_id in seen:
            break
        seen.add(ref.from_id)
        node = ref.from_id
    return seen


def accept_invitation(
    store: GraphStore, settings: Settings, principal: Principal, cohort_id: str
) -> MemberOf:
    family_id = _family_principal(principal)
    cohort = cohort_or_404(store, cohort_id)
    invitation = _invitation(store, family_id, cohort_id)
    if active_cohorts(store, family_id):
        raise Conflict("leave your current cohort before joining another", field="cohortId")
    joined = invitation.model_copy(update={"status": MembershipStatus.ACTIVE, "since": today()})
    referrals: list[Referred] = []
    inviter = invitation.invited_by
    if (
        inviter is not None
        and not store.referrer_of([family_id])
        and family_id not in _ancestors(store, inviter)
    ):
        referrals.append(Referred(from_id=inviter, to_id=family_id, at=today()))
    active = sum(1 for m in _members(store, cohort_id) if m.status is MembershipStatus.ACTIVE)
    cohorts: list[Cohort] = []
    if cohort.status is CohortStatus.FORMING and active + 1 >= settings.cohort_min_size:
        cohorts.append(cohort.model_copy(update={"status": CohortStatus.ACTIVE}))
    store.write(ChangeSet(cohorts=cohorts, memberships=[joined], referrals=referrals))
    return joined


def decline_invitation(store: GraphStore, principal: Principal, cohort_id: str) -> MemberOf:
    family_id = _family_principal(principal)
    invitation = _invitation(store, family_id, cohort_id)
    declined = invitation.model_copy(update={"status": MembershipStatus.LEFT})
    store.write(ChangeSet(memberships=[declined]))
    return declined


def leave_cohort(store: GraphStore, principal: Principal, cohort_id: str) -> MemberOf:
    family_id = _family_principal(principal)
    cohort_or_404(store, cohort_id)
    current = next((m for m in _members(store, cohort_id) if m.family_id == family_id), None)
    if current is None or current.status is not MembershipStatus.ACTIVE:
        raise NotFound("you are not an active member of this cohort", field="cohortId")
    left = current.model_copy(update={"status": MembershipStatus.LEFT})
    store.write(ChangeSet(memberships=[left]))
    return left
