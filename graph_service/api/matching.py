"""GraphQL for peer matching: ``peerMatches``, ``crossRegionPeers``, ``suggestBridges``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph_service.analytics import match_shortfall as shortfall_analytics
from graph_service.analytics import matching as analytics
from graph_service.api.context import Context, in_thread
from graph_service.api.texts import reason_text, shortfall_text
from graph_service.api.types import (
    AsOfType,
    Family,
    Goal,
    check_page_size,
    family_node,
    goal_by_id,
    subject_family,
)
from graph_service.services import matching as service

GraphInfo = Info[Context, None]


# The domain's enum, exposed as it is under its API name (registering returns the same class).
strawberry.enum(analytics.Scope, name="MatchScope", description="Where to look for peers.")


@strawberry.type(description="Goals both families are working on now.")
class SharedGoalsReason:
    goals: list[Goal]
    text: str


@strawberry.type(description="Strengths that meet needs, in either direction.")
class ComplementaryStrengthsReason:
    their_strengths_meeting_my_needs: list[str]
    my_strengths_meeting_their_needs: list[str]
    text: str


@strawberry.type(description="They already reached a goal this family is working on.")
class RoleModelReason:
    goal: Goal
    achieved_at: date
    text: str


@strawberry.type(description="Families both know (counts only, never who).")
class TrustProximityReason:
    common_neighbours: int
    via_help: int
    via_cohort: int
    text: str


@strawberry.type(
    description="A household of a similar size and shared languages (no private numbers)."
)
class SimilarSituationReason:
    similar_household: bool = strawberry.field(
        description="True when the households are of a similar size (never by how much)."
    )
    shared_languages: list[str]
    text: str


MatchReason = Annotated[
    SharedGoalsReason
    | ComplementaryStrengthsReason
    | RoleModelReason
    | TrustProximityReason
    | SimilarSituationReason,
    strawberry.union("MatchReason"),
]


def reason_of(
    r: analytics.MatchReason,
    locale: str = "en",
) -> (
    SharedGoalsReason
    | ComplementaryStrengthsReason
    | RoleModelReason
    | TrustProximityReason
    | SimilarSituationReason
):
    text = reason_text(r, locale)
    if isinstance(r, analytics.SharedGoals):
        return SharedGoalsReason(goals=[goal_by_id(g) for g in r.goals], text=text)
    if isinstance(r, analytics.ComplementaryStrengths):
        return ComplementaryStrengthsReason(
            their_strengths_meeting_my_needs=list(r.their_strengths_meeting_my_needs),
            my_strengths_meeting_their_needs=list(r.my_strengths_meeting_their_needs),
            text=text,
        )
    if isinstance(r, analytics.RoleModel):
        return RoleModelReason(goal=goal_by_id(r.goal), achieved_at=r.achieved_at, text=text)
    if isinstance(r, analytics.TrustProximity):
        return TrustProximityReason(
            common_neighbours=r.common_neighbours,
            via_help=r.via_help,
            via_cohort=r.via_cohort,
            text=text,
        )
    return SimilarSituationReason(
        similar_household=r.similar_household,
        shared_languages=list(r.shared_languages),
        text=text,
    )


@strawberry.type(description="A suggested peer, with the score and the reasons behind it.")
class PeerMatch:
    match: strawberry.Private[analytics.PeerMatch]
    locale: strawberry.Private[str] = "en"

    @strawberry.field(description="The peer, if the caller may see it.")
    async def peer(self, info: GraphInfo) -> Family | None:
        return await family_node(info, self.match.family_id)

    @strawberry.field
    def score(self) -> float:
        return self.match.score

    @strawberry.field(
        description="Why, ordered by their share of the score; each reason's text in the "
        "answer's language (Accept-Language, else the family's language)."
    )
    def reasons(self) -> list[MatchReason]:
        return [reason_of(r, self.locale) for r in self.match.reasons]


ShortfallCode = strawberry.enum(
    shortfall_analytics.ShortfallCode,
    description="Why an answer has fewer peers than asked for "
    "(graph_service/analytics/match_shortfall.py).",
)


@strawberry.type(description="One reason an answer has fewer peers than asked for.")
class MatchShortfall:
    shortfall: strawberry.Private[shortfall_analytics.Shortfall]
    locale: strawberry.Private[str]

    @strawberry.field
    def code(self) -> ShortfallCode:  # type: ignore[valid-type]  # strawberry.enum of a domain enum
        return self.shortfall.code

    @strawberry.field(description="How many families this reason concerns (never who).")
    def count(self) -> int:
        return self.shortfall.count

    @strawberry.field(description="The goal asked for (GOAL_FILTER only).")
    def goal(self) -> Goal | None:
        return goal_by_id(self.shortfall.goal) if self.shortfall.goal else None

    @strawberry.field(description="The reason in the answer's language.")
    def text(self) -> str:
        return shortfall_text(self.shortfall, self.locale)


@strawberry.type(description="Suggested peers, and why there are fewer than asked for.")
class PeerSuggestions:
    matches: list[PeerMatch]
    shortfall: list[MatchShortfall] = strawberry.field(
        description="Empty when the answer has as many peers as asked for."
    )
    language: str = strawberry.field(description="The language of the texts (a code, e.g. es).")

    @classmethod
    def of(cls, found: service.Suggestions, locale: str) -> PeerSuggestions:
        return cls(
            matches=[PeerMatch(match=m, locale=locale) for m in found.matches],
            shortfall=[MatchShortfall(shortfall=s, locale=locale) for s in found.shortfall],
            language=locale,
        )


@strawberry.type(description="Two families in two regions whose connection would serve both.")
class BridgeSuggestion:
    bridge: strawberry.Private[service.Bridge]
    as_of: AsOfType = strawberry.field(
        description="When the suggestions for this pair of regions were computed (in the "
        "background)."
    )

    @strawberry.field
    async def family_a(self, info: GraphInfo) -> Family | None:
        return await family_node(info, self.bridge.family_a)

    @strawberry.field
    async def family_b(self, info: GraphInfo) -> Family | None:
        return await family_node(info, self.bridge.family_b)

    @strawberry.field(description="Mean of both directions' match scores.")
    def score(self) -> float:
        return self.bridge.score

    @strawberry.field(description="Why B would help A.")
    def reasons_for_a(self) -> list[MatchReason]:
        return [reason_of(r) for r in self.bridge.a_to_b.reasons] if self.bridge.a_to_b else []

    @strawberry.field(description="Why A would help B.")
    def reasons_for_b(self) -> list[MatchReason]:
        return [reason_of(r) for r in self.bridge.b_to_a.reasons] if self.bridge.b_to_a else []


INCLUDE_CONNECTED = strawberry.argument(
    description="Also families this family already exchanged help with (left out by default)."
)
ANY_LANGUAGE = strawberry.argument(
    description="Also families who speak none of this family's languages (by default every "
    "suggested peer shares at least one)."
)


async def _suggestions(
    info: GraphInfo,
    family_id: strawberry.ID | None,
    first: int,
    scope: analytics.Scope,
    goal: strawberry.ID | None,
    include_cohort: bool,
    include_connected: bool,
    any_language: bool,
) -> PeerSuggestions:
    ctx = info.context
    check_page_size(first, min(ctx.settings.max_page_size, analytics.MAX_FIRST))
    target = subject_family(info, family_id)
    found = await in_thread(
        lambda: service.peer_suggestions(
            ctx.store,
            ctx.principal,
            target,
            first=first,
            scope=scope,
            goal=str(goal) if goal is not None else None,
            include_cohort=include_cohort,
            include_connected=include_connected,
            any_language=any_language,
        )
    )
    ctx.know_families(found.records, found.read)  # the peers resolve without another read
    return PeerSuggestions.of(found, await ctx.locale(found.languages))


@strawberry.type
class MatchingQuery:
    @strawberry.field(
        description="Peers for a family: shared goals, complementary strengths, role models, "
        "trust. Only families who consented to matching (and to cross-region contact, for "
        "other regions) appear."
    )
    async def peer_matches(
        self,
        info: GraphInfo,
        family_id: strawberry.ID | None = None,
        first: int = 10,
        scope: analytics.Scope = analytics.Scope.SAME_REGION,
        goal: strawberry.ID | None = None,
        include_cohort: bool = False,
        include_connected: Annotated[bool, INCLUDE_CONNECTED] = False,
        any_language: Annotated[bool, ANY_LANGUAGE] = False,
    ) -> list[PeerMatch]:
        found = await _suggestions(
            info, family_id, first, scope, goal, include_cohort, include_connected, any_language
        )
        return found.matches

    @strawberry.field(
        description="peerMatches with the reasons an answer is empty or short (everyone "
        "nearby is in your cohort, few families consented, ...), texts in the answer's "
        "language."
    )
    async def peer_suggestions(
        self,
        info: GraphInfo,
        family_id: strawberry.ID | None = None,
        first: int = 10,
        scope: analytics.Scope = analytics.Scope.SAME_REGION,
        goal: strawberry.ID | None = None,
        include_cohort: bool = False,
        include_connected: Annotated[bool, INCLUDE_CONNECTED] = False,
        any_language: Annotated[bool, ANY_LANGUAGE] = False,
    ) -> PeerSuggestions:
        return await _suggestions(
            info, family_id, first, scope, goal, include_cohort, include_connected, any_language
        )

    @strawberry.field(
        description="Families in other regions who reached the goals this family pursues or "
        "have strengths it needs, and consented to cross-region contact."
    )
    async def cross_region_peers(
        self,
        info: GraphInfo,
        family_id: strawberry.ID | None = None,
        first: int = 10,
        any_language: Annotated[bool, ANY_LANGUAGE] = False,
    ) -> list[PeerMatch]:
        ctx = info.context
        check_page_size(first, min(ctx.settings.max_page_size, analytics.MAX_FIRST))
        target = subject_family(info, family_id)
        found = await in_thread(
            lambda: service.cross_region_peers(
                ctx.store, ctx.principal, target, first=first, any_language=any_language
            )
        )
        ctx.know_families(found.records, found.read)
        locale = await ctx.locale(found.languages)
        return [PeerMatch(match=m, locale=locale) for m in found.matches]

    @strawberry.field(
        description="Organizers: pairs of consenting families to connect across two regions."
    )
    async def suggest_bridges(
        self, info: GraphInfo, region_a: strawberry.ID, region_b: strawberry.ID, first: int = 10
    ) -> list[BridgeSuggestion]:
        ctx = info.context
        check_page_size(first, ctx.settings.max_page_size)
        bridges = await in_thread(
            lambda: service.suggest_bridges(
                ctx.store, ctx.principal, str(region_a), str(region_b), first=first
            )
        )
        as_of = AsOfType.of(bridges.as_of)
        return [BridgeSuggestion(bridge=b, as_of=as_of) for b in bridges.value]
