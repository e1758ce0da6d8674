"""GraphQL object types. Every path to a family goes through :func:`family_node`, which applies
the access policy (:mod:`graph_service.services.access`); private fields check the level."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from graph_service.api.household import HouseholdFacts
from graph_service.auth import Role
from graph_service.errors import NotFound, ValidationFailed
from graph_service.readmodel import AsOf
from graph_service.services.access import (
    Action,
    FamilyResource,
    Visibility,
    authorize,
    can_see_cohort,
    family_visibility,
    require_principal,
    require_visibility,
)
from models import Cohort as CohortModel
from models import (
    CohortOrigin,
    CohortStatus,
    FieldProblem,
    GoalStatus,
    Helped,
    MemberOf,
    MembershipStatus,
    Pursues,
    Referred,
    vocabulary,
)
from models import Family as FamilyModel
from models import Goal as GoalModel
from models import Region as RegionModel

if TYPE_CHECKING:
    from graph_service.api.context import Context

    GraphInfo = Info[Context, None]
else:
    GraphInfo = Info

# ---------------------------------------------------------------------------- enums


# The domain's enums, exposed as they are (registering returns the same class).
strawberry.enum(GoalStatus, description="Where a family stands with a goal.")
strawberry.enum(
    MembershipStatus, name="MembershipStatusEnum", description="A family's standing in a cohort."
)
strawberry.enum(CohortStatus)
strawberry.enum(CohortOrigin)


# ---------------------------------------------------------------------------- cursors

_CURSOR_PREFIX = "v1:"


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{key}".encode()).decode()


def decode_cursor(cursor: str | None, field: str = "after") -> str | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_CURSOR_PREFIX):
        raise ValidationFailed([FieldProblem(field, "not a cursor returned by this API")])
    return text.removeprefix(_CURSOR_PREFIX)


def check_page_size(first: int, maximum: int, field: str = "first") -> None:
    if not 1 <= first <= maximum:
        raise ValidationFailed([FieldProblem(field, f"must be between 1 and {maximum}")])


def subject_family(info: GraphInfo, family_id: strawberry.ID | None) -> str:
    """The family a request is about: the argument, or the caller's own family."""
    principal = require_principal(info.context.principal)
    if family_id is not None:
        return str(family_id)
    if principal.role is Role.FAMILY:
        return principal.subject
    raise NotFound(
        "give familyId (only family tokens have a family of their own)", field="familyId"
    )


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


# ---------------------------------------------------------------------------- simple nodes


@strawberry.type(description="An entry of the shared goal catalogue.")
class Goal:
    id: strawberry.ID
    label: str

    @staticmethod
    def of(model: GoalModel) -> Goal:
        return Goal(id=strawberry.ID(model.id), label=model.label)


def goal_by_id(goal_id: str) -> Goal:
    label = vocabulary().goal_categories.get(goal_id, goal_id)
    return Goal(id=strawberry.ID(goal_id), label=label)


@strawberry.type(description="A metro area the program serves.")
class Region:
    id: strawberry.ID
    name: str
    state: str
    latitude: float | None
    longitude: float | None

    @staticmethod
    def of(model: RegionModel) -> Region:
        return Region(
            id=strawberry.ID(model.id),
            name=model.name,
            state=model.state,
            latitude=model.latitude,
            longitude=model.longitude,
        )


async def region_by_id(info: GraphInfo, region_id: str) -> Region:
    model = (await info.context.regions()).get(region_id)
    if model is None:
        return Region(
            id=strawberry.ID(region_id), name=region_id, state="", latitude=None, longitude=None
        )
    return Region.of(model)


@strawberry.type(description="A family's consent. All default to false (private).")
class Consent:
    matching: bool = strawberry.field(description="May be suggested to other families as a peer.")
    cross_region: bool = strawberry.field(description="May be connected across regions.")
    research: bool = strawberry.field(description="May be counted in de-identified research.")


@strawberry.type(description="A goal a family pursues.")
class FamilyGoal:
    goal: Goal
    status: GoalStatus
    since: date
    achieved_at: date | None
    description: str

    @staticmethod
    def of(p: Pursues) -> FamilyGoal:
        return FamilyGoal(
            goal=goal_by_id(p.goal_id),
            status=p.status,
            since=p.since,
            achieved_at=p.achieved_at,
            description=p.description,
        )


