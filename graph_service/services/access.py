"""Authorization policy: who may see which family, cohort and help exchange.

One function decides each question, and every path to a family (``family(id)``,
``families``, ``cohort.members``, ``help.giver``, ``referral.referrer`` ...) goes through it.

Visibility of a family to a principal:

==========  ==================================================================  ================
level       who                                                                 sees
==========  ==================================================================  ================
OWNER       the family itself; admins                                           everything
MANAGED     an organizer serving the family's region                            everything
PEER        a family in the same active cohort; or any family when the viewed   public profile
            family consented to matching and is in the viewer's region (or
            both consented to cross-region contact)
NONE        everyone else, and researchers always                               nothing
==========  ==================================================================  ================

The public profile is id, display name, region, languages, strengths, needs, goals and
cohort. Private fields (contact, household size, income, consent, help, referrals,
memberships) need MANAGED or OWNER.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from graph_service.auth import Principal, Role
from graph_service.errors import Forbidden, Unauthenticated
from models import Cohort, Family, Helped


class Visibility(IntEnum):
    NONE = 0
    PEER = 1
    MANAGED = 2
    OWNER = 3


@dataclass(frozen=True)
class Viewer:
    """The principal plus what the policy needs to know about a family viewer."""

    principal: Principal
    family: Family | None = None  # the viewer's own family record (family role)
    cohorts: frozenset[str] = frozenset()  # the viewer family's active cohorts


def require_principal(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("this needs a bearer token (see README: 'Getting a token')")
    return principal


def family_visibility(viewer: Viewer, family: Family, family_cohorts: frozenset[str]) -> Visibility:
    """How much of ``family`` the viewer may see; ``family_cohorts``: its active cohorts."""
    principal = viewer.principal
    if principal.role is Role.ADMIN:
        return Visibility.OWNER
    if principal.role is Role.ORGANIZER:
        return Visibility.MANAGED if principal.serves(family.region_id) else Visibility.NONE
    if principal.role is not Role.FAMILY or viewer.family is None:
        return Visibility.NONE
    if family.id == viewer.family.id:
        return Visibility.OWNER
    if viewer.cohorts & family_cohorts:
        return Visibility.PEER
    if family.consent.matching and (
        family.region_id == viewer.family.region_id
        or (family.consent.cross_region and viewer.family.consent.cross_region)
    ):
        return Visibility.PEER
    return Visibility.NONE


def require_visibility(level: Visibility, needed: Visibility, what: str) -> None:
    if level < needed:
        raise Forbidden(f"you may not see {what}")


def can_see_cohort(viewer: Viewer, cohort: Cohort) -> bool:
    principal = viewer.principal
    if principal.role in (Role.ADMIN, Role.ORGANIZER):
        return principal.serves(cohort.region_id)
    if principal.role is Role.FAMILY and viewer.family is not None:
        return cohort.id in viewer.cohorts or cohort.region_id == viewer.family.region_id
    return False


def can_see_help(viewer: Viewer, help_: Helped, regions: tuple[str, str]) -> bool:
    """Giver, receiver, organizers of either family's region, admins."""
    principal = viewer.principal
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.ORGANIZER:
        return any(principal.serves(r) for r in regions)
    return principal.role is Role.FAMILY and principal.subject in (help_.from_id, help_.to_id)


def require_role(principal: Principal | None, *roles: Role) -> Principal:
    who = require_principal(principal)
    if who.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise Forbidden(f"this needs one of the roles: {allowed}")
    return who


def require_region(principal: Principal, region_id: str, field: str = "region") -> None:
    if not principal.serves(region_id):
        raise Forbidden(f"you do not serve region {region_id!r}", field=field)
