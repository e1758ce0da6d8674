"""Small helpers the services share: loading a record or failing with NOT_FOUND."""

from __future__ import annotations

from collections.abc import Container

from graph_service.auth import Principal, Role
from graph_service.errors import NotFound
from graph_service.services.access import (
    NOT_FOUND_FAMILY,
    Action,
    FamilyResource,
    Viewer,
    authorize,
)
from graph_service.stores.base import GraphStore
from models import Cohort, Family, MemberOf, MembershipStatus


def family_or_404(store: GraphStore, family_id: str, field: str = "familyId") -> Family:
    family = store.get_families([family_id]).get(family_id)
    if family is None:
        raise NotFound(f"family {family_id!r} does not exist", field=field)
    return family


def known_family_or_404(known: Container[str], family_id: str, field: str = "familyId") -> None:
    """Fail with NOT_FOUND unless ``family_id`` is in ``known`` (an index or a graph)."""
    if family_id not in known:
        raise NotFound(f"family {family_id!r} does not exist", field=field)


def cohort_or_404(store: GraphStore, cohort_id: str, field: str = "cohortId") -> Cohort:
    cohort = store.get_cohorts([cohort_id]).get(cohort_id)
    if cohort is None:
        raise NotFound(f"cohort {cohort_id!r} does not exist", field=field)
    return cohort


def active_cohorts(store: GraphStore, family_id: str) -> frozenset[str]:
    memberships = store.memberships_of_families([family_id]).get(family_id, [])
    return frozenset(m.cohort_id for m in memberships if m.status is MembershipStatus.ACTIVE)


def membership(store: GraphStore, family_id: str, cohort_id: str) -> MemberOf | None:
    for m in store.members_of_cohorts([cohort_id]).get(cohort_id, []):
        if m.family_id == family_id:
            return m
    return None


def viewer_of(store: GraphStore, principal: Principal) -> Viewer:
    """The caller as the access policy sees it (a family token: its record and cohorts)."""
    if principal.role is not Role.FAMILY:
        return Viewer(principal)
    own = store.get_families([principal.subject]).get(principal.subject)
    cohorts = active_cohorts(store, principal.subject) if own is not None else frozenset()
    return Viewer(principal, own, cohorts)


def authorized_family(
    store: GraphStore,
    principal: Principal,
    action: Action,
    family_id: str,
    field: str = "familyId",
) -> Family:
    """Load a family and check ``action`` on it through the policy: a missing family and one
    the caller may not see both answer NOT_FOUND (same message, the id not echoed)."""
    found = store.families_with_memberships([family_id]).get(family_id)
    if found is None:
        raise NotFound(NOT_FOUND_FAMILY, field=field)
    family, memberships = found
    cohorts = frozenset(m.cohort_id for m in memberships if m.status is MembershipStatus.ACTIVE)
    resource = FamilyResource(family, cohorts)
    if principal.role is Role.FAMILY and principal.subject == family_id:
        viewer = Viewer(principal, family, cohorts)  # the same read: a family asking for itself
    else:
        viewer = viewer_of(store, principal)
    authorize(viewer, action, resource, field)
    return family