# ---------------------------------------------------------------------------- family


async def family_node(info: GraphInfo, family_id: str) -> Family | None:
    """The family as the caller may see it, or ``None`` if it does not exist or is hidden."""
    ctx = info.context
    # The record, the caller and the family's cohorts at once: the loaders of all the families
    # a query resolves then batch into one read each, run side by side (not one after another).
    model, viewer, cohorts = await asyncio.gather(
        ctx.loaders.family.load(family_id), ctx.viewer(), ctx.active_cohorts(family_id)
    )
    if model is None:
        return None
    level = family_visibility(viewer, model, cohorts)
    if level is Visibility.NONE:
        return None
    return Family(model=model, level=level)


async def visible_families(info: GraphInfo, ids: Sequence[str]) -> list[Family]:
    nodes = await asyncio.gather(*(family_node(info, i) for i in ids))
    return [n for n in nodes if n is not None]


async def family_or_error(info: GraphInfo, family_id: str, field: str = "id") -> Family:
    node = await family_node(info, family_id)
    if node is None:
        # Hidden and missing look the same, so ids cannot be probed.
        raise NotFound(f"no family {family_id!r} that you may see", field=field)
    return node


def _own_family(info: GraphInfo) -> str | None:
    principal = info.context.principal
    return principal.family_id if principal is not None else None


@strawberry.type(
    description="A household in the program, as far as the caller may see it. Private fields "
    "are nullable: one the caller may not read is null (with a FORBIDDEN error for that "
    "field) and the rest of the family stays."
)
class Family:
    model: strawberry.Private[FamilyModel]
    level: strawberry.Private[Visibility]

    def _private(self, what: str, info: GraphInfo) -> FamilyModel:
        require_visibility(self.level, Visibility.MANAGED, f"this family's {what}")
        if self.level is Visibility.MANAGED or (
            self.level is Visibility.OWNER and self.model.id != _own_family(info)
        ):
            # an organizer or admin read a private field: audited at the end of the request
            info.context.private_reads.add((self.model.id, what))
        return self.model

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.model.id)

    @strawberry.field(description="Display name.")
    def name(self) -> str:
        return self.model.name

    @strawberry.field
    async def region(self, info: GraphInfo) -> Region:
        return await region_by_id(info, self.model.region_id)

    @strawberry.field
    def languages(self) -> list[str]:
        return list(self.model.languages)

    @strawberry.field
    def strengths(self) -> list[str]:
        return list(self.model.strengths)

    @strawberry.field
    def needs(self) -> list[str]:
        return list(self.model.needs)

    @strawberry.field
    def joined_at(self) -> date:
        return self.model.joined_at

    @strawberry.field
    async def goals(self, info: GraphInfo) -> list[FamilyGoal]:
        return [FamilyGoal.of(p) for p in await info.context.loaders.pursuits.load(self.model.id)]

    @strawberry.field(description="The family's active cohort, if it has one you may see.")
    async def cohort(self, info: GraphInfo) -> Cohort | None:
        active = sorted(await info.context.active_cohorts(self.model.id))
        for cohort_id in active:
            node = await cohort_node(info, cohort_id)
            if node is not None:
                return node
        return None

    @strawberry.field(description="Private: contact details.")
    def contact(self, info: GraphInfo) -> str | None:
        return self._private("contact", info).contact

    @strawberry.field(description="Private.")
    def household_size(self, info: GraphInfo) -> int | None:
        return self._private("household", info).household_size

    @strawberry.field(
        description="Private to the family itself and admins (not organizers): adults and "
        "children with their ages, for the benefit-cliff lens."
    )
    async def household_facts(self, info: GraphInfo) -> HouseholdFacts:
        viewer = await info.context.viewer()
        cohorts = await info.context.active_cohorts(self.model.id)
        authorize(
            viewer, Action.READ_HOUSEHOLD, FamilyResource(self.model, cohorts), "householdFacts"
        )
        if self.model.id != _own_family(info):
            info.context.private_reads.add((self.model.id, "household_facts"))
        return HouseholdFacts.of(self.model.household_facts)

    @strawberry.field(description="Private: program income band, 1 (lowest) to 5.")
    def income_band(self, info: GraphInfo) -> int | None:
        return self._private("income", info).income_band

    @strawberry.field(description="Private: income band at baseline.")
    def baseline_income_band(self, info: GraphInfo) -> int | None:
        return self._private("income", info).baseline_income_band

    @strawberry.field(description="Private.")
    def consent(self, info: GraphInfo) -> Consent | None:
        c = self._private("consent", info).consent
        return Consent(matching=c.matching, cross_region=c.cross_region, research=c.research)

    @strawberry.field(description="Private: cohorts joined, left and invited to.")
    async def memberships(self, info: GraphInfo) -> list[Membership] | None:
        self._private("memberships", info)
        return [
            Membership(model=m) for m in await info.context.loaders.memberships.load(self.model.id)
        ]

    @strawberry.field(description="Private: help this family gave, oldest first.")
    async def help_given(
        self, info: GraphInfo, first: int = 20, after: str | None = None
    ) -> HelpConnection | None:
        self._private("help", info)
        return await help_connection(info, self.model.id, given=True, first=first, after=after)

    @strawberry.field(description="Private: help this family received, oldest first.")
    async def help_received(
        self, info: GraphInfo, first: int = 20, after: str | None = None
    ) -> HelpConnection | None:
        self._private("help", info)
        return await help_connection(info, self.model.id, given=False, first=first, after=after)

    @strawberry.field(description="Private: who brought this family into the program.")
    async def referred_by(self, info: GraphInfo) -> Referral | None:
        self._private("referral", info)
        ref = await info.context.loaders.referrer.load(self.model.id)
        return Referral(model=ref) if ref is not None else None


