"""GraphQL for web sign-in: ``issueSignInCode`` (admins for anyone, organizers for families of
their regions). Redeeming a code is the web app's sign-in form, not a GraphQL field."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from graph_service.api.context import Context, in_thread
from graph_service.auth import Role
from graph_service.services import signin as service

GraphInfo = Info[Context, None]


@strawberry.enum(description="Who a sign-in code signs in as.")
class SignInRole(Enum):
    FAMILY = "family"
    ORGANIZER = "organizer"
    RESEARCHER = "researcher"
    ADMIN = "admin"
    STAFF = "staff"


@strawberry.input
class IssueSignInCodeInput:
    role: SignInRole
    subject: strawberry.ID = strawberry.field(description="A family id, or the person's name.")
    regions: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Organizers and staff: the regions they serve."
    )


@strawberry.type(description="A one-time sign-in code; shown once, stored only as a hash.")
class SignInCode:
    code: str
    role: SignInRole
    subject: strawberry.ID
    regions: list[strawberry.ID]
    expires_at: datetime


@strawberry.type
class SignInMutation:
    @strawberry.mutation(
        description="Issue a single-use, expiring sign-in code for the web app (admins: anyone; "
        "organizers: families of their regions)."
    )
    async def issue_sign_in_code(self, info: GraphInfo, input: IssueSignInCodeInput) -> SignInCode:
        ctx = info.context
        issued = await in_thread(
            service.issue_code,
            ctx.store,
            ctx.settings,
            ctx.principal,
            Role(input.role.value),
            str(input.subject),
            tuple(str(r) for r in input.regions),
        )
        return SignInCode(
            code=issued.code,
            role=SignInRole(issued.grant.role),
            subject=strawberry.ID(issued.grant.subject),
            regions=[strawberry.ID(r) for r in issued.grant.regions],
            expires_at=issued.expires_at,
        )
