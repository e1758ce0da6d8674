"""GraphQL for cohort proposals: ``proposeCohorts`` (organizers), answered by families with
``acceptInvitation`` / ``declineInvitation``."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graph_service.analytics.cohort_formation import FormationWeights, ProposalQuality
from graph_service.api.context import Context, in_thread
from graph_service.api.types import Cohort, Family, cohort_node, visible_families
from graph_service.services import proposals as service
from graph_service.services.proposal_text import cohort_summary

GraphInfo = Info[Context, None]


@strawberry.input(description="Relative weights of the proposal's objective (all >= 0).")
class FormationWeightsInput:
    goals: float = 1.0
    ties: float = 1.0
    needs: float = 0.5
    languages: float = 0.25
    region: float = 0.5


@strawberry.input
class ProposeCohortsInput:
    region_id: strawberry.ID
    family_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="An explicit pool; default: the region's families without an active cohort.",
    )
    min_size: int = 6
    max_size: int = 8
    weights: FormationWeightsInput | None = None
    seed: int = 0


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


@strawberry.type
class ProposedCohort:
    cohort_id: strawberry.Private[str]
    member_ids: strawberry.Private[tuple[str, ...]]
    rationale: CohortRationale

    @strawberry.field
    async def cohort(self, info: GraphInfo) -> Cohort | None:
        return await cohort_node(info, self.cohort_id)

    @strawberry.field(description="The families offered a place (each accepts or declines).")
    async def members(self, info: GraphInfo) -> list[Family]:
        return await visible_families(info, self.member_ids)


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

    @staticmethod
    def of(q: ProposalQuality) -> ProposalQualityType:
        return ProposalQualityType(
            cohorts=q.cohorts,
            mean_goal_similarity=q.mean_goal_similarity,
            ties_kept_share=q.ties_kept_share,
            ties_total=q.ties_total,
            needs_covered_share=q.needs_covered_share,
            sizes_valid=q.sizes_valid,
        )


@strawberry.type
class CohortProposal:
    id: strawberry.ID
    region_id: strawberry.ID
    cohorts: list[ProposedCohort]
    quality: ProposalQualityType


@strawberry.type
class ProposalMutation:
    @strawberry.mutation(
        description="Organizers propose cohorts for a pool; families are invited, never moved."
    )
    async def propose_cohorts(self, info: GraphInfo, input: ProposeCohortsInput) -> CohortProposal:
        ctx = info.context
        w = input.weights
        weights = FormationWeights(w.goals, w.ties, w.needs, w.languages, w.region) if w else None
        family_ids = [str(f) for f in input.family_ids] if input.family_ids is not None else None
        stored = await in_thread(
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
            )
        )
        cohorts = [
            ProposedCohort(
                cohort_id=cohort_id,
                member_ids=proposed.members,
                rationale=CohortRationale(
                    shared_goals=[
                        GoalCount(goal=g, count=n) for g, n in proposed.rationale.shared_goals
                    ],
                    ties_kept=proposed.rationale.ties_kept,
                    needs_met=[GoalCount(goal=g, count=n) for g, n in proposed.rationale.needs_met],
                    common_languages=list(proposed.rationale.common_languages),
                    summary=cohort_summary(len(proposed.members), proposed.rationale),
                ),
            )
            for cohort_id, proposed in zip(stored.cohort_ids, stored.proposal.cohorts, strict=True)
        ]
        return CohortProposal(
            id=strawberry.ID(stored.id),
            region_id=strawberry.ID(stored.region_id),
            cohorts=cohorts,
            quality=ProposalQualityType.of(stored.proposal.quality),
        )
