"""The probes of the role matrix (``test_policy_matrix.py``): the principals, the target
families, and for every root field and mutation its text and the policy question whose
answer (:func:`verdict`, from ``graph_service/services/access.py``) it must get.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graph_service.auth import Principal, Role
from graph_service.services.access import Action, FamilyResource, can_see_cohort, decide
from graph_service.services.common import active_cohorts, viewer_of
from tests.api.conftest import Api

PRINCIPALS: dict[str, tuple[str, ...] | None] = {
    "anonymous": None,
    "family-ana": ("family", "ana"),
    "family-eli": ("family", "eli"),  # no consent at all
    "family-gus": ("family", "gus"),  # Boston, cross-region
    "family-ivy": ("family", "ivy"),  # Boston, local only
    "family-unregistered": ("family", "nobody"),
    "organizer-oakland": ("organizer", "olga", "oakland"),
    "organizer-boston": ("organizer", "bob", "boston"),
    "organizer-named-ana-boston": ("organizer", "ana", "boston"),
    "organizer-named-ana-oakland": ("organizer", "ana", "oakland"),
    "researcher": ("researcher", "rita"),
    "researcher-named-ana": ("researcher", "ana"),
    "admin": ("admin", "root"),
    "admin-named-eli": ("admin", "eli"),
    "staff-oakland": ("staff", "sam", "oakland"),
    "staff-named-ana-boston": ("staff", "ana", "boston"),
}
TARGETS = ["ana", "eli", "gus", "ivy", "nobody"]


def principal_of(who: tuple[str, ...] | None) -> Principal | None:
    if who is None:
        return None
    return Principal(Role(who[0]), who[1], tuple(who[2:]))


def verdict(api: Api, who: tuple[str, ...] | None, action: Action, target: str | None) -> str:
    """What the policy decides now: allow, hidden (NOT_FOUND), forbidden, anonymous."""
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    viewer = viewer_of(api.store, principal)
    if target is None:
        return decide(viewer, action)
    family = api.store.get_families([target]).get(target)
    if family is None:
        return "hidden"
    return decide(viewer, action, FamilyResource(family, active_cohorts(api.store, target)))


@dataclass(frozen=True)
class Probe:
    """A root field or mutation: its text ($F: a target family) and the policy question."""

    text: str
    action: Action | None  # None: public, or decided by ``custom``
    family: bool = True  # the action is about $F
    custom: Callable[[Api, tuple[str, ...] | None, str], str] | None = None
    may_miss: bool = False  # NOT_FOUND may answer an allowed call (nothing to act on)


def _family_only(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    if who is None:
        return "anonymous"
    if who[0] != "family":
        return "forbidden"
    return "allow" if api.store.get_families([who[1]]) else "hidden"


def _public(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    return "allow"


def _authenticated(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    return "anonymous" if who is None else "allow"


def _cohort(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    cohort = api.store.get_cohorts(["oak-1"])["oak-1"]
    return "allow" if can_see_cohort(viewer_of(api.store, principal), cohort) else "hidden"


def _oakland_analytics(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    if decide(viewer_of(api.store, principal), Action.READ_REGION_ANALYTICS) != "allow":
        return "forbidden"
    return "allow" if principal.serves("oakland") else "forbidden"


def _cohort_ripple(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    members = {m.family_id for m in api.store.members_of_cohorts(["oak-1"]).get("oak-1", [])}
    member = principal.family_id in members and api.store.get_families([principal.subject])
    return "allow" if member or principal.serves("oakland") else "hidden"


def _introduction_party(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    """Introductions: families only (a registered one); acting on one that is not theirs
    (the probes use an id nobody has) answers like a missing one."""
    if who is None:
        return "anonymous"
    if who[0] != "family" or not api.store.get_families([who[1]]):
        return "forbidden"
    return "allow" if target == "list" else "hidden"


def _serving_oakland(api: Api, who: tuple[str, ...] | None, action: Action) -> str:
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    if decide(viewer_of(api.store, principal), action) != "allow":
        return "forbidden"
    return "allow" if principal.serves("oakland") else "forbidden"


QUERIES: dict[str, Probe] = {
    "whatIWouldKeep": Probe(
        '{ whatIWouldKeep(familyId: "$F", earnings: 20000) { earningsNow } }',
        Action.READ_CLIFF,  # allowed: no household facts yet, BAD_USER_INPUT, nothing run
    ),
    "cliffCounts": Probe(
        '{ cliffCounts(regionId: "oakland") { progress { running } } }',
        None,
        custom=lambda a, w, t: _serving_oakland(a, w, Action.READ_CLIFF_COUNTS),
    ),
    "cliffExposure": Probe(
        "{ cliffExposure { progress { running } } }", Action.READ_RESEARCH, family=False
    ),
    "cliffReform": Probe(
        '{ cliffReform(id: "none") { running } }',
        Action.READ_RESEARCH,
        family=False,
        may_miss=True,
    ),
    "me": Probe("{ me { id } }", None, custom=lambda a, w, t: _me(a, w)),
    "family": Probe('{ family(id: "$F") { id } }', Action.READ_PUBLIC),
    "families": Probe("{ families { totalCount } }", Action.LIST_FAMILIES, family=False),
    "cohort": Probe('{ cohort(id: "oak-1") { id } }', None, custom=_cohort),
    "cohorts": Probe("{ cohorts { edges { cursor } } }", Action.LIST_COHORTS, family=False),
    "goals": Probe("{ goals { id } }", None, custom=_public),
    "regions": Probe("{ regions { id } }", None, custom=_public),
    "stats": Probe("{ stats { goals } }", None, custom=_public),
    "peerMatches": Probe('{ peerMatches(familyId: "$F") { score } }', Action.READ_MATCHES),
    "peerSuggestions": Probe(
        '{ peerSuggestions(familyId: "$F") { shortfall { code } } }', Action.READ_MATCHES
    ),
    "introductions": Probe(
        "{ introductions { id } }", None, custom=lambda a, w, t: _introduction_party(a, w, "list")
    ),
    "crossRegionPeers": Probe(
        '{ crossRegionPeers(familyId: "$F") { score } }', Action.READ_MATCHES
    ),
    "suggestBridges": Probe(
        '{ suggestBridges(regionA: "oakland", regionB: "boston") { score } }',
        None,
        custom=lambda a, w, t: _both_regions(w),
    ),
    "ripple": Probe('{ ripple(rootId: "$F") { size } }', Action.READ_RIPPLE),
    "cohortRipple": Probe(
        '{ cohortRipple(cohortId: "oak-1") { members } }', None, custom=_cohort_ripple
    ),
    "rippleSummary": Probe(
        '{ rippleSummary(regionId: "oakland") { cascades } }', None, custom=_oakland_analytics
    ),
    "ripples": Probe('{ ripples(regionId: "oakland") { size } }', None, custom=_oakland_analytics),
    "networkSummary": Probe(
        "{ networkSummary { smallCellThreshold } }", Action.READ_RESEARCH, family=False
    ),
    "outcomesByNetwork": Probe(
        "{ outcomesByNetwork { smallCellThreshold } }", Action.READ_RESEARCH, family=False
    ),
    "dollarOutcomes": Probe(
        "{ dollarOutcomes { report { epsilon } } }", Action.READ_RESEARCH, family=False
    ),
    "rippleResearch": Probe(
        "{ rippleResearch { smallCellThreshold } }", Action.READ_RESEARCH, family=False
    ),
    "regionLinks": Probe(
        "{ regionLinks { smallCellThreshold } }", Action.READ_RESEARCH, family=False
    ),
    "regionGraph": Probe(
        "{ regionGraph { __typename } }", Action.READ_REGION_ANALYTICS, family=False
    ),
    "bridgingFamilies": Probe(
        '{ bridgingFamilies(regionIds: ["oakland"]) { __typename } }',
        None,
        custom=_oakland_analytics,
    ),
    "auditLog": Probe("{ auditLog { edges { cursor } } }", Action.READ_AUDIT, family=False),
    "journal": Probe('{ journal(familyId: "$F") { actions { id } } }', Action.READ_JOURNAL),
    "reportStatus": Probe(
        '{ reportStatus(familyId: "$F", months: ["2025-01"]) { month } }',
        Action.READ_REPORT_STATUS,
    ),
    "paymentRules": Probe("{ paymentRules { perReportCents } }", None, custom=_public),
    "verificationQueue": Probe(
        '{ verificationQueue(regionId: "oakland", quarter: "2025-Q1") { flagged } }',
        None,
        custom=lambda a, w, t: _verifier(a, w, "oakland"),
    ),
    "verificationQueueSize": Probe(
        '{ verificationQueueSize(regionId: "oakland", quarter: "2025-Q1") }',
        None,
        custom=lambda a, w, t: _verifier(a, w, "oakland"),
    ),
    "paymentLedger": Probe("{ paymentLedger { balances } }", Action.READ_LEDGER, family=False),
    "cohortProposals": Probe(
        '{ cohortProposals(regionId: "oakland") { id } }',
        None,
        custom=lambda a, w, t: _proposer(a, w, t),  # defined below, with the mutations'
    ),
    "cohortProposal": Probe(
        '{ cohortProposal(id: "prop-none") { id } }',
        None,
        custom=lambda a, w, t: _proposal_manager(a, w, t),
        may_miss=True,
    ),
}


def _me(api: Api, who: tuple[str, ...] | None) -> str:
    if who is None:
        return "anonymous"
    if who[0] != "family":
        return "forbidden"
    return "allow" if api.store.get_families([who[1]]) else "hidden"


def _both_regions(who: tuple[str, ...] | None) -> str:
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    if principal.role not in (Role.ORGANIZER, Role.ADMIN):
        return "forbidden"
    return "allow" if principal.serves("oakland") and principal.serves("boston") else "forbidden"


def _giver(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    """recordHelp to $F: families give as themselves, to a family they may see."""
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    if principal.role in (Role.RESEARCHER, Role.STAFF):  # recordHelp's roles
        return "forbidden"
    if principal.family_id is None:
        return "hidden"  # no fromId: there is no giving family
    if not api.store.get_families([principal.subject]):
        return "hidden"
    return verdict(api, ("family", principal.subject), Action.RECEIVE_HELP, target)


def _inviter(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    if principal.family_id is None:
        return "forbidden"
    members = api.store.members_of_cohorts(["oak-1"]).get("oak-1", [])
    if not any(m.family_id == principal.subject and m.status.value == "active" for m in members):
        return "forbidden"
    return verdict(api, who, Action.INVITE, target)


def _organizer_of_oakland(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    if decide(viewer_of(api.store, principal), Action.REGISTER_FAMILY) != "allow":
        return "forbidden"
    return "allow" if principal.serves("oakland") else "forbidden"


def _verifier(api: Api, who: tuple[str, ...] | None, region: str | None) -> str:
    """Staff verify reports of their regions' families (admins all); region None: any."""
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    if decide(viewer_of(api.store, principal), Action.VERIFY_REPORTS) != "allow":
        return "forbidden"
    if region is None or principal.role is Role.ADMIN or region in principal.regions:
        return "allow"
    return "forbidden"


