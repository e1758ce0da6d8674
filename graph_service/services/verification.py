"""Quarterly verification by staff (program liaisons): a queue per region and quarter, and the
two things staff do with a report, *verified* or *corrected* with the evidence seen.

Staff never advise: this module (and the API over it) has no way for staff to send a family
a message, advice or an instruction; they read reports of their regions' families in the
queue and record what the evidence showed.

The queue of a region and quarter holds every report (latest version of a family's month in
the quarter) flagged as unusual (:mod:`graph_service.analytics.journal_anomalies`: the rules,
and the isolation forest's top :data:`FOREST_SHARE`), plus a random sample of
``GS_VERIFICATION_SAMPLE_SHARE`` of the other reports, drawn with a seed (by default derived
from the region and quarter, so the queue is the same every time it is built). Each entry
says why it is there.

A correction writes a new version of the report (the checked version stays), the
verification record naming both, and an audit-log entry (who, which versions, which fields,
the evidence type; the values themselves stay in the two versions, not in the log), in one
write (one transaction, the audit entry included): ``ReportLatestIs`` and ``NotVerified`` are
checked inside it, so a refused correction leaves no entry.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from pydantic.alias_generators import to_camel

from graph_service.analytics.journal_anomalies import Flag, Transition, rank_unusual
from graph_service.auth import Principal
from graph_service.errors import FieldProblem, Forbidden, NotFound, ValidationFailed
from graph_service.services import clock
from graph_service.services.access import Action as Do
from graph_service.services.access import Viewer, authorize, require_staff_region
from graph_service.services.audit import actor
from graph_service.services.journal import latest_versions
from graph_service.settings import Settings
from graph_service.stores.audit import AuditAction, AuditEntry
from graph_service.stores.base import ChangeSet, FamilyFilter, GraphStore
from models import parse
from models.journal import (
    EvidenceType,
    Month,
    MonthlyReport,
    Verification,
    VerificationOutcome,
    report_id,
    verification_id,
)
from models.rules import NotVerified, ReportLatestIs

FOREST_SHARE = 0.02  # the isolation forest's most unusual 2% of a quarter's reports
HISTORY_MONTHS = 12  # months before the quarter the forest also learns from
PAGE = 1000


@dataclass(frozen=True)
class QueueEntry:
    report: MonthlyReport
    reasons: tuple[str, ...]
    flagged: bool
    sampled: bool
    verification: Verification | None


def default_seed(region_id: str, quarter: str) -> int:
    """The queue's seed when none is given: from the region and quarter (stable)."""
    digest = hashlib.sha256(f"{region_id}|{quarter}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def dollars(report: MonthlyReport) -> dict[str, float]:
    return {
        "earned": report.earned_income_cents / 100,
        "benefits": report.benefits_cents / 100,
        "savings": report.savings_cents / 100,
        "debt": report.debt_cents / 100,
        "household": float(report.household_size),
    }


def transitions(reports: Sequence[MonthlyReport]) -> list[Transition]:
    """Month-to-month transitions of each family's latest versions."""
    by_family: dict[str, list[MonthlyReport]] = {}
    for r in reports:
        by_family.setdefault(r.family_id, []).append(r)
    rows = []
    for family_id in sorted(by_family):
        latest = latest_versions(by_family[family_id])
        for month, report in latest.items():
            before = latest.get(Month.add(month, -1))
            after = latest.get(Month.add(month, 1))
            if before is not None:
                rows.append(
                    Transition(
                        family_id,
                        month,
                        report.id,
                        dollars(before),
                        dollars(report),
                        None if after is None else dollars(after),
                    )
                )
    return rows


def select(
    flags: Sequence[Flag], quarter_reports: Sequence[str], share: float, seed: int
) -> tuple[dict[str, Flag], list[str]]:
    """The flagged reports (rule flags, and the forest's top share of the quarter's reports)
    and a seeded random sample of ``share`` of the other quarter reports."""
    in_quarter = set(quarter_reports)
    ranked = [f for f in flags if f.report_id in in_quarter]
    forest_quota = math.ceil(FOREST_SHARE * len(in_quarter))
    flagged: dict[str, Flag] = {f.report_id: f for f in ranked if f.by_rule}
    forest = [f for f in ranked if not f.by_rule][:forest_quota]
    flagged.update({f.report_id: f for f in forest if f.score > 0})
    rest = sorted(r for r in in_quarter if r not in flagged)
    size = min(len(rest), math.ceil(share * len(rest)))
    rng = np.random.default_rng(seed)
    sample = sorted(rng.choice(rest, size=size, replace=False).tolist()) if size else []
    return flagged, [str(s) for s in sample]


def region_family_ids(store: GraphStore, region_id: str) -> list[str]:
    ids: list[str] = []
    after: str | None = None
    while True:
        page = store.list_families(FamilyFilter(region_ids=(region_id,)), after=after, limit=PAGE)
        ids.extend(f.id for f in page.families)
        if not page.has_next:
            return ids
        after = page.families[-1].id


def build_queue(
    store: GraphStore,
    principal: Principal,
    region_id: str,
    quarter: str,
    settings: Settings,
    seed: int | None = None,
) -> list[QueueEntry]:
    """The verification queue of ``region_id`` for ``quarter`` (staff of the region; admins):
    flagged reports first (most unusual first), then the random sample. Kept between requests
    and brought up to date from the change feed (:mod:`.verification_queue`); the answer is
    :func:`queue_from_scratch`'s."""
    from graph_service.services.verification_queue import kept_queue

    _check(principal, region_id, quarter)
    return kept_queue(
        store,
        region_id,
        quarter,
        settings.anomaly_balance_multiple,
        settings.verification_sample_share,
        seed,
    )


def _check(principal: Principal, region_id: str, quarter: str) -> None:
    authorize(Viewer(principal), Do.VERIFY_REPORTS)
    require_staff_region(principal, region_id)
    try:
        Month.months_of_quarter(quarter)
    except ValueError as error:
        raise ValidationFailed([FieldProblem("quarter", str(error))]) from None


def queue_from_scratch(
    store: GraphStore,
    principal: Principal,
    region_id: str,
    quarter: str,
    settings: Settings,
    seed: int | None = None,
) -> list[QueueEntry]:
    """:func:`build_queue` computed from the store alone (every report of the region's
    months read, every family's transitions, the forest): the reference the kept queue is
    tested against."""
    _check(principal, region_id, quarter)
    first, _, last = Month.months_of_quarter(quarter)
    families = set(region_family_ids(store, region_id))
    reports = [
        r
        for r in store.reports_between(Month.add(first, -HISTORY_MONTHS), last)
        if r.family_id in families
    ]
    flags = rank_unusual(transitions(reports), settings.anomaly_balance_multiple, seed or 0)
    latest: dict[str, MonthlyReport] = {}
    for family_reports in _group(reports).values():
        for month, report in latest_versions(family_reports).items():
            if first <= month <= last:
                latest[report.id] = report
    chosen_seed = default_seed(region_id, quarter) if seed is None else seed
    flagged, sample = select(flags, list(latest), settings.verification_sample_share, chosen_seed)
    checks = verifications_of(store, {latest[r].family_id for r in (*flagged, *sample)})
    return entries_of(flagged, sample, latest, checks)


def entries_of(
    flagged: Mapping[str, Flag],
    sample: Sequence[str],
    latest: Mapping[str, MonthlyReport],
    checks: Mapping[str, Verification],
) -> list[QueueEntry]:
    """The queue's entries: the flagged reports in their order, then the sample."""
    entries = [
        QueueEntry(latest[r], ("flagged as unusual", *f.reasons), True, False, checks.get(r))
        for r, f in flagged.items()
    ]
    entries += [
        QueueEntry(latest[r], ("random sample",), False, True, checks.get(r)) for r in sample
    ]
    return entries


def _group(reports: Sequence[MonthlyReport]) -> dict[str, list[MonthlyReport]]:
    out: dict[str, list[MonthlyReport]] = {}
    for r in reports:
        out.setdefault(r.family_id, []).append(r)
    return out


def verifications_of(store: GraphStore, family_ids: set[str]) -> dict[str, Verification]:
    """The verifications of ``family_ids``' reports, by report id."""
    found = store.journal_of("verifications", sorted(family_ids))
    return {v.report_id: v for checks in found.values() for v in cast(list[Verification], checks)}


def _report(store: GraphStore, principal: Principal, rid: str) -> MonthlyReport:
    """The report version ``rid``, if the caller verifies its family's region."""
    authorize(Viewer(principal), Do.VERIFY_REPORTS)
    parts = rid.rsplit("--", 2)
    missing = NotFound("no report with this id that you may check", field="reportId")
    if len(parts) != 3:
        raise missing
    family = store.get_families([parts[0]]).get(parts[0])
    if family is None:
        raise missing
    try:
        require_staff_region(principal, family.region_id, field="reportId")
    except Forbidden:
        raise missing from None
    for r in store.journal_of("reports", [family.id]).get(family.id, []):
        if isinstance(r, MonthlyReport) and r.id == rid:
            return r
    raise missing


def verify_report(
    store: GraphStore, principal: Principal, rid: str, evidence: EvidenceType
) -> Verification:
    """Staff saw ``evidence`` and the report version ``rid`` holds."""
    report = _report(store, principal, rid)
    check = Verification(
        id=verification_id(report.id),
        report_id=report.id,
        family_id=report.family_id,
        staff_id=principal.subject,
        quarter=Month.quarter(report.month),
        at=clock.today(),
        outcome=VerificationOutcome.VERIFIED,
        evidence=evidence,
    )
    entry = AuditEntry.new(
        actor(principal),
        AuditAction.REPORT_VERIFIED,
        report.family_id,
        f"report {report.id} verified; evidence: {evidence.value}",
    )
    store.write(
        ChangeSet(verifications=[check], preconditions=[NotVerified(report.id)], audit=[entry])
    )
    return check


def correct_report(
    store: GraphStore,
    principal: Principal,
    rid: str,
    evidence: EvidenceType,
    changes: Mapping[str, Any],
) -> tuple[MonthlyReport, MonthlyReport, Verification]:
    """Staff saw ``evidence`` showing other figures: a new version with ``changes``
    (camelCase figures), the checked version kept; ``(before, after, verification)``."""
    before = _report(store, principal, rid)
    fixed = {k: v for k, v in changes.items() if v is not None}
    figures = set(MonthlyReport.model_fields) - {"id", "family_id", "month", "version", "kind"}
    # Figures only: no text (the note is the family's own), so a correction cannot carry advice.
    allowed = {to_camel(f) for f in figures} - {"submittedOn", "helpIds", "correctedBy", "note"}
    unknown = sorted(set(fixed) - allowed)
    if unknown or not fixed:
        raise ValidationFailed(
            [FieldProblem(unknown[0] if unknown else "changes", "not a figure staff may correct")]
        )
    version = before.version + 1
    after = parse(
        MonthlyReport,
        {
            **before.to_record(),
            **fixed,
            "id": report_id(before.family_id, before.month, version),
            "version": version,
            "submittedOn": clock.today().isoformat(),
            "correctedBy": principal.subject,
        },
        record="input",
    )
    check = Verification(
        id=verification_id(before.id),
        report_id=before.id,
        family_id=before.family_id,
        staff_id=principal.subject,
        quarter=Month.quarter(before.month),
        at=clock.today(),
        outcome=VerificationOutcome.CORRECTED,
        evidence=evidence,
        corrected_report_id=after.id,
    )
    changed = sorted(k for k in fixed if before.to_record().get(k) != after.to_record().get(k))
    entry = AuditEntry.new(
        actor(principal),
        AuditAction.REPORT_CORRECTED,
        before.family_id,
        f"report {before.id} -> {after.id}; fields: {', '.join(changed) or 'none'}; "
        f"evidence: {evidence.value}",
    )
    store.write(
        ChangeSet(
            reports=[after],
            verifications=[check],
            preconditions=[
                ReportLatestIs(before.family_id, before.month, before.version),
                NotVerified(before.id),
            ],
            audit=[entry],
        )
    )
    return before, after, check
