"""Staff verification on both stores: the queue (flagged + seeded sample, each with its
reason), verified / corrected with evidence, the correction audited, and the role limits."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import cast

import pytest

from graph_service.auth import Principal, Role
from graph_service.demo import demo_network, load_network
from graph_service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from graph_service.services import verification as svc
from graph_service.settings import Settings
from graph_service.stores.audit import AuditAction, audit_log_of
from graph_service.stores.base import ChangeSet, GraphStore
from models.journal import EvidenceType, MonthlyReport, ReportKind, report_id

SAM = Principal(Role.STAFF, "sam", ("oakland",))
SETTINGS = Settings(verification_sample_share=0.5)
OAKLAND = ("ana", "ben", "cruz", "dee", "eli", "fay")


def report(family: str, month: str, savings: int, *, kind: str = "monthly") -> MonthlyReport:
    return MonthlyReport(
        id=report_id(family, month, 1),
        family_id=family,
        month=month,
        kind=ReportKind(kind),
        submitted_on=date(2025, 12, 1),
        household_size=4,
        earned_income_cents=200_000,
        savings_cents=savings,
    )


@pytest.fixture
def journals(store: GraphStore) -> GraphStore:
    load_network(store, demo_network())
    oakland = [f.id for f in store.get_families(list(OAKLAND)).values() if f.region_id == "oakland"]
    reports = []
    for family in oakland:
        reports.append(report(family, "2025-03", 40_000, kind="baseline"))
        for month in ("2025-04", "2025-05", "2025-06"):
            reports.append(report(family, month, 40_000))
    reports.append(
        report("ana", "2025-05", 400_000).model_copy(
            update={"id": report_id("ana", "2025-05", 2), "version": 2}
        )
    )
    store.write(ChangeSet(reports=reports))
    return store


def test_queue_has_every_flag_and_a_seeded_sample_each_with_a_reason(journals: GraphStore) -> None:
    queue = svc.build_queue(journals, SAM, "oakland", "2025-Q2", SETTINGS)
    flagged = [e for e in queue if e.flagged]
    assert [e.report.id for e in flagged] == [report_id("ana", "2025-05", 2)]
    assert flagged[0].reasons[0] == "flagged as unusual"
    assert "savings rose from $400 to $4,000" in flagged[0].reasons[1]
    sampled = [e for e in queue if e.sampled]
    assert sampled and all(e.reasons == ("random sample",) for e in sampled)
    assert all(e.report.month in ("2025-04", "2025-05", "2025-06") for e in queue)
    again = svc.build_queue(journals, SAM, "oakland", "2025-Q2", SETTINGS)
    assert [e.report.id for e in again] == [e.report.id for e in queue]  # same seed, same queue
    other = svc.build_queue(journals, SAM, "oakland", "2025-Q2", SETTINGS, seed=99)
    assert {e.report.id for e in other if e.flagged} == {e.report.id for e in flagged}


def test_staff_verify_one_and_correct_another_and_the_audit_shows_it(journals: GraphStore) -> None:
    checked = svc.verify_report(
        journals, SAM, report_id("ben", "2025-04", 1), EvidenceType.PAY_STUB
    )
    assert checked.outcome.value == "verified"
    before, after, check = svc.correct_report(
        journals,
        SAM,
        report_id("ana", "2025-05", 2),
        EvidenceType.BANK_STATEMENT,
        {"savingsCents": 40_500},
    )
    assert (before.version, after.version, after.savings_cents, after.corrected_by) == (
        2,
        3,
        40_500,
        "sam",
    )
    assert check.corrected_report_id == after.id
    # the "reports" journal holds MonthlyReport rows only
    stored = cast(list[MonthlyReport], journals.journal_of("reports", ["ana"])["ana"])
    versions = sorted(r.version for r in stored if r.month == "2025-05")
    assert versions == [1, 2, 3]  # every version kept
    entries = audit_log_of(journals).page(after=None, limit=10, action=AuditAction.REPORT_CORRECTED)
    assert [e.detail for e in entries] == [
        f"report {before.id} -> {after.id}; fields: savingsCents; evidence: bank_statement"
    ]
    assert entries[0].actor == "staff:sam" and entries[0].target == "ana"
    queue = {e.report.id: e for e in svc.build_queue(journals, SAM, "oakland", "2025-Q2", SETTINGS)}
    assert after.id in queue or before.id not in queue  # the corrected version replaces it
    with pytest.raises(Conflict):
        svc.verify_report(journals, SAM, report_id("ben", "2025-04", 1), EvidenceType.PAY_STUB)


def test_concurrent_checks_of_one_report_record_one(journals: GraphStore) -> None:
    rid = report_id("cruz", "2025-06", 1)

    def check(i: int) -> str:
        try:
            if i % 2:
                svc.verify_report(journals, SAM, rid, EvidenceType.PAY_STUB)
            else:
                svc.correct_report(journals, SAM, rid, EvidenceType.PAY_STUB, {"savingsCents": i})
        except Conflict:
            return "conflict"
        return "ok"

    with ThreadPoolExecutor(8) as pool:
        outcomes = Counter(pool.map(check, range(8)))
    assert outcomes["ok"] == 1
    assert len(journals.journal_of("verifications", ["cruz"])["cruz"]) == 1
    # the seven refused checks (CONFLICT) left no audit entry: the entry is in the write
    entries = [e for e in audit_log_of(journals).page(limit=100) if e.target == "cruz"]
    assert len(entries) == 1
    assert entries[0].action in (AuditAction.REPORT_VERIFIED, AuditAction.REPORT_CORRECTED)


def test_staff_limits(journals: GraphStore) -> None:
    boston_staff = Principal(Role.STAFF, "bo", ("boston",))
    with pytest.raises(Forbidden):
        svc.build_queue(journals, boston_staff, "oakland", "2025-Q2", SETTINGS)
    with pytest.raises(NotFound):  # a report of another region answers like a missing one
        svc.verify_report(
            journals, boston_staff, report_id("ana", "2025-04", 1), EvidenceType.PAY_STUB
        )
    for who in (
        Principal(Role.FAMILY, "ana"),
        Principal(Role.ORGANIZER, "olga", ("oakland",)),
        Principal(Role.RESEARCHER, "rita"),
    ):
        with pytest.raises(Forbidden):
            svc.build_queue(journals, who, "oakland", "2025-Q2", SETTINGS)
        with pytest.raises(Forbidden):
            svc.verify_report(journals, who, report_id("ana", "2025-04", 1), EvidenceType.PAY_STUB)
    with pytest.raises(ValidationFailed):  # staff correct figures, nothing else
        svc.correct_report(
            journals,
            SAM,
            report_id("ana", "2025-04", 1),
            EvidenceType.RECEIPT,
            {"note": "call me"} | {"familyId": "ben"},
        )
    with pytest.raises(ValidationFailed):
        svc.build_queue(journals, SAM, "oakland", "2025-Q9", SETTINGS)