def _proposer(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    if decide(viewer_of(api.store, principal), Action.PROPOSE_COHORTS) != "allow":
        return "forbidden"
    return "allow" if principal.serves("oakland") else "forbidden"


def _proposal_manager(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    """A stored proposal by id: organizers and admins (NOT_FOUND for one they do not serve)."""
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    if decide(viewer_of(api.store, principal), Action.PROPOSE_COHORTS) != "allow":
        return "forbidden"
    return "allow"


def _code_issuer(api: Api, who: tuple[str, ...] | None, target: str) -> str:
    """Sign-in codes: admins for any family, organizers for families of their regions."""
    principal = principal_of(who)
    if principal is None:
        return "anonymous"
    if principal.role not in (Role.ADMIN, Role.ORGANIZER):
        return "forbidden"
    family = api.store.get_families([target]).get(target)
    if family is None or not principal.serves(family.region_id):
        return "hidden"
    return "allow"


MUTATIONS: dict[str, Probe] = {
    "setHouseholdFacts": Probe(
        'mutation { setHouseholdFacts(familyId: "$F", input: {adultAges: [30]}) { complete } }',
        Action.EDIT_HOUSEHOLD,
    ),
    "simulateCliffReform": Probe(
        'mutation { simulateCliffReform(reform: "{\\"gov.x\\": 1}") { running } }',
        Action.READ_RESEARCH,
        family=False,
    ),
    "registerFamily": Probe(
        'mutation { registerFamily(input: {id: "new-$W", name: "N", regionId: "oakland", '
        "householdSize: 3, incomeBand: 2}) { id } }",
        None,
        custom=_organizer_of_oakland,
    ),
    "updateProfile": Probe(
        'mutation { updateProfile(familyId: "$F", input: {strengths: ["cooking"]}) { id } }',
        Action.EDIT_PROFILE,
    ),
    "updateConsent": Probe(
        'mutation { updateConsent(familyId: "$F", input: {research: true}) { id } }',
        Action.EDIT_CONSENT,
    ),
    "setGoal": Probe(
        'mutation { setGoal(familyId: "$F", input: {goalId: "health"}) { status } }',
        Action.SET_GOAL,
    ),
    "recordHelp": Probe(
        'mutation { recordHelp(input: {toId: "$F", kind: "food"}) { id } }', None, custom=_giver
    ),
    "confirmHelp": Probe(
        'mutation { confirmHelp(helpId: "h-none") { id } }',
        None,
        custom=_family_only,
        may_miss=True,
    ),
    "createCohort": Probe(
        'mutation { createCohort(input: {name: "C"}) { id } }', None, custom=_family_only
    ),
    "inviteFamily": Probe(
        'mutation { inviteFamily(cohortId: "oak-1", familyId: "$F") { status } }',
        None,
        custom=_inviter,
    ),
    "acceptInvitation": Probe(
        'mutation { acceptInvitation(cohortId: "oak-1") { status } }',
        None,
        custom=_family_only,
        may_miss=True,
    ),
    "declineInvitation": Probe(
        'mutation { declineInvitation(cohortId: "oak-1") { status } }',
        None,
        custom=_family_only,
        may_miss=True,
    ),
    "leaveCohort": Probe(
        'mutation { leaveCohort(cohortId: "zz-none") { status } }',
        None,
        custom=_family_only,
        may_miss=True,
    ),
    "proposeCohorts": Probe(
        'mutation { proposeCohorts(input: {regionId: "oakland"}) { __typename } }',
        None,
        custom=_proposer,
    ),
    "withdrawCohortProposal": Probe(
        'mutation { withdrawCohortProposal(id: "prop-none") { id } }',
        None,
        custom=_proposal_manager,
        may_miss=True,
    ),
    "requestIntroduction": Probe(
        'mutation { requestIntroduction(input: {toId: "$F"}) { id } }',
        Action.REQUEST_INTRODUCTION,
    ),
    **{
        name: Probe(
            f'mutation {{ {name}(id: "intro-nobody") {{ id }} }}',
            None,
            custom=lambda a, w, t: _introduction_party(a, w, "intro-nobody"),
        )
        for name in ("acceptIntroduction", "declineIntroduction", "withdrawIntroduction")
    },
    "submitReport": Probe(
        'mutation { submitReport(familyId: "$F", input: {month: "2025-01", kind: BASELINE, '
        "householdSize: 2}) { id } }",
        Action.EDIT_JOURNAL,
    ),
    "correctReport": Probe(
        'mutation { correctReport(familyId: "$F", month: "2025-01", input: {savingsCents: 1}) '
        "{ id } }",
        Action.EDIT_JOURNAL,
        may_miss=True,
    ),
    "recordAction": Probe(
        'mutation { recordAction(familyId: "$F", input: {domain: HEALTH, what: "a visit"}) '
        "{ id } }",
        Action.EDIT_JOURNAL,
    ),
    "verifyReport": Probe(
        'mutation { verifyReport(reportId: "$F--2025-01--v1", evidence: PAY_STUB) { outcome } }',
        None,
        custom=lambda a, w, t: _verifier(a, w, None),
        may_miss=True,
    ),
    "recordCorrection": Probe(
        'mutation { recordCorrection(reportId: "$F--2025-01--v2", evidence: RECEIPT, '
        "input: {savingsCents: 5}) { outcome } }",
        None,
        custom=lambda a, w, t: _verifier(a, w, None),
        may_miss=True,
    ),
    "runPayout": Probe(
        'mutation { runPayout(quarter: "2025-Q1") { scheduled } }', Action.RUN_PAYOUT, family=False
    ),
    "applyPayoutResults": Probe(
        "mutation { applyPayoutResults { fulfilled } }", Action.RUN_PAYOUT, family=False
    ),
    "eraseFamily": Probe('mutation { eraseFamily(familyId: "$F") { erased } }', Action.ERASE),
    "issueSignInCode": Probe(
        'mutation { issueSignInCode(input: {role: FAMILY, subject: "$F"}) { code } }',
        None,
        custom=_code_issuer,
    ),
}
