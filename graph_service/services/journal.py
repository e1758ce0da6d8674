"""The family journal: monthly reports and actions, written by the family itself.

Rules (checked inside the write transaction, :mod:`models.rules`): the baseline comes first and
once (``HasBaseline``); one report per family and month (``ReportMonthFree``); a correction
after submission is a new version of the same month, made on the latest one
(``ReportLatestIs``), and every earlier version stays stored. The model refuses future months,
amounts that are not integer cents and figures beyond their bounds (:mod:`models.journal`).

Help given and received is never typed in twice: a report links the month's ``HELPED``
records of the family (``helpIds``), read from the store when it is written.

Who (the one policy, :func:`graph_service.services.access.authorize`): a family reads and
writes only its own journal; organizers (and admins) see whether each month's report is in and
whether it was late, never its contents; staff reach reports only through the verification
queue (:mod:`graph_service.services.verification`).

:func:`reported_income` is the journal's figure other services build on (the benefit-cliff
calculator): a family's annual earned income and benefits from its latest 12 months.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from graph_service.auth import Principal
from graph_service.errors import FieldProblem, NotFound, ValidationFailed
from graph_service.services.access import Action as Do
from graph_service.services.common import authorized_family
from graph_service.settings import Settings, get_settings
from graph_service.stores.base import ChangeSet, GraphStore
from models import GoalStatus, Pursues, parse, today
from models.journal import Action, Month, MonthlyReport, ReportKind, report_id
from models.rules import HasBaseline, PursuitOpen, ReportLatestIs, ReportMonthFree

# Fields a family sends; the service sets identity, version, date and the help links.
_SERVICE_FIELDS = ("id", "familyId", "version", "submittedOn", "helpIds", "correctedBy")


@dataclass(frozen=True)
class ReportedIncome:
    """A family's income from its journal (integer cents a year).

    ``earned_cents`` and ``benefits_cents`` are the sums over the reported months of the 12
    months ending with the latest reported month, scaled to 12 months when fewer were
    reported (rounded to the cent); ``household_size`` is the latest report's."""

    earned_cents: int
    benefits_cents: int
    household_size: int
    months_reported: int
    latest_month: str


@dataclass(frozen=True)
class Journal:
    """A family's journal: every report version (oldest first) and every action."""

    reports: list[MonthlyReport]
    actions: list[Action]

    def latest(self) -> dict[str, MonthlyReport]:
        return latest_versions(self.reports)


@dataclass(frozen=True)
class MonthStatus:
    """Whether a month's report is in (what organizers see), and whether it came late."""

    month: str
    submitted: bool
    late: bool
    baseline: bool


def latest_versions(reports: Iterable[MonthlyReport]) -> dict[str, MonthlyReport]:
    """The latest version of each month's report, by month.

    >>> r = lambda v: MonthlyReport(id=report_id("a", "2025-01", v), family_id="a",
    ...     month="2025-01", version=v, submitted_on="2025-02-01", household_size=2)
    >>> latest_versions([r(2), r(1)])["2025-01"].version
    2
    """
    found: dict[str, MonthlyReport] = {}
    for report in reports:
        held = found.get(report.month)
        if held is None or report.version > held.version:
            found[report.month] = report
    return dict(sorted(found.items()))


def due_date(month: str, settings: Settings) -> date:
    """The last day a report for ``month`` is on time: ``GS_JOURNAL_DEADLINE_DAY`` of the
    month after it."""
    return Month.first_day(Month.add(month, 1)).replace(day=settings.journal_deadline_day)


def is_late(report: MonthlyReport, settings: Settings) -> bool:
    """Whether the first version of ``report``'s month came after its due date (a
    correction does not make a report late; the version checked is the one given)."""
    return report.submitted_on > due_date(report.month, settings)


def _reports_of(store: GraphStore, family_id: str) -> list[MonthlyReport]:
    found = store.journal_of("reports", [family_id]).get(family_id, [])
    reports = cast(list[MonthlyReport], found)
    return sorted(reports, key=lambda r: (r.month, r.version))


def _help_ids(store: GraphStore, family_id: str, month: str) -> tuple[str, ...]:
    """The family's HELPED records (given or received) dated in ``month``."""
    helps = store.help_of([family_id]).get(family_id, [])
    return tuple(sorted({h.id for h in helps if Month.of(h.at) == month}))


def _month_of(value: object) -> str:
    try:
        return Month.validate(str(value or ""))
    except ValueError as error:
        raise ValidationFailed([FieldProblem("month", str(error))], record="input") from None


def submit_report(
    store: GraphStore,
    principal: Principal,
    family_id: str,
    data: Mapping[str, Any],
) -> MonthlyReport:
    """Submit the baseline or a month's report (camelCase figures, ``month``, ``kind``)."""
    authorized_family(store, principal, Do.EDIT_JOURNAL, family_id)
    month = _month_of(data.get("month"))
    record = {k: v for k, v in data.items() if k not in _SERVICE_FIELDS and v is not None}
    record.update(
        id=report_id(family_id, month, 1),
        familyId=family_id,
        version=1,
        submittedOn=today().isoformat(),
        helpIds=list(_help_ids(store, family_id, month)),
    )
    report = parse(MonthlyReport, record, record="input")
    baseline = report.kind is ReportKind.BASELINE
    store.write(
        ChangeSet(
            reports=[report],
            preconditions=[
                HasBaseline(family_id, present=not baseline),
                ReportMonthFree(family_id, report.month),
            ],
        )
    )
    return report


