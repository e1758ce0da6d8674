"""The GraphQL schema: queries, mutations, limits and error handling.

Resolvers are thin: they validate arguments, call a service, and wrap the result in a type.
Later features add their fields by extending :class:`Query` / :class:`Mutation` here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import date
from enum import Enum
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.tools import merge_types
from strawberry.types import Info

from graph_service.api.audit import AuditMutation, AuditPrivateReads, AuditQuery
from graph_service.api.bounds import bounds_extension
from graph_service.api.cliff import CliffMutation, CliffQuery
from graph_service.api.context import Context, in_thread
from graph_service.api.introductions import IntroductionMutation, IntroductionQuery
from graph_service.api.journal import JournalMutation, JournalQuery
from graph_service.api.limits import Limits, RequestGuard
from graph_service.api.matching import MatchingQuery
from graph_service.api.proposals import ProposalMutation, ProposalQuery
from graph_service.api.research import ResearchQuery
from graph_service.api.ripple import RippleQuery
from graph_service.api.signin import SignInMutation
from graph_service.api.types import (
    Cohort,
    CohortConnection,
    CohortEdge,
    Family,
    FamilyConnection,
    FamilyEdge,
    FamilyGoal,
    Goal,
    HelpExchange,
    Membership,
    PageInfo,
    Region,
    Stats,
    check_page_size,
    cohort_node,
    decode_cursor,
    encode_cursor,
    family_node,
    family_or_error,
    subject_family,
)
from graph_service.auth import Principal, Role
from graph_service.errors import DomainError, Forbidden, NotFound
from graph_service.services import cohorts as cohort_service
from graph_service.services import families as family_service
from graph_service.services import help as help_service
from graph_service.services.access import (
    Action,
    Viewer,
    authorize,
    require_principal,
    require_region,
    require_role,
)
from graph_service.settings import Mode, Settings
from graph_service.stores.base import FamilyFilter, GraphStore
from models import Family as FamilyModel
from models import GoalStatus

GraphInfo = Info[Context, None]
T = TypeVar("T")

# ---------------------------------------------------------------------------- inputs


def as_record(value: object) -> dict[str, Any]:
    """An input object as a camelCase dict, leaving out fields the client did not set."""
    from pydantic.alias_generators import to_camel

    out: dict[str, Any] = {}
    for key, item in vars(value).items():
        if item is None or item is strawberry.UNSET:
            continue
        if isinstance(item, Enum):
            item = item.value
        elif hasattr(item, "__strawberry_definition__"):
            item = as_record(item)
        out[to_camel(key)] = item
    return out


@strawberry.input(description="Consent flags; leave a flag out to keep it as it is.")
class ConsentInput:
    matching: bool | None = strawberry.UNSET
    cross_region: bool | None = strawberry.UNSET
    research: bool | None = strawberry.UNSET


@strawberry.input
class RegisterFamilyInput:
    id: strawberry.ID = strawberry.field(description="A stable slug, e.g. 'oak-0042'.")
    name: str
    region_id: strawberry.ID
    household_size: int
    income_band: int
    baseline_income_band: int | None = strawberry.UNSET
    languages: list[str] | None = strawberry.UNSET
    strengths: list[str] | None = strawberry.UNSET
    needs: list[str] | None = strawberry.UNSET
    contact: str | None = strawberry.UNSET
    consent: ConsentInput | None = strawberry.UNSET


@strawberry.input(description="Profile fields to change; leave a field out to keep it.")
class UpdateProfileInput:
    name: str | None = strawberry.UNSET
    region_id: strawberry.ID | None = strawberry.UNSET
    household_size: int | None = strawberry.UNSET
    income_band: int | None = strawberry.UNSET
    languages: list[str] | None = strawberry.UNSET
    strengths: list[str] | None = strawberry.UNSET
    needs: list[str] | None = strawberry.UNSET
    contact: str | None = strawberry.UNSET


@strawberry.input
class GoalInput:
    goal_id: strawberry.ID
    status: GoalStatus | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


@strawberry.input
class RecordHelpInput:
    to_id: strawberry.ID = strawberry.field(description="The family that received the help.")
    kind: str
    at: date | None = strawberry.field(default=strawberry.UNSET, description="Default: today.")
    hours: float | None = strawberry.UNSET
    amount: float | None = strawberry.UNSET
    from_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Organizers/admins: the giving family."
    )


@strawberry.input
class CreateCohortInput:
    name: str
    focus_goals: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input
class FamilyFilterInput:
    region_id: strawberry.ID | None = strawberry.UNSET
    goal_id: strawberry.ID | None = strawberry.UNSET
    cohort_id: strawberry.ID | None = strawberry.UNSET


# ---------------------------------------------------------------------------- helpers


async def _family_change(
    info: GraphInfo,
    change: Callable[[GraphStore, Principal, str, Mapping[str, Any]], T],
    family_id: strawberry.ID | None,
    input: object,
) -> T:
    """Apply ``change`` (a family service taking the input as a record) to the subject family."""
    principal = require_principal(info.context.principal)
    target = subject_family(info, family_id)
    return await in_thread(change, info.context.store, principal, target, as_record(input))


async def _visible_after_write(info: GraphInfo, model: FamilyModel) -> Family:
    info.context.loaders.family.prime(model.id, model, force=True)
    return await family_or_error(info, model.id)


def _family_filter_for(viewer: Viewer, filter: FamilyFilterInput | None) -> FamilyFilter:
    """What ``families`` may list for this caller: admins everything, organizers their
    regions, families the consenting families of their own region, researchers nothing."""
    principal = viewer.principal
    authorize(viewer, Action.LIST_FAMILIES)
    region = str(filter.region_id) if filter and filter.region_id else None
    goal = str(filter.goal_id) if filter and filter.goal_id else None
    cohort = str(filter.cohort_id) if filter and filter.cohort_id else None
    if principal.role is Role.ADMIN:
        return FamilyFilter(
            region_ids=(region,) if region else None, goal_id=goal, cohort_id=cohort
        )
    if principal.role is Role.ORGANIZER:
        if region:
            require_region(principal, region, field="filter.regionId")
        regions = (region,) if region else principal.regions
        return FamilyFilter(region_ids=regions, goal_id=goal, cohort_id=cohort)
    if principal.role is Role.FAMILY:
        if viewer.family is None:
            raise Forbidden("this token's family is not registered")
        if region is not None:
            raise Forbidden(
                "families list peers of their own region; use peer matching for others",
                field="filter.regionId",
            )
        return FamilyFilter(
            region_ids=(viewer.family.region_id,),
            goal_id=goal,
            cohort_id=cohort,
            consent_matching=True,
        )
    raise Forbidden("researchers see aggregates only, never families")


# ---------------------------------------------------------------------------- query


@strawberry.type
class CoreQuery:
    @strawberry.field(description="The calling family.")
    async def me(self, info: GraphInfo) -> Family:
        principal = require_role(info.context.principal, Role.FAMILY)
        return await family_or_error(info, principal.subject)

    @strawberry.field
    async def family(self, info: GraphInfo, id: strawberry.ID) -> Family:
        require_principal(info.context.principal)
        return await family_or_error(info, str(id))

    @strawberry.field(
        description="Families the caller may see, in id order. Families see consenting peers "
        "of their region; organizers their regions; admins everyone."
    )
    async def families(
        self,
        info: GraphInfo,
        filter: FamilyFilterInput | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> FamilyConnection:
        check_page_size(first, info.context.settings.max_page_size)
        start = decode_cursor(after)
        flt = _family_filter_for(await info.context.viewer(), filter)
        page = await in_thread(
            lambda: info.context.store.list_families(flt, after=start, limit=first)
        )
        for model in page.families:
            info.context.loaders.family.prime(model.id, model)
        nodes = await asyncio.gather(*(family_node(info, m.id) for m in page.families))
        edges = [
            FamilyEdge(cursor=encode_cursor(node.model.id), node=node)
            for node in nodes
            if node is not None
        ]
        end = encode_cursor(page.families[-1].id) if page.families else None
        return FamilyConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=end),
            count_filter=flt,
        )

    @strawberry.field
    async def cohort(self, info: GraphInfo, id: strawberry.ID) -> Cohort:
        require_principal(info.context.principal)
        node = await cohort_node(info, str(id))
        if node is None:
            raise NotFound(f"no cohort {id!r} that you may see", field="id")
        return node

    @strawberry.field(description="Cohorts of a region (families: their own region).")
    async def cohorts(
        self,
        info: GraphInfo,
        region_id: strawberry.ID | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> CohortConnection:
        authorize(await info.context.viewer(), Action.LIST_COHORTS)
        principal = require_principal(info.context.principal)
        check_page_size(first, info.context.settings.max_page_size)
        start = decode_cursor(after)
        regions: tuple[str, ...] | None
        if principal.role is Role.FAMILY:
            viewer = await info.context.viewer()
            regions = (viewer.family.region_id,) if viewer.family else ()
        elif region_id is not None:
            require_region(principal, str(region_id), field="regionId")
            regions = (str(region_id),)
        else:
            regions = None if principal.role is Role.ADMIN else principal.regions
        models = await in_thread(
            lambda: info.context.store.list_cohorts(regions, after=start, limit=first + 1)
        )
        page = models[:first]
        return CohortConnection(
            edges=[CohortEdge(cursor=encode_cursor(c.id), node=Cohort(model=c)) for c in page],
            page_info=PageInfo(
                has_next_page=len(models) > first,
                end_cursor=encode_cursor(page[-1].id) if page else None,
            ),
        )

    @strawberry.field(description="The goal catalogue (public).")
    async def goals(self, info: GraphInfo) -> list[Goal]:
        return [Goal.of(g) for g in await in_thread(info.context.store.list_goals)]

    @strawberry.field(description="The regions the program serves (public).")
    async def regions(self, info: GraphInfo) -> list[Region]:
        return [Region.of(r) for r in await in_thread(info.context.store.list_regions)]

    @strawberry.field(description="Program-wide totals (public).")
    async def stats(self, info: GraphInfo) -> Stats:
        c = await in_thread(info.context.store.counts)
        try:
            principal = info.context.principal
        except DomainError:
            principal = None  # a bad token still sees the public totals
        trusted = principal is not None and principal.role in (Role.ADMIN, Role.ORGANIZER)
        threshold = info.context.settings.small_cell_threshold

        def shown(count: int) -> int | None:
            return count if trusted or not 1 <= count <= threshold else None

        return Stats(
            families=shown(c["Family"]),
            cohorts=shown(c["Cohort"]),
            goals=c["Goal"],
            regions=c["Region"],
            help_exchanges=shown(c["HELPED"]),
            referrals=shown(c["REFERRED"]),
        )


# ---------------------------------------------------------------------------- mutation


# The program rules in the description are settings: name them, with their defaults.
_RULES = Settings.model_fields
_INVITE = (
    "An active member invites a family (at most GS_INVITATIONS_PER_MEMBER each, default "
    f"{_RULES['invitations_per_member'].default}, until the cohort has GS_COHORT_FULL_SIZE, "
    f"default {_RULES['cohort_full_size'].default})."
)


@strawberry.type
class CoreMutation:
    @strawberry.mutation(description="Organizers (their regions) and admins register a family.")
    async def register_family(self, info: GraphInfo, input: RegisterFamilyInput) -> Family:
        principal = require_role(info.context.principal, Role.ORGANIZER, Role.ADMIN)
        model = await in_thread(
            family_service.register_family, info.context.store, principal, as_record(input)
        )
        return await _visible_after_write(info, model)

    @strawberry.mutation(description="Change profile fields (the family itself or organizers).")
    async def update_profile(
        self, info: GraphInfo, input: UpdateProfileInput, family_id: strawberry.ID | None = None
    ) -> Family:
        model = await _family_change(info, family_service.update_profile, family_id, input)
        return await _visible_after_write(info, model)

    @strawberry.mutation(description="Only the family itself (or an admin) changes its consent.")
    async def update_consent(
        self, info: GraphInfo, input: ConsentInput, family_id: strawberry.ID | None = None
    ) -> Family:
        model = await _family_change(info, family_service.update_consent, family_id, input)
        return await _visible_after_write(info, model)

    @strawberry.mutation(description="Start, update, achieve or abandon a goal.")
    async def set_goal(
        self, info: GraphInfo, input: GoalInput, family_id: strawberry.ID | None = None
    ) -> FamilyGoal:
        pursuit = await _family_change(info, family_service.set_goal, family_id, input)
        return FamilyGoal.of(pursuit)

    @strawberry.mutation(description="The giving family records help; the receiver confirms.")
    async def record_help(self, info: GraphInfo, input: RecordHelpInput) -> HelpExchange:
        principal = require_role(info.context.principal, Role.FAMILY, Role.ORGANIZER, Role.ADMIN)
        model = await in_thread(
            help_service.record_help, info.context.store, principal, as_record(input)
        )
        return HelpExchange(model=model)

    @strawberry.mutation(description="The receiving family confirms help it received.")
    async def confirm_help(self, info: GraphInfo, help_id: strawberry.ID) -> HelpExchange:
        principal = require_principal(info.context.principal)
        model = await in_thread(
            help_service.confirm_help, info.context.store, principal, str(help_id)
        )
        return HelpExchange(model=model)

    @strawberry.mutation(description="A family starts a cohort and becomes its first member.")
    async def create_cohort(self, info: GraphInfo, input: CreateCohortInput) -> Cohort:
        principal = require_principal(info.context.principal)
        goals = [str(g) for g in input.focus_goals]
        model = await in_thread(
            cohort_service.create_cohort, info.context.store, principal, input.name, goals
        )
        return Cohort(model=model)

    @strawberry.mutation(description=_INVITE)
    async def invite_family(
        self, info: GraphInfo, cohort_id: strawberry.ID, family_id: strawberry.ID
    ) -> Membership:
        principal = require_principal(info.context.principal)
        model = await in_thread(
            cohort_service.invite_family,
            info.context.store,
            info.context.settings,
            principal,
            str(cohort_id),
            str(family_id),
        )
        return Membership(model=model)

    @strawberry.mutation(
        description="Accept an invitation: join the cohort (records the referral)."
    )
    async def accept_invitation(self, info: GraphInfo, cohort_id: strawberry.ID) -> Membership:
        principal = require_principal(info.context.principal)
        model = await in_thread(
            cohort_service.accept_invitation,
            info.context.store,
            info.context.settings,
            principal,
            str(cohort_id),
        )
        info.context.forget_memberships(principal.subject)
        return Membership(model=model)

    @strawberry.mutation
    async def decline_invitation(self, info: GraphInfo, cohort_id: strawberry.ID) -> Membership:
        principal = require_principal(info.context.principal)
        model = await in_thread(
            cohort_service.decline_invitation, info.context.store, principal, str(cohort_id)
        )
        return Membership(model=model)

    @strawberry.mutation
    async def leave_cohort(self, info: GraphInfo, cohort_id: strawberry.ID) -> Membership:
        principal = require_principal(info.context.principal)
        model = await in_thread(
            cohort_service.leave_cohort, info.context.store, principal, str(cohort_id)
        )
        return Membership(model=model)


# ---------------------------------------------------------------------------- schema

# Each feature contributes its own query type; they are merged into one root type.
Query = merge_types(
    "Query",
    (
        CoreQuery,
        MatchingQuery,
        RippleQuery,
        ResearchQuery,
        AuditQuery,
        ProposalQuery,
        IntroductionQuery,
        JournalQuery,
        CliffQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        CoreMutation,
        ProposalMutation,
        AuditMutation,
        SignInMutation,
        IntroductionMutation,
        JournalMutation,
        CliffMutation,
    ),
)


def schema_extensions(
    settings: Settings,
) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    """Parsing and validation off the event loop, with the abuse limits checked first
    (errors are coded by the router)."""
    production = settings.mode is Mode.PRODUCTION
    rules: tuple[Any, ...] = (NoSchemaIntrospectionCustomRule,) if production else ()
    limits = Limits(
        max_tokens=settings.max_tokens,
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_cost=settings.max_query_cost,
        max_selections=settings.max_selections,
        max_page=settings.max_page_size,
        validation_budget_s=settings.validation_budget_s,
    )
    return [
        RequestGuard.configured(limits, rules),
        bounds_extension(settings.max_string_length),
        AuditPrivateReads,
    ]


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=schema_extensions(settings))


def schema_sdl() -> str:
    """The schema as SDL (committed as ``schema.graphql``)."""
    return strawberry.Schema(query=Query, mutation=Mutation).as_str() + "\n"


__all__ = ["GraphQLError", "build_schema", "schema_sdl"]
