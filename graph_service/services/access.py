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
memberships) need MANAGED or OWNER. Household facts (adults, children and their ages) and
the benefit-cliff view derived from them need OWNER: the family itself or an admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from graph_service.auth import Principal, Role
from graph_service.errors import Forbidden, NotFound, Unauthenticated
from models import Cohort, Family, Introduction, IntroductionStatus


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


def may_be_suggested(peer: Family, to: Family) -> bool:
    """Whether ``peer`` may be suggested to family ``to`` as a peer, by their consent: ``peer``
    consented to matching, and when the two live in different regions both consented to
    cross-region contact (the matcher's rule, :mod:`graph_service.analytics.matching`,
    checked again on the records as committed: the matcher reads the live view, which lags
    other processes' writes by up to the feed's poll interval)."""
    if not peer.consent.matching:
        return False
    return peer.region_id == to.region_id or (peer.consent.cross_region and to.consent.cross_region)


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


def require_role(principal: Principal | None, *roles: Role) -> Principal:
    who = require_principal(principal)
    if who.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise Forbidden(f"this needs one of the roles: {allowed}")
    return who


def require_staff_region(principal: Principal, region_id: str, field: str = "regionId") -> None:
    """Staff (program liaisons) verify reports of the regions their token names; admins all."""
    if principal.role is Role.ADMIN:
        return
    if principal.role is not Role.STAFF or region_id not in principal.regions:
        raise Forbidden(f"you do not verify reports of region {region_id!r}", field=field)


def serves(principal: Principal, region_id: str | None) -> bool:
    """Whether ``principal`` acts for region ``region_id`` (admins everywhere, organizers in
    the regions of their token). The one place that reads a token's regions: services and
    resolvers ask here, never compare regions themselves."""
    return region_id is not None and principal.serves(region_id)


def require_region(principal: Principal, region_id: str, field: str = "region") -> None:
    """Raise FORBIDDEN (on ``field``) unless ``principal`` serves ``region_id``."""
    if not serves(principal, region_id):
        raise Forbidden(f"you do not serve region {region_id!r}", field=field)


# ---------------------------------------------------------------------------- one policy


class Action(StrEnum):
    """Everything the API lets a caller do to (or learn about) a family or the program."""

    READ_PUBLIC = "read public profile"
    READ_PRIVATE = "read private fields"
    EDIT_PROFILE = "edit profile"
    MOVE_REGION = "move to another region"
    EDIT_CONSENT = "change consent"
    SET_GOAL = "set a goal"
    GIVE_HELP_AS = "record help given by"
    RECEIVE_HELP = "record help received by"
    READ_MATCHES = "read peer matches of"
    READ_RIPPLE = "read the ripple of"
    INVITE = "invite into a cohort"
    REQUEST_INTRODUCTION = "ask to be introduced to"
    ERASE = "erase"
    READ_HOUSEHOLD = "read the household facts of"
    EDIT_HOUSEHOLD = "change the household facts of"
    READ_CLIFF = "read what a raise is worth to"
    # program-level actions (no family resource)
    REGISTER_FAMILY = "register a family"
    READ_RESEARCH = "read research reports"
    READ_REGION_ANALYTICS = "read region analytics"
    PROPOSE_COHORTS = "propose cohorts"
    READ_AUDIT = "read the audit log"
    LIST_FAMILIES = "list families"
    LIST_COHORTS = "list cohorts"
    READ_CLIFF_COUNTS = "read benefit-cliff counts"
    # the journal (services/journal.py)
    READ_JOURNAL = "read the journal of"
    EDIT_JOURNAL = "write in the journal of"
    READ_REPORT_STATUS = "see whether reports are in for"
    VERIFY_REPORTS = "verify reports"
    RUN_PAYOUT = "run the payout"
    READ_LEDGER = "read the payment ledger"


