"""GraphQL for cohort proposals: ``proposeCohorts``, ``cohortProposals``, ``cohortProposal``
and ``withdrawCohortProposal`` (organizers), answered by families with ``acceptInvitation`` /
``declineInvitation``."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import strawberry
from strawberry.types import Info

from graph_service.analytics.cohort_formation import (
    DEFAULT_LANGUAGE_SHARE,
    FormationWeights,
    LeftOverReason,
)
from graph_service.api.context import Context, in_thread
from graph_service.api.types import Cohort, Family, cohort_node, family_node, visible_families
from graph_service.errors import fields_named
from graph_service.services import proposals as service
from graph_service.services.proposal_text import cohort_summary, left_over_explanation
from models import MembershipStatus, ProposalFigures, ProposalStatus

GraphInfo = Info[Context, None]
_DEFAULT = FormationWeights()

# The domain's enums, exposed as they are (registering returns the same class).
strawberry.enum(ProposalStatus, description="Where a cohort proposal stands.")
strawberry.enum(LeftOverReason, description="Why a family of the pool is in no proposed cohort.")


@strawberry.input(description="Relative weights of the proposal's objective (all >= 0).")
class FormationWeightsInput:
    goals: float = _DEFAULT.goals
    ties: float = _DEFAULT.ties
    needs: float = _DEFAULT.needs
    languages: float = _DEFAULT.languages
    region: float = _DEFAULT.region


@strawberry.type(description="The weights a proposal was made with.")
class FormationWeightsType:
    goals: float
    ties: float
    needs: float
    languages: float
    region: float


@strawberry.input
class ProposeCohortsInput:
    region_id: strawberry.ID
    family_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="An explicit pool; default: the region's families without an active cohort.",
    )
    min_size: int | None = strawberry.field(
        default=None, description="Smallest cohort; default: the program's cohort minimum."
    )
    max_size: int | None = strawberry.field(
        default=None, description="Largest cohort; default: the program's full cohort size."
    )
    weights: FormationWeightsInput | None = None
    seed: int = 0
    language_share: float = strawberry.field(
        default=DEFAULT_LANGUAGE_SHARE,
        description="Each member shares a language with at least this share of the others "
        "(and never with nobody); 0 turns the rule off.",
    )
    replace: bool = strawberry.field(
        default=False,
        description="Replace pending proposals that invited families of this pool (their "
        "open invitations are withdrawn); otherwise such a pool is refused with CONFLICT.",
    )


@strawberry.type
class GoalCount:
    goal: str
    count: int


@strawberry.type(description="Why these families belong together.")
class CohortRationale:
    shared_goals: list[GoalCount]
    ties_kept: int = strawberry.field(description="Existing help or referral ties inside.")
    needs_met: list[GoalCount] = strawberry.field(
        description="Needs (by skill) met by a cohort-mate's strength, with how many families."
    )
    common_languages: list[str]
    summary: str


@strawberry.type(description="One family offered a place, and its answer so far.")
class ProposalInvitation:
    family_id: strawberry.ID
    status: MembershipStatus

    @strawberry.field(description="The family, if the caller may see it.")
    async def family(self, info: GraphInfo) -> Family | None:
        return await family_node(info, str(self.family_id))


@strawberry.type
class ProposedCohort:
    cohort_id: strawberry.Private[str]
    member_ids: strawberry.Private[tuple[str, ...]]
    rationale: CohortRationale
    invitations: list[ProposalInvitation]

    @strawberry.field
    async def cohort(self, info: GraphInfo) -> Cohort | None:
        return await cohort_node(info, self.cohort_id)

    @strawberry.field(description="The families offered a place (each accepts or declines).")
    async def members(self, info: GraphInfo) -> list[Family]:
        return await visible_families(info, self.member_ids)


@strawberry.type(description="A family of the pool in no proposed cohort, and why.")
class LeftOverFamily:
    family_id: strawberry.ID
    reason: LeftOverReason
    explanation: str

    @strawberry.field(description="The family, if the caller may see it.")
    async def family(self, info: GraphInfo) -> Family | None:
        return await family_node(info, str(self.family_id))


@strawberry.type(description="Quality figures of a proposal.")
class ProposalQualityType:
    cohorts: int
    mean_goal_similarity: float
    ties_kept_share: float | None = strawberry.field(
        description="Existing ties kept inside one cohort; null when the pool had no ties."
    )
    ties_total: int
    needs_covered_share: float
    sizes_valid: bool
    cohorts_without_common_language: int = strawberry.field(
        description="Cohorts with no language all their members share."
    )
    families_sharing_no_language: int = strawberry.field(
        description="Members who share a language with nobody in their cohort."
    )

    @staticmethod
    def of(q: ProposalFigures) -> ProposalQualityType:
        return ProposalQualityType(**dict(q))  # the same field names, one list of them


@strawberry.type(description="A stored cohort proposal: its pool, weights, figures, cohorts.")
class CohortProposal:
    id: strawberry.ID
    region_id: strawberry.ID
    status: ProposalStatus
    created_at: date
    proposed_by: str
    pool_size: int
    pool_ids: list[strawberry.ID]
    min_size: int
    max_size: int
    seed: int
    language_share: float
    weights: FormationWeightsType
    quality: ProposalQualityType
    cohorts: list[ProposedCohort]
    left_over: list[LeftOverFamily]
    replaced_by: strawberry.ID | None


def _graphql(view: service.ProposalView, locale: str) -> CohortProposal:
    """The GraphQL object of a proposal, its texts in ``locale``."""
    r = view.record
    cohorts = [
        ProposedCohort(
            cohort_id=c.cohort_id,
            member_ids=c.member_ids,
            rationale=CohortRationale(
                shared_goals=[GoalCount(goal=g, count=n) for g, n in c.rationale.shared_goals],
                ties_kept=c.rationale.ties_kept,
                needs_met=[GoalCount(goal=g, count=n) for g, n in c.rationale.needs_met],
                common_languages=list(c.rationale.common_languages),
                summary=cohort_summary(len(c.member_ids), c.rationale, locale),
            ),
            invitations=[
                ProposalInvitation(family_id=strawberry.ID(f), status=s)
                for f, s in sorted(c.answers.items())
            ],
        )
        for c in view.cohorts
    ]
    reasons = [LeftOverReason(x) for x in r.left_over_reasons]
    return CohortProposal(
        id=strawberry.ID(r.id),
        region_id=strawberry.ID(r.region_id),
        status=r.status,
        created_at=r.created_at,
        proposed_by=r.proposed_by,
        pool_size=len(r.pool),
        pool_ids=[strawberry.ID(f) for f in r.pool],
        min_size=r.min_size,
        max_size=r.max_size,
        seed=r.seed,
        language_share=r.language_share,
        weights=FormationWeightsType(
            goals=r.weights.goals,
            ties=r.weights.ties,
            needs=r.weights.needs,
            languages=r.weights.languages,
            region=r.weights.region,
        ),
        quality=ProposalQualityType.of(r.quality),
        cohorts=cohorts,
        left_over=[
            LeftOverFamily(
                family_id=strawberry.ID(f),
                reason=reason,
                explanation=left_over_explanation(
                    reason, len(r.pool), r.min_size, r.max_size, locale
                ),
            )
            for f, reason in zip(r.left_over, reasons, strict=True)
        ],
        replaced_by=strawberry.ID(r.replaced_by) if r.replaced_by else None,
    )


@strawberry.type
class ProposalQuery:
    @strawberry.field(description="Every cohort proposal of a region, newest first.")
    async def cohort_proposals(
        self, info: GraphInfo, region_id: strawberry.ID
    ) -> list[CohortProposal]:
        ctx = info.context
        views = await in_thread(
            lambda: service.list_proposals(ctx.store, ctx.principal, str(region_id))
        )
        locale = await ctx.locale()
        return [_graphql(v, locale) for v in views]

    @strawberry.field(description="One cohort proposal, with its invitations and their answers.")
    async def cohort_proposal(self, info: GraphInfo, id: strawberry.ID) -> CohortProposal:
        ctx = info.context
        view = await in_thread(lambda: service.get_proposal(ctx.store, ctx.principal, str(id)))
        return _graphql(view, await ctx.locale())


@strawberry.type
class ProposalMutation:
    @strawberry.mutation(
        description="Organizers propose cohorts for a pool; families are invited, never moved."
    )
    async def propose_cohorts(self, info: GraphInfo, input: ProposeCohortsInput) -> CohortProposal:
        ctx = info.context
        weights = None
        if input.weights is not None:
            given = {f.name: getattr(input.weights, f.name) for f in fields(FormationWeights)}
            with fields_named({name: f"weights.{name}" for name in given}):
                weights = FormationWeights(**given)
        family_ids = [str(f) for f in input.family_ids] if input.family_ids is not None else None
        view = await in_thread(
            lambda: service.propose(
                ctx.store,
                ctx.settings,
                ctx.principal,
                region_id=str(input.region_id),
                family_ids=family_ids,
                min_size=input.min_size,
                max_size=input.max_size,
                weights=weights,
                seed=input.seed,
                language_share=input.language_share,
                replace=input.replace,
            )
        )
        return _graphql(view, await ctx.locale())

    @strawberry.mutation(
        description="Withdraw a pending proposal: open invitations are withdrawn, accepted "
        "ones kept, cohorts nobody joined closed."
    )
    async def withdraw_cohort_proposal(self, info: GraphInfo, id: strawberry.ID) -> CohortProposal:
        ctx = info.context
        view = await in_thread(lambda: service.withdraw(ctx.store, ctx.principal, str(id)))
        return _graphql(view, await ctx.locale())