@strawberry.type
class FamilyEdge:
    cursor: str
    node: Family


@strawberry.type
class FamilyConnection:
    edges: list[FamilyEdge]
    page_info: PageInfo
    count_filter: strawberry.Private[object]

    @strawberry.field(description="Total matching families (computed only when selected).")
    async def total_count(self, info: GraphInfo) -> int:
        from graph_service.api.context import in_thread
        from graph_service.stores.base import FamilyFilter

        assert isinstance(self.count_filter, FamilyFilter)
        return await in_thread(info.context.store.count_families, self.count_filter)


# ---------------------------------------------------------------------------- help & referral


@strawberry.type(description="One exchange of help, recorded by the giver.")
class HelpExchange:
    model: strawberry.Private[Helped]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.model.id)

    @strawberry.field(description="A help kind from the vocabulary.")
    def kind(self) -> str:
        return self.model.kind

    @strawberry.field
    def at(self) -> date:
        return self.model.at

    @strawberry.field
    def hours(self) -> float | None:
        return self.model.hours

    @strawberry.field(description="The family's own estimate of the dollar value.")
    def amount(self) -> float | None:
        return self.model.amount

    @strawberry.field(description="True once the receiving family confirmed it.")
    def confirmed(self) -> bool:
        return self.model.confirmed

    @strawberry.field
    async def giver(self, info: GraphInfo) -> Family | None:
        return await family_node(info, self.model.from_id)

    @strawberry.field
    async def receiver(self, info: GraphInfo) -> Family | None:
        return await family_node(info, self.model.to_id)


@strawberry.type
class HelpEdge:
    cursor: str
    node: HelpExchange


@strawberry.type
class HelpConnection:
    edges: list[HelpEdge]
    page_info: PageInfo
    total_count: int


async def help_connection(
    info: GraphInfo, family_id: str, *, given: bool, first: int, after: str | None
) -> HelpConnection:
    check_page_size(first, info.context.settings.max_page_size)
    start = decode_cursor(after)
    everything = await info.context.loaders.help.load(family_id)
    mine = [h for h in everything if (h.from_id if given else h.to_id) == family_id]
    keyed = [(f"{h.at.isoformat()}|{h.id}", h) for h in mine]
    rest = [(k, h) for k, h in keyed if start is None or k > start]
    page = rest[:first]
    return HelpConnection(
        edges=[HelpEdge(cursor=encode_cursor(k), node=HelpExchange(model=h)) for k, h in page],
        page_info=PageInfo(
            has_next_page=len(rest) > first, end_cursor=encode_cursor(page[-1][0]) if page else None
        ),
        total_count=len(mine),
    )