# Which visibility level each family action needs, and which roles may do it at that level.
_FAMILY_RULES: dict[Action, tuple[Visibility, frozenset[Role]]] = {
    Action.READ_PUBLIC: (Visibility.PEER, frozenset(Role)),
    Action.READ_PRIVATE: (Visibility.MANAGED, frozenset(Role)),
    Action.EDIT_PROFILE: (Visibility.MANAGED, frozenset(Role)),
    Action.MOVE_REGION: (Visibility.MANAGED, frozenset({Role.ORGANIZER, Role.ADMIN})),
    Action.EDIT_CONSENT: (Visibility.OWNER, frozenset({Role.FAMILY, Role.ADMIN})),
    Action.SET_GOAL: (Visibility.MANAGED, frozenset(Role)),
    Action.GIVE_HELP_AS: (Visibility.MANAGED, frozenset(Role)),
    Action.RECEIVE_HELP: (Visibility.PEER, frozenset(Role)),
    Action.READ_MATCHES: (Visibility.MANAGED, frozenset(Role)),
    Action.READ_RIPPLE: (Visibility.MANAGED, frozenset(Role)),
    Action.INVITE: (Visibility.PEER, frozenset({Role.FAMILY})),
    Action.REQUEST_INTRODUCTION: (Visibility.PEER, frozenset({Role.FAMILY})),
    Action.ERASE: (Visibility.OWNER, frozenset({Role.ADMIN})),
    # Household facts and what the family would keep: the family itself and admins only,
    # never organizers (issue 21: "nothing here is visible to anyone but the family").
    Action.READ_HOUSEHOLD: (Visibility.OWNER, frozenset({Role.FAMILY, Role.ADMIN})),
    Action.EDIT_HOUSEHOLD: (Visibility.OWNER, frozenset({Role.FAMILY, Role.ADMIN})),
    Action.READ_CLIFF: (Visibility.OWNER, frozenset({Role.FAMILY, Role.ADMIN})),
    # A family reads and writes only its own journal; organizers see whether reports are in,
    # never their contents; staff reach reports only through VERIFY_REPORTS (their regions).
    Action.READ_JOURNAL: (Visibility.OWNER, frozenset({Role.FAMILY, Role.ADMIN})),
    Action.EDIT_JOURNAL: (Visibility.OWNER, frozenset({Role.FAMILY})),
    Action.READ_REPORT_STATUS: (Visibility.MANAGED, frozenset(Role) - {Role.STAFF}),
}
_PROGRAM_RULES: dict[Action, frozenset[Role]] = {
    Action.REGISTER_FAMILY: frozenset({Role.ORGANIZER, Role.ADMIN}),
    Action.READ_RESEARCH: frozenset({Role.RESEARCHER, Role.ADMIN}),
    Action.READ_REGION_ANALYTICS: frozenset({Role.ORGANIZER, Role.ADMIN}),
    Action.PROPOSE_COHORTS: frozenset({Role.ORGANIZER, Role.ADMIN}),
    Action.READ_AUDIT: frozenset({Role.ADMIN}),
    Action.LIST_FAMILIES: frozenset({Role.FAMILY, Role.ORGANIZER, Role.ADMIN}),
    Action.LIST_COHORTS: frozenset({Role.FAMILY, Role.ORGANIZER, Role.ADMIN}),
    Action.READ_CLIFF_COUNTS: frozenset({Role.ORGANIZER, Role.ADMIN}),
    Action.VERIFY_REPORTS: frozenset({Role.STAFF, Role.ADMIN}),
    Action.RUN_PAYOUT: frozenset({Role.ADMIN}),
    Action.READ_LEDGER: frozenset({Role.ADMIN}),
}
FAMILY_ACTIONS = tuple(_FAMILY_RULES)
PROGRAM_ACTIONS = tuple(_PROGRAM_RULES)


@dataclass(frozen=True)
class FamilyResource:
    """A family as the policy needs it: the record and its active cohorts."""

    family: Family
    cohorts: frozenset[str] = frozenset()