def correct_report(
    store: GraphStore,
    principal: Principal,
    family_id: str,
    month: str,
    changes: Mapping[str, Any],
    *,
    corrected_by: str | None = None,
    authorize_as: Do = Do.EDIT_JOURNAL,
) -> tuple[MonthlyReport, MonthlyReport]:
    """A new version of ``month``'s report with ``changes`` (the earlier versions stay).
    Returns ``(before, after)``. Staff corrections come through the verification service
    (``corrected_by``, authorised there)."""
    if authorize_as is Do.EDIT_JOURNAL:
        authorized_family(store, principal, Do.EDIT_JOURNAL, family_id)
    latest = latest_versions(_reports_of(store, family_id)).get(month)
    if latest is None:
        raise NotFound(f"no report for {month} to correct", field="month")
    allowed = {k: v for k, v in changes.items() if k not in (*_SERVICE_FIELDS, "month", "kind")}
    record = {
        **latest.to_record(),
        **{k: v for k, v in allowed.items() if v is not None},
        "id": report_id(family_id, month, latest.version + 1),
        "version": latest.version + 1,
        "submittedOn": today().isoformat(),
        "correctedBy": corrected_by,
    }
    after = parse(MonthlyReport, record, record="input")
    store.write(
        ChangeSet(
            reports=[after],
            preconditions=[ReportLatestIs(family_id, month, latest.version)],
        )
    )
    return latest, after


def record_action(
    store: GraphStore, principal: Principal, family_id: str, data: Mapping[str, Any]
) -> Action:
    """Record an action (what, when, domain, optionally a goal it moves forward). With
    ``achievesGoal`` the family's ``PURSUES`` of that goal becomes achieved at the action's
    date, in the same write (which feeds matching's role-model signal)."""
    authorized_family(store, principal, Do.EDIT_JOURNAL, family_id)
    record = {k: v for k, v in data.items() if v is not None and k not in ("id", "familyId")}
    record.setdefault("at", today().isoformat())
    digest = hashlib.sha256(repr(sorted(record.items())).encode()).hexdigest()[:10]
    count = len(store.journal_of("actions", [family_id]).get(family_id, []))
    record.update(id=f"act-{digest}-{count + 1}", familyId=family_id)
    action = parse(Action, record, record="input")
    pursuits: list[Pursues] = []
    preconditions: list[Any] = []
    if action.achieves_goal and action.goal_id is not None:
        held = {p.goal_id: p for p in store.pursuits_of([family_id]).get(family_id, [])}
        pursuit = held.get(action.goal_id)
        preconditions.append(PursuitOpen(family_id, action.goal_id))
        if pursuit is not None:
            since = min(pursuit.since, action.at)
            pursuits.append(
                pursuit.model_copy(
                    update={"status": GoalStatus.ACHIEVED, "achieved_at": action.at, "since": since}
                )
            )
    store.write(ChangeSet(pursuits=pursuits, actions=[action], preconditions=preconditions))
    return action


def journal(store: GraphStore, principal: Principal, family_id: str) -> Journal:
    """The family's own journal (the family itself; admins)."""
    authorized_family(store, principal, Do.READ_JOURNAL, family_id)
    actions = cast(list[Action], store.journal_of("actions", [family_id]).get(family_id, []))
    return Journal(_reports_of(store, family_id), sorted(actions, key=lambda a: (a.at, a.id)))


def report_status(
    store: GraphStore,
    principal: Principal,
    family_id: str,
    months: Sequence[str],
    settings: Settings | None = None,
) -> list[MonthStatus]:
    """Whether each of ``months`` has a report and whether it came late: what organizers of
    the family's region see (no figure of the report)."""
    settings = settings or get_settings()
    authorized_family(store, principal, Do.READ_REPORT_STATUS, family_id)
    first: dict[str, MonthlyReport] = {}
    for report in _reports_of(store, family_id):
        first.setdefault(report.month, report)  # version 1 decides lateness
    return [
        MonthStatus(
            month,
            month in first,
            month in first and is_late(first[month], settings),
            month in first and first[month].kind is ReportKind.BASELINE,
        )
        for month in months
    ]


def reported_income(store: GraphStore, family_id: str) -> ReportedIncome | None:
    """Annual earned income and benefits (integer cents) from the family's latest 12 months of
    reports (latest version of each month; the baseline counts as its month), with the latest
    household size; None when the family has no report. For other services (no caller check:
    the caller authorises).

    Fewer than 12 reported months are scaled to a year: ``sum * 12 // months`` (half up).
    """
    latest = latest_versions(_reports_of(store, family_id))
    if not latest:
        return None
    last = max(latest)
    window = [r for m, r in latest.items() if m > Month.add(last, -12)]
    months = len(window)
    earned = sum(r.earned_income_cents for r in window)
    benefits = sum(r.benefits_cents for r in window)
    return ReportedIncome(
        earned_cents=(earned * 12 * 2 + months) // (2 * months),
        benefits_cents=(benefits * 12 * 2 + months) // (2 * months),
        household_size=latest[last].household_size,
        months_reported=months,
        latest_month=last,
    )
