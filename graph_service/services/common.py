"""Small helpers the services share: loading a record or failing with NOT_FOUND."""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence

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


def policy_reads(principal: Principal, family_id: str) -> list[str]:
    """The families whose records the policy needs to decide an action on ``family_id``:
    that family, and the caller's own for a family token (its region, consent, cohorts)."""
    if principal.role is Role.FAMILY and principal.subject != family_id:
        return [family_id, principal.subject]
    return [family_id]


def authorized_family(
    store: GraphStore,
    principal: Principal,
    action: Action,
    family_id: str,
    field: str = "familyId",
) -> Family:
    """Load a family and check ``action`` on it through the policy: a missing family and one
    the caller may not see both answer NOT_FOUND (same message, the id not echoed). One
    store read: the family and, for a family token, the caller's own record."""
    found = store.families_with_memberships(policy_reads(principal, family_id))
    return authorized_among(found, principal, action, family_id, field)


def authorized_among(
    found: Mapping[str, tuple[Family, Sequence[MemberOf]]],
    principal: Principal,
    action: Action,
    family_id: str,
    field: str = "familyId",
) -> Family:
    """:func:`authorized_family` on records just read from the store (``found``: what
    ``families_with_memberships`` answered for at least :func:`policy_reads`)."""
    resource = _resource(found, family_id)
    if resource is None:
        raise NotFound(NOT_FOUND_FAMILY, field=field)
    if principal.role is Role.FAMILY:
        own = resource if principal.subject == family_id else _resource(found, principal.subject)
        viewer = (
            Viewer(principal, own.family, own.cohorts) if own is not None else Viewer(principal)
        )
    else:
        viewer = Viewer(principal)
    authorize(viewer, action, resource, field)
    return resource.family


def _resource(
    found: Mapping[str, tuple[Family, Sequence[MemberOf]]], family_id: str
) -> FamilyResource | None:
    entry = found.get(family_id)
    if entry is None:
        return None
    family, memberships = entry
    active = (m.cohort_id for m in memberships if m.status is MembershipStatus.ACTIVE)
    return FamilyResource(family, frozenset(active))
