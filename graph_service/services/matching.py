"""Peer matching for callers: access rules, the cached index, cross-region peers and bridges.

- ``peer_suggestions``: a family asks for itself; organizers for any family of their regions;
  admins for anyone. The matcher itself enforces consent (:mod:`graph_service.analytics.matching`).
- ``cross_region_peers``: the matcher with scope ``other_regions``, kept to peers who achieved
  a goal the family pursues (role models) or whose strengths meet its needs.
- ``suggest_bridges``: for organizers serving both regions: pairs of consenting families, one in
  each region, ranked by the mean of the two directions' match scores (a pair that only one
  side would be suggested gets half its score), with the reasons of both directions.

The index is the live read model's (:mod:`graph_service.readmodel`): every committed write is
applied to it in place, so a write is visible to the next match without a rebuild. Bridge
suggestions for a pair of regions are computed in the background and served with their asOf.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graph_service.analytics.match_shortfall import Shortfall, ShortfallCode, shortfall
from graph_service.analytics.matching import (
    ComplementaryStrengths,
    MatchIndex,
    PeerMatch,
    RoleModel,
    Scope,
)
from graph_service.auth import Principal, Role
from graph_service.errors import FieldProblem, Forbidden, NotFound, ValidationFailed, fields_named
from graph_service.readmodel import Result, read_model
from graph_service.services.access import (
    Action,
    may_be_suggested,
    require_principal,
    require_role,
    serves,
)
from graph_service.services.analysis import in_background, live, region_exists
from graph_service.services.common import authorized_among, known_family_or_404, policy_reads
from graph_service.stores.base import GraphStore
from models import Family, MemberOf

# Families per side considered by suggest_bridges (keeps one call within seconds at scale).
BRIDGE_CANDIDATES_PER_REGION = 400
BRIDGE_MATCHES_PER_FAMILY = 25


# Bridges kept per pair of regions (callers slice this ranking; the cache key has no `first`).
MAX_BRIDGES = 100
# The matcher's parameters as the API names them.
_FIELDS = {"family_id": "familyId"}


def match_index(store: GraphStore) -> MatchIndex:
    return live(store).index


Records = dict[str, tuple[Family, list[MemberOf]]]


@dataclass(frozen=True)
class Suggestions:
    """Peers, and why there are fewer than asked for (``[]`` when there are not)."""

    matches: list[PeerMatch]
    shortfall: list[Shortfall]
    languages: tuple[str, ...]  # the asking family's (for the answer's language)
    # What the store answered, in the request's one read, for the asking family, the caller's
    # own family and every peer found (missing ones are absent): the API's loaders start from
    # it, so resolving the peers needs no further round trip.
    records: Records
    read: tuple[str, ...]  # the ids asked for in that read


def _matched(
    store: GraphStore,
    principal: Principal | None,
    family_id: str,
    compute: Callable[[MatchIndex], tuple[list[PeerMatch], list[Shortfall]]],
) -> Suggestions:
    """``compute`` on the live index, and the request's one store read: the asking family,
    the caller's own family and the peers found, with their memberships (consent and
    cohorts as committed now, not as the view has them).

    The match is computed from the view before the access check, so that the peers' records
    come in the same read as the asker's; nothing of it leaves this function unless the
    policy allows the caller to read this family's matches, and an error of the matcher is
    raised only after that decision (the same error, in the same order, as checking first)."""
    who = require_principal(principal)
    index = match_index(store)
    computed: tuple[list[PeerMatch], list[Shortfall]] | None = None
    failure: Exception | None = None
    if family_id in index.position:
        try:
            with fields_named(_FIELDS):
                computed = compute(index)
        except Exception as error:  # raised below, after the access decision
            failure = error
    read = list(dict.fromkeys(policy_reads(who, family_id)))
    if computed is not None:
        read.extend(m.family_id for m in computed[0] if m.family_id not in read)
    # Kept records when they are current (the store's data version, read in the same round
    # trip, says so), else the store's: graph_service/readmodel/records.py.
    records = read_model(store).records.read(store, read)
    authorized_among(records, who, Action.READ_MATCHES, family_id)
    known_family_or_404(index.position, family_id)
    if failure is not None:
        raise failure
    assert computed is not None  # the family is in the index, and compute did not fail
    found, why = computed
    # A peer whose consent, as committed, no longer allows it (withdrawn through another
    # process since the view was made) or that is gone is left out of this answer already.
    asker = records[family_id][0]
    found = [
        m
        for m in found
        if (peer := records.get(m.family_id)) is not None and may_be_suggested(peer[0], asker)
    ]
    return Suggestions(found, why, index.profile(family_id).languages, records, tuple(read))


def peer_suggestions(
    store: GraphStore,
    principal: Principal | None,
    family_id: str,
    *,
    first: int,
    scope: Scope,
    goal: str | None,
    include_cohort: bool,
    include_connected: bool = False,
    any_language: bool = False,
) -> Suggestions:
    """Peers for ``family_id`` with the explanation of a short answer
    (:mod:`graph_service.analytics.match_shortfall`)."""

    def compute(index: MatchIndex) -> tuple[list[PeerMatch], list[Shortfall]]:
        found = index.matches(
            family_id,
            first=first,
            scope=scope,
            goal=goal,
            include_cohort=include_cohort,
            include_connected=include_connected,
            any_language=any_language,
        )
        why = shortfall(
            index,
            family_id,
            first=first,
            returned=len(found),
            scope=scope,
            goal=goal,
            include_cohort=include_cohort,
            include_connected=include_connected,
            any_language=any_language,
        )
        return found, why

    return _matched(store, principal, family_id, compute)


def _serves_me_across(match: PeerMatch) -> bool:
    for reason in match.reasons:
        if isinstance(reason, RoleModel):
            return True
        if isinstance(reason, ComplementaryStrengths) and reason.their_strengths_meeting_my_needs:
            return True
    return False


def cross_region_peers(
    store: GraphStore,
    principal: Principal | None,
    family_id: str,
    *,
    first: int,
    any_language: bool = False,
) -> Suggestions:
    def compute(index: MatchIndex) -> tuple[list[PeerMatch], list[Shortfall]]:
        # Ask for more than needed, then keep the peers who have done or can do what I need.
        wide = index.matches(
            family_id,
            first=min(100, first * 5),
            scope=Scope.OTHER_REGIONS,
            any_language=any_language,
        )
        found = [m for m in wide if _serves_me_across(m)][:first]
        why = []
        if len(found) < first:
            why = shortfall(
                index,
                family_id,
                first=first,
                returned=len(wide),
                scope=Scope.OTHER_REGIONS,
                any_language=any_language,
            )
            left_out = len(wide) - len([m for m in wide if _serves_me_across(m)])
            if left_out:
                why.insert(0, Shortfall(ShortfallCode.NOT_SERVING_NEEDS, left_out))
            if not why:
                why = [Shortfall(ShortfallCode.FEWER_THAN_ASKED, len(found))]
        return found, why

    return _matched(store, principal, family_id, compute)


@dataclass(frozen=True)
class Bridge:
    family_a: str
    family_b: str
    score: float
    a_to_b: PeerMatch | None  # b as suggested to a
    b_to_a: PeerMatch | None  # a as suggested to b


def _consenting(index: MatchIndex, region: str) -> list[str]:
    return sorted(
        f
        for f, row in index.position.items()
        if (p := index.profiles[row]) is not None
        and p.region == region
        and p.matching
        and p.cross_region
    )[:BRIDGE_CANDIDATES_PER_REGION]


def _directional(
    index: MatchIndex, families: list[str], other: str
) -> dict[tuple[str, str], PeerMatch]:
    found: dict[tuple[str, str], PeerMatch] = {}
    for family in families:
        for m in index.matches(family, first=BRIDGE_MATCHES_PER_FAMILY, scope=Scope.OTHER_REGIONS):
            if index.profile(m.family_id).region == other:
                found[(family, m.family_id)] = m
    return found


def suggest_bridges(
    store: GraphStore, principal: Principal | None, region_a: str, region_b: str, *, first: int
) -> Result[list[Bridge]]:
    who = require_role(principal, Role.ORGANIZER, Role.ADMIN)
    if region_a == region_b:
        raise ValidationFailed([FieldProblem("regionB", "must differ from regionA")])
    for field, region in (("regionA", region_a), ("regionB", region_b)):
        if not region_exists(store, region):
            raise NotFound(f"region {region!r} does not exist", field=field)
        if not serves(who, region):
            raise Forbidden(f"you do not serve region {region!r}", field=field)

    result = in_background(
        store,
        ("bridges", region_a, region_b),
        lambda: _bridges(match_index(store), region_a, region_b),
    )
    return Result(result.value[:first], result.as_of)


def _bridges(index: MatchIndex, region_a: str, region_b: str) -> list[Bridge]:
    forward = _directional(index, _consenting(index, region_a), region_b)
    backward = _directional(index, _consenting(index, region_b), region_a)
    pairs = set(forward) | {(a, b) for b, a in backward}
    bridges = []
    for a, b in pairs:
        ab, ba = forward.get((a, b)), backward.get((b, a))
        score = ((ab.score if ab else 0.0) + (ba.score if ba else 0.0)) / 2
        bridges.append(Bridge(a, b, score, ab, ba))
    bridges.sort(key=lambda x: (-x.score, x.family_a, x.family_b))
    return bridges[:MAX_BRIDGES]