@strawberry.type(description="Who brought whom into the program.")
class Referral:
    model: strawberry.Private[Referred]

    @strawberry.field
    def at(self) -> date:
        return self.model.at

    @strawberry.field
    async def referrer(self, info: GraphInfo) -> Family | None:
        return await family_node(info, self.model.from_id)

    @strawberry.field
    async def referred(self, info: GraphInfo) -> Family | None:
        return await family_node(info, self.model.to_id)


# ---------------------------------------------------------------------------- cohort


async def cohort_node(info: GraphInfo, cohort_id: str) -> Cohort | None:
    model = await info.context.loaders.cohort.load(cohort_id)
    if model is None or not can_see_cohort(await info.context.viewer(), model):
        return None
    return Cohort(model=model)


@strawberry.type(description="A peer group of families who chose one another.")
class Cohort:
    model: strawberry.Private[CohortModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.model.id)

    @strawberry.field
    def name(self) -> str:
        return self.model.name

    @strawberry.field
    async def region(self, info: GraphInfo) -> Region:
        return await region_by_id(info, self.model.region_id)

    @strawberry.field
    def status(self) -> CohortStatus:
        return self.model.status

    @strawberry.field
    def origin(self) -> CohortOrigin:
        return self.model.origin

    @strawberry.field
    def created_at(self) -> date:
        return self.model.created_at

    @strawberry.field
    def focus_goals(self) -> list[Goal]:
        return [goal_by_id(g) for g in self.model.focus_goals]

    @strawberry.field(description="Active members the caller may see.")
    async def members(self, info: GraphInfo) -> list[Family]:
        memberships = await info.context.loaders.members.load(self.model.id)
        ids = [m.family_id for m in memberships if m.status is MembershipStatus.ACTIVE]
        return await visible_families(info, ids)

    @strawberry.field(
        description="Families invited who have not answered yet (the families a proposed "
        "cohort offers a place to, until they accept or decline) the caller may see."
    )
    async def invited(self, info: GraphInfo) -> list[Family]:
        memberships = await info.context.loaders.members.load(self.model.id)
        ids = [m.family_id for m in memberships if m.status is MembershipStatus.INVITED]
        return await visible_families(info, ids)

    @strawberry.field(description="Number of active members.")
    async def member_count(self, info: GraphInfo) -> int:
        memberships = await info.context.loaders.members.load(self.model.id)
        return sum(1 for m in memberships if m.status is MembershipStatus.ACTIVE)


@strawberry.type
class CohortEdge:
    cursor: str
    node: Cohort


@strawberry.type
class CohortConnection:
    edges: list[CohortEdge]
    page_info: PageInfo


@strawberry.type(description="A family's standing in a cohort (including invitations).")
class Membership:
    model: strawberry.Private[MemberOf]

    @strawberry.field
    def status(self) -> MembershipStatus:
        return self.model.status

    @strawberry.field
    def since(self) -> date:
        return self.model.since

    @strawberry.field
    async def cohort(self, info: GraphInfo) -> Cohort | None:
        return await cohort_node(info, self.model.cohort_id)

    @strawberry.field
    async def family(self, info: GraphInfo) -> Family | None:
        return await family_node(info, self.model.family_id)

    @strawberry.field
    async def invited_by(self, info: GraphInfo) -> Family | None:
        if self.model.invited_by is None:
            return None
        return await family_node(info, self.model.invited_by)


@strawberry.type(description="Program-wide totals (public; small counts suppressed).")
class Stats:
    """Counts of families, cohorts, help and referrals from 1 to the small-cell threshold are
    null for everyone but organizers and admins (the research disclosure rule); catalogue
    sizes (goals, regions) describe no family and are always shown."""

    families: int | None
    cohorts: int | None
    goals: int
    regions: int
    help_exchanges: int | None
    referrals: int | None


@strawberry.type(
    name="AsOf",
    description="How fresh a result computed in the background is: the data version it was "
    "computed on, when, and whether the data has moved since (then a fresh one is on its way).",
)
class AsOfType:
    data_version: int
    computed_at: datetime
    current_version: int
    stale: bool

    @staticmethod
    def of(as_of: AsOf) -> AsOfType:
        return AsOfType(
            data_version=as_of.data_version,
            computed_at=as_of.computed_at,
            current_version=as_of.current_version,
            stale=as_of.stale,
        )
