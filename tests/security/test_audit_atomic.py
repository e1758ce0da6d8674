"""Audited writes and their audit entries are one transaction, on both stores.

A consent change, an erasure, a verification or a correction carries its entry in its change
set (``ChangeSet.audit``); the store appends it inside the write transaction, after the
records. So a committed write always has its entry, and a refused or failed write has none.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest

from graph_service.auth import Principal, Role
from graph_service.errors import DomainError, NotFound
from graph_service.services import audit as audit_service
from graph_service.services.families import update_consent
from graph_service.stores import audit
from graph_service.stores.audit import AuditAction, AuditEntry, audit_log_of
from graph_service.stores.base import ChangeSet, GraphStore
from graph_service.stores.preconditions import RuleBroken
from models import Consent, Family, Region
from models.rules import FamilyIsNew

THREADS = 8
FLAGS = ("matching", "crossRegion", "research")


def family(family_id: str, **consent: bool) -> Family:
    return Family(
        id=family_id,
        name=f"Family {family_id}",
        region_id="oak",
        household_size=3,
        income_band=2,
        joined_at=date(2025, 1, 1),
        consent=Consent(**consent),
    )


@pytest.fixture
def seeded(store: GraphStore) -> GraphStore:
    store.write(ChangeSet(regions=[Region(id="oak", name="Oakland")], families=[family("ana")]))
    return store


def entry(target: str = "ana", detail: str = "set: research") -> AuditEntry:
    return AuditEntry.new("family:ana", AuditAction.CONSENT_CHANGED, target, detail)


def test_an_audited_write_and_its_entry_commit_together(seeded: GraphStore) -> None:
    before = seeded.data_version()
    written = entry()
    seeded.write(ChangeSet(families=[family("ana", research=True)], audit=[written]))
    assert seeded.data_version() == before + 1
    assert seeded.get_families(["ana"])["ana"].consent.research is True
    assert audit_log_of(seeded).page() == [written]
    # the change feed carries the records, not the entry
    feed = seeded.changes_since(before)
    assert [c.changes.audit for c in feed.changes] == [()]


def test_a_consent_change_through_the_service_writes_one_entry(seeded: GraphStore) -> None:
    update_consent(seeded, Principal(Role.FAMILY, "ana"), "ana", {"research": True})
    entries = audit_log_of(seeded).page()
    assert [(e.actor, e.action, e.target, e.detail) for e in entries] == [
        ("family:ana", AuditAction.CONSENT_CHANGED, "ana", "set: research")
    ]


def test_a_refused_write_leaves_no_entry(seeded: GraphStore) -> None:
    before = seeded.data_version()
    with pytest.raises(RuleBroken):  # a rule broken: CONFLICT
        seeded.write(
            ChangeSet(families=[family("ana")], preconditions=[FamilyIsNew("ana")], audit=[entry()])
        )
    with pytest.raises(NotFound):  # a dangling reference
        seeded.write(
            ChangeSet(
                families=[family("ana").model_copy(update={"region_id": "nowhere"})],
                audit=[entry()],
            )
        )
    assert audit_log_of(seeded).page() == []
    assert seeded.data_version() == before


def test_erasing_a_family_that_is_gone_leaves_no_entry(seeded: GraphStore) -> None:
    admin = Principal(Role.ADMIN, "root")
    assert audit_service.erase_family(seeded, admin, "ana") == "ana"
    with pytest.raises(NotFound):
        audit_service.erase_family(seeded, admin, "ana")
    # a family erased between the service's read and the write: the store's precondition
    before = seeded.data_version()
    assert seeded.delete_family("ana", audit=[entry()]) is False
    assert seeded.data_version() == before
    entries = audit_log_of(seeded).page()
    assert [(e.action, e.target) for e in entries] == [(AuditAction.FAMILY_ERASED, "ana")]


def test_a_consent_change_of_a_family_erased_meanwhile_writes_nothing(
    seeded: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The family is erased after the service read it and before it writes (the erasure is
    run from the store's read, which is the last thing the service does before writing)."""
    real = seeded.families_with_memberships

    def read_then_erase(ids: list[str]) -> object:
        found = real(ids)
        seeded.write(ChangeSet(deleted_families=["ana"]))
        return found

    monkeypatch.setattr(seeded, "families_with_memberships", read_then_erase)
    with pytest.raises(NotFound):
        update_consent(seeded, Principal(Role.FAMILY, "ana"), "ana", {"research": True})
    assert seeded.get_families(["ana"]) == {}  # not written back
    assert audit_log_of(seeded).page() == []


def test_the_log_stays_append_only_through_the_write_path(seeded: GraphStore) -> None:
    """An entry id written once cannot be written again: the second write (records and
    entry) is refused whole and the first entry is unchanged."""
    first = entry(detail="set: research")
    seeded.write(ChangeSet(families=[family("ana", research=True)], audit=[first]))
    forged = AuditEntry(
        first.id, first.seq, first.at, "admin:mallory", first.action, "ana", "set: nothing"
    )
    version = seeded.data_version()
    with pytest.raises(DomainError):
        seeded.write(ChangeSet(families=[family("ana", matching=True)], audit=[forged]))
    assert audit_log_of(seeded).page() == [first]
    assert seeded.data_version() == version
    assert seeded.get_families(["ana"])["ana"].consent.matching is False


def test_concurrent_consent_changes_give_exactly_one_entry_each(seeded: GraphStore) -> None:
    seeded.write(ChangeSet(families=[family(f"f{i}") for i in range(THREADS)]))
    before = seeded.data_version()
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def change(i: int) -> None:
        fid = "ana" if i % 2 else f"f{i}"  # half on one family, half on others
        try:
            barrier.wait()
            update_consent(seeded, Principal(Role.ADMIN, f"admin{i}"), fid, {FLAGS[i % 3]: True})
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=change, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = audit_log_of(seeded).page(limit=100)
    assert sorted(e.actor for e in entries) == sorted(f"admin:admin{i}" for i in range(THREADS))
    assert len({e.id for e in entries}) == THREADS
    assert seeded.data_version() == before + THREADS


def test_a_fault_in_the_append_rolls_the_write_back(
    seeded: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MOCK: an append that fails after the records are written (a full disk, a lost
    server at that very statement) cannot be produced for real on demand, so the store's
    append function is replaced by one that raises."""

    def broken(*args: object) -> None:
        raise RuntimeError("the audit append failed")

    uses = "append_in_sqlite" if seeded.name == "embedded" else "append_in_neo4j"
    monkeypatch.setattr(audit, uses, broken)
    before = seeded.data_version()
    with pytest.raises(RuntimeError, match="the audit append failed"):
        update_consent(seeded, Principal(Role.FAMILY, "ana"), "ana", {"research": True})
    assert seeded.get_families(["ana"])["ana"].consent.research is False
    assert seeded.data_version() == before
    assert seeded.changes_since(before).changes == []
    assert audit_log_of(seeded).page() == []


def test_entries_without_a_write_are_refused_not_dropped(seeded: GraphStore) -> None:
    with pytest.raises(ValueError, match="without a write"):
        seeded.write(ChangeSet(audit=[entry()]))
    assert audit_log_of(seeded).page() == []
