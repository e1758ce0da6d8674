"""GraphQL for introductions: ``requestIntroduction``, ``acceptIntroduction``,
``declineIntroduction``, ``withdrawIntroduction`` and ``introductions`` (the calling family's).

A contact detail is shown to the other family only while the introduction is accepted
(:func:`graph_service.services.access.decide_introduction`); otherwise ``theirContact`` is
null."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry
from strawberry.types import Info

from graph_service.api.context import Context, in_thread
from graph_service.api.types import Family, family_node
from graph_service.services import introductions as service
from graph_service.services.access import IntroductionAction, decide_introduction
from models import Introduction as IntroductionModel
from models import IntroductionStatus as ModelIntroductionStatus

GraphInfo = Info[Context, None]

IntroductionStatus = strawberry.enum(
    ModelIntroductionStatus, description="Where an introduction stands."
)


@strawberry.enum(description="Whether the calling family asked (SENT) or was asked (RECEIVED).")
class IntroductionDirection(Enum):
    SENT = "sent"
    RECEIVED = "received"


@strawberry.type(description="A request to be introduced, as one of its two families sees it.")
class Introduction:
    model: strawberry.Private[IntroductionModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.model.id)

    @strawberry.field
    def status(self) -> IntroductionStatus:  # type: ignore[valid-type]  # strawberry.enum of a domain enum
        return self.model.status

    @strawberry.field
    def requested_on(self) -> date:
        return self.model.requested_on

    @strawberry.field
    def answered_on(self) -> date | None:
        return self.model.answered_on

    @strawberry.field
    def direction(self, info: GraphInfo) -> IntroductionDirection:
        principal = info.context.principal
        me = principal.family_id if principal is not None else None
        return (
            IntroductionDirection.SENT
            if me == self.model.from_id
            else IntroductionDirection.RECEIVED
        )

    @strawberry.field(description="The other family, if the caller may see it.")
    async def family(self, info: GraphInfo) -> Family | None:
        principal = info.context.principal
        me = principal.family_id if principal is not None else None
        other = self.model.to_id if me == self.model.from_id else self.model.from_id
        return await family_node(info, other)

    @strawberry.field(description="The contact detail the calling family chose to share.")
    def my_contact(self, info: GraphInfo) -> str | None:
        principal = info.context.principal
        me = principal.family_id if principal is not None else None
        if me == self.model.from_id:
            return self.model.from_contact
        return self.model.to_contact if me == self.model.to_id else None

    @strawberry.field(
        description="The other family's chosen contact detail: only while the introduction "
        "is ACCEPTED, else null."
    )
    async def their_contact(self, info: GraphInfo) -> str | None:
        viewer = await info.context.viewer()
        if decide_introduction(viewer, IntroductionAction.READ_CONTACT, self.model) != "allow":
            return None
        me = viewer.principal.family_id
        return self.model.to_contact if me == self.model.from_id else self.model.from_contact


@strawberry.input
class RequestIntroductionInput:
    to_id: strawberry.ID
    contact: str | None = strawberry.field(
        default=None,
        description="The contact detail to share once the peer accepts (a phone number, an "
        "e-mail address...); default: the family's contact on file.",
    )


@strawberry.type
class IntroductionQuery:
    @strawberry.field(
        description="The calling family's introductions, asked for and asked about, oldest first."
    )
    async def introductions(self, info: GraphInfo) -> list[Introduction]:
        ctx = info.context
        found = await in_thread(lambda: service.introductions(ctx.store, ctx.principal))
        return [Introduction(model=i) for i in found]


@strawberry.type
class IntroductionMutation:
    @strawberry.mutation(
        description="Ask to be introduced to a family (one who agreed to be suggested as a "
        "peer). Nothing is shared until it accepts."
    )
    async def request_introduction(
        self, info: GraphInfo, input: RequestIntroductionInput
    ) -> Introduction:
        ctx = info.context
        found = await in_thread(
            lambda: service.request_introduction(
                ctx.store, ctx.settings, ctx.principal, str(input.to_id), input.contact
            )
        )
        return Introduction(model=found)

    @strawberry.mutation(
        description="The family asked accepts: both see each other's chosen contact detail."
    )
    async def accept_introduction(
        self, info: GraphInfo, id: strawberry.ID, contact: str | None = None
    ) -> Introduction:
        ctx = info.context
        found = await in_thread(
            lambda: service.answer_introduction(
                ctx.store, ctx.principal, str(id), accept=True, contact=contact
            )
        )
        return Introduction(model=found)

    @strawberry.mutation(description="The family asked declines: nothing is shared.")
    async def decline_introduction(self, info: GraphInfo, id: strawberry.ID) -> Introduction:
        ctx = info.context
        found = await in_thread(
            lambda: service.answer_introduction(ctx.store, ctx.principal, str(id), accept=False)
        )
        return Introduction(model=found)

    @strawberry.mutation(
        description="Either family withdraws an open introduction: contact details are hidden "
        "again."
    )
    async def withdraw_introduction(self, info: GraphInfo, id: strawberry.ID) -> Introduction:
        ctx = info.context
        found = await in_thread(
            lambda: service.withdraw_introduction(ctx.store, ctx.principal, str(id))
        )
        return Introduction(model=found)
