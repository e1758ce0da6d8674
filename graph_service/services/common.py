"""Small helpers the services share: loading a record or failing with NOT_FOUND."""

from __future__ import annotations

from graph_service.errors import NotFound
from graph_service.stores.base import GraphStore
from models import Cohort, Family, MemberOf, MembershipStatus


def family_or_404(store: GraphStore, family_id: str, field: str = "familyId") -> Family:
    family = store.get_families([family_id]).get(family_id)
    if family is None:
        raise NotFound(f"family {family_id!r} does not exist", field=field)
    return family


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
