"""Registering families and keeping their profile, goals and consent up to date.

A family edits only itself; organizers register and edit families of their regions; admins
everything. Every function validates the whole input before it writes, and writes once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_service.auth import Principal
from graph_service.errors import Forbidden, NotFound
from graph_service.services.access import (
    NOT_FOUND_FAMILY,
    Action,
    FamilyResource,
    Viewer,
    authorize,
    decide,
    serves,
)
from graph_service.services.audit import consent_changed
from graph_service.services.common import authorized_family, viewer_of
from graph_service.stores.base import ChangeSet, GraphStore
from graph_service.stores.preconditions import RuleBroken
from models import Consent, Family, GoalStatus, Pursues, parse, today
from models.rules import FamilyExists, FamilyIsNew


def register_family(store: GraphStore, principal: Principal, data: Mapping[str, Any]) -> Family:
    """Create a family (organizers for their regions, admins). Existing id -> CONFLICT."""
    authorize(Viewer(principal), Action.REGISTER_FAMILY)
    family = parse(Family, {"joinedAt": today().isoformat(), **data})
    if not serves(principal, family.region_id):
        raise Forbidden(f"you do not serve region {family.region_id!r}", field="regionId")
    store.write(ChangeSet(families=[family], preconditions=[FamilyIsNew(family.id)]))
    return family


def update_profile(
    store: GraphStore, principal: Principal, family_id: str, changes: Mapping[str, Any]
) -> Family:
    """Change profile fields (camelCase keys); the region only by organizers and admins."""
    family = authorized_family(store, principal, Action.EDIT_PROFILE, family_id)
    if (
        "regionId" in changes
        and decide(viewer_of(store, principal), Action.MOVE_REGION, FamilyResource(family))
        != "allow"
    ):
        raise Forbidden("ask an organizer to move your family to another region", field="regionId")
    updated = parse(Family, {**family.to_record(), **changes}, record="input")
    if "regionId" in changes and not serves(principal, updated.region_id):
        raise Forbidden(f"you do not serve region {updated.region_id!r}", field="regionId")
    store.write(ChangeSet(families=[updated]))
    return updated


def update_consent(
    store: GraphStore, principal: Principal, family_id: str, changes: Mapping[str, bool]
) -> Family:
    """Consent is the family's own decision: only the family itself (or an admin) sets it.
    The change and its audit entry are one write (a family erased meanwhile: NOT_FOUND, and
    neither is written)."""
    family = authorized_family(store, principal, Action.EDIT_CONSENT, family_id)
    consent = parse(Consent, {**family.consent.to_record(), **changes}, record="input.consent")
    updated = family.model_copy(update={"consent": consent})
    exists = FamilyExists(family_id)
    try:
        store.write(
            ChangeSet(
                families=[updated],
                preconditions=[exists],
                audit=[consent_changed(principal, family_id, changes)],
            )
        )
    except RuleBroken as broken:
        if broken.precondition is not exists:
            raise
        raise NotFound(NOT_FOUND_FAMILY, field="familyId") from None
    return updated


def set_goal(
    store: GraphStore, principal: Principal, family_id: str, data: Mapping[str, Any]
) -> Pursues:
    """Start, update, achieve or abandon a goal (camelCase keys: goalId, status, ...)."""
    authorized_family(store, principal, Action.SET_GOAL, family_id)
    existing = {p.goal_id: p for p in store.pursuits_of([family_id]).get(family_id, [])}
    goal_id = str(data.get("goalId", ""))
    base: dict[str, Any] = (
        existing[goal_id].to_record() if goal_id in existing else {"since": today().isoformat()}
    )
    merged = {**base, **{k: v for k, v in data.items() if v is not None}, "familyId": family_id}
    if merged.get("status") == GoalStatus.ACHIEVED and not merged.get("achievedAt"):
        merged["achievedAt"] = today().isoformat()
    if merged.get("status") != GoalStatus.ACHIEVED:
        merged["achievedAt"] = None
    pursuit = parse(Pursues, merged, record="input")
    store.write(ChangeSet(pursuits=[pursuit]))
    return pursuit