def decide(viewer: Viewer, action: Action, resource: FamilyResource | None = None) -> str:
    """``"allow"``, ``"hidden"`` (answer NOT_FOUND: the caller may not know the family
    exists) or ``"forbidden"`` (the caller sees the family but may not do this)."""
    role = viewer.principal.role
    if action in _PROGRAM_RULES:
        if role is Role.FAMILY and viewer.family is None:
            return "forbidden"  # a family token whose family is not registered is nobody
        return "allow" if role in _PROGRAM_RULES[action] else "forbidden"
    if resource is None:
        raise ValueError(f"{action} needs a family")
    needed, roles = _FAMILY_RULES[action]
    level = family_visibility(viewer, resource.family, resource.cohorts)
    if action is Action.INVITE and level is Visibility.NONE and not resource.cohorts:
        # Friends are invited by the id they gave: a newcomer without a cohort may be
        # invited before it consents to anything. One in a cohort answers like a missing one.
        level = Visibility.PEER
    if level is Visibility.NONE:
        return "hidden"
    if action is Action.READ_MATCHES and not resource.family.consent.matching:
        return "forbidden"  # consent: a family that did not consent is never matched
    if action is Action.REQUEST_INTRODUCTION and (
        level is Visibility.OWNER or not resource.family.consent.matching
    ):
        return "forbidden"  # never to oneself; only to families who agreed to be suggested
    return "allow" if level >= needed and role in roles else "forbidden"


class IntroductionAction(StrEnum):
    """What a caller may do with an introduction (models/introductions.py)."""

    READ = "see"
    ANSWER = "answer"  # accept or decline
    WITHDRAW = "withdraw"
    READ_CONTACT = "see the other family's contact detail in"


def decide_introduction(
    viewer: Viewer, action: IntroductionAction, introduction: Introduction
) -> str:
    """``"allow"``, ``"hidden"`` or ``"forbidden"`` for an introduction: only its two families
    see it (admins too, without contact details); only the family asked answers; either
    withdraws; each sees the other's contact detail only while it is accepted."""
    principal = viewer.principal
    me = principal.family_id
    party = me is not None and me in (introduction.from_id, introduction.to_id)
    if not party:
        if principal.role is Role.ADMIN and action is IntroductionAction.READ:
            return "allow"
        return "hidden"
    if action is IntroductionAction.ANSWER:
        return "allow" if me == introduction.to_id else "forbidden"
    if action is IntroductionAction.READ_CONTACT:
        accepted = introduction.status is IntroductionStatus.ACCEPTED
        return "allow" if accepted else "forbidden"
    return "allow"


def authorize_introduction(
    viewer: Viewer, action: IntroductionAction, introduction: Introduction, field: str = "id"
) -> None:
    """Raise unless ``viewer`` may do ``action`` with ``introduction`` (one not its own
    answers like a missing one)."""
    verdict = decide_introduction(viewer, action, introduction)
    if verdict == "hidden":
        raise NotFound(
            NOT_FOUND_INTRODUCTION, field=field, message_id="error.introduction_not_found"
        )
    if verdict == "forbidden":
        raise Forbidden(
            f"you may not {action.value} this introduction",
            field=field,
            message_id=f"error.introduction.{action.name.lower()}",
        )


NOT_FOUND_INTRODUCTION = "no introduction with this id that you may see"


def authorize(
    viewer: Viewer,
    action: Action,
    resource: FamilyResource | None = None,
    field: str | None = None,
) -> None:
    """Raise unless ``viewer`` may do ``action`` (to ``resource``). Every decision of the API
    goes through here. A family the caller may not see answers exactly like a missing one."""
    verdict = decide(viewer, action, resource)
    if verdict == "hidden":
        raise NotFound(NOT_FOUND_FAMILY, field=field)
    if verdict == "forbidden":
        raise Forbidden(
            f"you may not {action.value} this family",
            field=field,
            message_id=f"error.forbidden.{action.name.lower()}",
        )


NOT_FOUND_FAMILY = "no family with this id that you may see"
