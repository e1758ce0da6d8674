"""GraphQL: the audit log (admins only) and erasing a family (admins only).

Also :class:`AuditPrivateReads`, the schema extension that writes one audit entry per family
whose private fields an organizer or admin read, once the request is answered.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.types import Info

from graph_service.api.context import Context, in_thread
from graph_service.api.types import PageInfo, check_page_size, decode_cursor, encode_cursor
from graph_service.services import audit as service
from graph_service.services.access import require_principal
from graph_service.stores.audit import AuditAction, AuditEntry

GraphInfo = Info[Context, None]


# The domain's enum, exposed as is (named AuditActionEnum in the schema, as before).
AuditActionEnum = strawberry.enum(
    AuditAction, name="AuditActionEnum", description="What an audit entry records."
)


@strawberry.type(description="One audit entry: who did what to whom, without private values.")
class AuditLogEntry:
    id: strawberry.ID
    at: datetime
    actor: str = strawberry.field(description="role:subject of the caller.")
    action: AuditActionEnum  # type: ignore[valid-type]  # strawberry.enum of a domain enum
    target: str = strawberry.field(description="A family id, a report or a token subject.")
    detail: str

    @staticmethod
    def of(entry: AuditEntry) -> AuditLogEntry:
        return AuditLogEntry(
            id=strawberry.ID(entry.id),
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            detail=entry.detail,
        )


@strawberry.type
class AuditLogEdge:
    cursor: str
    node: AuditLogEntry


@strawberry.type
class AuditLogConnection:
    edges: list[AuditLogEdge]
    page_info: PageInfo


@strawberry.type
class AuditQuery:
    @strawberry.field(description="Admins: the append-only audit log, oldest first.")
    async def audit_log(
        self,
        info: GraphInfo,
        first: int = 50,
        after: str | None = None,
        action: AuditActionEnum | None = None,  # type: ignore[valid-type]  # strawberry enum
    ) -> AuditLogConnection:
        principal = require_principal(info.context.principal)
        check_page_size(first, info.context.settings.max_page_size)
        start = decode_cursor(after)
        wanted = AuditAction(action) if action else None
        entries = await in_thread(
            service.read_log, info.context.store, principal, start, first + 1, wanted
        )
        page = entries[:first]
        return AuditLogConnection(
            edges=[
                AuditLogEdge(cursor=encode_cursor(e.cursor_key), node=AuditLogEntry.of(e))
                for e in page
            ],
            page_info=PageInfo(
                has_next_page=len(entries) > first,
                end_cursor=encode_cursor(page[-1].cursor_key) if page else None,
            ),
        )


@strawberry.type(description="The result of erasing a family.")
class Erasure:
    family_id: strawberry.ID
    erased: bool


@strawberry.type
class AuditMutation:
    @strawberry.mutation(
        description="Admins: erase a family (the right to be forgotten): its node, private "
        "data and every edge. Recorded in the audit log by id only."
    )
    async def erase_family(self, info: GraphInfo, family_id: strawberry.ID) -> Erasure:
        principal = require_principal(info.context.principal)
        erased = await in_thread(
            service.erase_family, info.context.store, principal, str(family_id)
        )
        with contextlib.suppress(KeyError):  # not loaded in this request
            info.context.loaders.family.clear(erased)
        return Erasure(family_id=strawberry.ID(erased), erased=True)


class AuditPrivateReads(SchemaExtension):
    """After the operation: audit the private fields organizers and admins read."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, Context) or not context.private_reads:
            return
        principal = context.principal
        if principal is None:
            return
        await in_thread(
            service.private_reads, context.store, principal, sorted(context.private_reads)
        )
