"""Accountability: erasing a family (the right to be forgotten) and reading the audit log.

Every entry is written through :mod:`graph_service.stores.audit`; this module decides who may
erase and read (admins, through the policy) and what an entry says (never the erased data).
The entry of an audited write goes into the write's change set (``ChangeSet.audit``), so the
store commits both in one transaction; the entries of audited reads (private fields) are
appended in a transaction of their own before the answer is returned.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph_service.auth import Principal
from graph_service.errors import NotFound
from graph_service.services.access import NOT_FOUND_FAMILY, Action, Viewer, authorize
from graph_service.services.common import authorized_family
from graph_service.stores.audit import AuditAction, AuditEntry, audit_log_of
from graph_service.stores.base import GraphStore


def actor(principal: Principal) -> str:
    return f"{principal.role.value}:{principal.subject}"


def erase_family(store: GraphStore, principal: Principal, family_id: str) -> str:
    """Delete a family's node, private data and every edge (memberships, goals, help,
    referrals) with the store's ``delete_family``; counts and the read model follow from the
    store's data version. Recorded in the audit log by id only, in the same transaction (a
    family erased meanwhile by someone else: NOT_FOUND, and no entry)."""
    authorized_family(store, principal, Action.ERASE, family_id, field="familyId")
    entry = AuditEntry.new(
        actor(principal),
        AuditAction.FAMILY_ERASED,
        family_id,
        "node, profile, contact, consent, memberships, goals, help and referrals erased",
    )
    if not store.delete_family(family_id, audit=[entry]):  # the entry commits with it
        raise NotFound(NOT_FOUND_FAMILY, field="familyId")
    return family_id


def consent_changed(principal: Principal, family_id: str, flags: Iterable[str]) -> AuditEntry:
    """The entry of a consent change: which flags were set (names only), for the change set
    that writes it."""
    return AuditEntry.new(
        actor(principal),
        AuditAction.CONSENT_CHANGED,
        family_id,
        "set: " + ", ".join(sorted(flags)),
    )


def private_reads(
    store: GraphStore, principal: Principal, reads: Iterable[tuple[str, str]]
) -> None:
    """One entry per family whose private fields an organizer or admin read in a request (a
    read: appended in a transaction of its own, before the answer is returned)."""
    by_family: dict[str, set[str]] = {}
    for family_id, what in reads:
        by_family.setdefault(family_id, set()).add(what)
    entries = [
        AuditEntry.new(
            actor(principal), AuditAction.PRIVATE_READ, fid, "fields: " + ", ".join(sorted(w))
        )
        for fid, w in sorted(by_family.items())
    ]
    audit_log_of(store).append(entries)


def read_log(
    store: GraphStore,
    principal: Principal,
    after: str | None,
    limit: int,
    action: AuditAction | None,
) -> list[AuditEntry]:
    authorize(Viewer(principal), Action.READ_AUDIT)
    return audit_log_of(store).page(after=after, limit=limit, action=action)
