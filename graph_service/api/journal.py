"""GraphQL for the journal, payments for reporting and staff verification (thin: validate,
call a service, wrap the result). Who may do what is decided in the services, through the one
policy (``services/access.py``).

Staff have exactly two mutations, ``verifyReport`` and ``recordCorrection``; neither has a
text for the family, and no field or mutation anywhere lets staff send a family advice, a
message or an instruction (a test reads the schema to keep it so).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from graph_service.analytics.disclosure import Cell
from graph_service.analytics.dollar_outcomes import EDGES, UNITS, quantiles_from_bins
from graph_service.analytics.outcomes import Grouping
from graph_service.api.context import Context, in_thread
from graph_service.api.research import ResearchReport, _report, release
from graph_service.api.types import check_page_size, subject_family
from graph_service.errors import FieldProblem, ValidationFailed
from graph_service.services import journal as journal_service
from graph_service.services import payments as payment_service
from graph_service.services import research as research_service
from graph_service.services import verification as verification_service
from graph_service.services.access import require_principal
from graph_service.services.payout_file import FilePaymentProcessor
from graph_service.services.privacy_budget import Release
from graph_service.stores.payments import Payment as PaymentModel
from graph_service.stores.payments import PaymentState
from models.journal import Action as ActionModel
from models.journal import Domain, EvidenceType, ReportKind, VerificationOutcome
from models.journal import MonthlyReport as ReportModel

GraphInfo = Info[Context, None]


def as_record(value: object) -> dict[str, Any]:
    """The input as camelCase, without unset fields (the schema module's one helper)."""
    from graph_service.api.schema import as_record as record  # the schema imports this module

    return record(value)


DomainEnum = strawberry.enum(Domain, name="JournalDomain", description="The six domains.")
ReportKindEnum = strawberry.enum(ReportKind, name="ReportKind")
EvidenceEnum = strawberry.enum(EvidenceType, name="EvidenceType", description="What staff saw.")
OutcomeEnum = strawberry.enum(VerificationOutcome, name="VerificationOutcome")
PaymentStateEnum = strawberry.enum(PaymentState, name="PaymentState")


# ---------------------------------------------------------------------------- inputs
@strawberry.input(
    description="Staff corrections: figures only (numbers and yes/no), no text for the family."
)
class StaffCorrectionInput:
    household_size: int | None = strawberry.UNSET
    earned_income_cents: int | None = strawberry.UNSET
    benefits_cents: int | None = strawberry.UNSET
    savings_cents: int | None = strawberry.UNSET
    debt_cents: int | None = strawberry.UNSET
    rent_on_time: bool | None = strawberry.UNSET
    utilities_on_time: bool | None = strawberry.UNSET
    health_covered: int | None = strawberry.UNSET
    health_visits: int | None = strawberry.UNSET
    courses: int | None = strawberry.UNSET
    certificates: int | None = strawberry.UNSET
    children_grade_average: float | None = strawberry.UNSET
    business_started: bool | None = strawberry.UNSET
    business_revenue_cents: int | None = strawberry.UNSET
    community_roles: int | None = strawberry.UNSET


@strawberry.input(description="A month's figures; money in integer cents.")
class ReportFiguresInput(StaffCorrectionInput):
    note: str | None = strawberry.UNSET


@strawberry.input(description="The baseline or a month's report (help is linked, not typed).")
class SubmitReportInput(ReportFiguresInput):
    month: str = strawberry.field(description="YYYY-MM, not in the future.")
    kind: ReportKindEnum = ReportKind.MONTHLY  # type: ignore[valid-type]  # strawberry enum


@strawberry.input
class RecordActionInput:
    domain: DomainEnum  # type: ignore[valid-type]  # strawberry enum
    what: str
    at: date | None = strawberry.UNSET
    goal_id: str | None = strawberry.UNSET
    achieves_goal: bool | None = strawberry.UNSET


# ---------------------------------------------------------------------------- types
@strawberry.type(description="One version of a monthly report (money in integer cents).")
class MonthlyReport:
    id: str
    month: str
    version: int
    kind: ReportKindEnum  # type: ignore[valid-type]  # strawberry enum
    submitted_on: date
    late: bool
    household_size: int
    earned_income_cents: int
    benefits_cents: int
    savings_cents: int
    debt_cents: int
    rent_on_time: bool | None
    utilities_on_time: bool | None
    health_covered: int
    health_visits: int
    courses: int
    certificates: int
    children_grade_average: float | None
    business_started: bool
    business_revenue_cents: int
    community_roles: int
    help_ids: list[str] = strawberry.field(description="The month's HELPED records, linked.")
    corrected_by_staff: bool

    @staticmethod
    def of(r: ReportModel, late: bool) -> MonthlyReport:
        return MonthlyReport(
            id=r.id,
            month=r.month,
            version=r.version,
            kind=r.kind,
            submitted_on=r.submitted_on,
            late=late,
            household_size=r.household_size,
            earned_income_cents=r.earned_income_cents,
            benefits_cents=r.benefits_cents,
            savings_cents=r.savings_cents,
            debt_cents=r.debt_cents,
            rent_on_time=r.rent_on_time,
            utilities_on_time=r.utilities_on_time,
            health_covered=r.health_covered,
            health_visits=r.health_visits,
            courses=r.courses,
            certificates=r.certificates,
            children_grade_average=r.children_grade_average,
            business_started=r.business_started,
            business_revenue_cents=r.business_revenue_cents,
            community_roles=r.community_roles,
            help_ids=list(r.help_ids),
            corrected_by_staff=r.corrected_by is not None,
        )


@strawberry.type
class JournalAction:
    id: str
    at: date
    domain: DomainEnum  # type: ignore[valid-type]  # strawberry enum
    what: str
    goal_id: str | None
    achieves_goal: bool

    @staticmethod
    def of(a: ActionModel) -> JournalAction:
        return JournalAction(
            id=a.id,
            at=a.at,
            domain=a.domain,
            what=a.what,
            goal_id=a.goal_id,
            achieves_goal=a.achieves_goal,
        )


@strawberry.type(description="A payment for reporting (integer cents), with its state.")
class Payment:
    key: str = strawberry.field(description="The idempotency key: family and quarter.")
    period: str
    amount_cents: int
    reports: int
    state: PaymentStateEnum  # type: ignore[valid-type]  # strawberry enum
    scheduled_at: str
    settled_at: str | None

    @staticmethod
    def of(p: PaymentModel) -> Payment:
        return Payment(
            key=p.key,
            period=p.period,
            amount_cents=p.amount_cents,
            reports=p.reports,
            state=p.state,
            scheduled_at=p.scheduled_at,
            settled_at=p.settled_at,
        )


@strawberry.type(description="What the family will receive for a quarter, and why.")
class PaymentDue:
    quarter: str
    months_on_time: list[str]
    months_late: list[str]
    amount_cents: int
    cut_by_yearly_cap_cents: int


@strawberry.type(description="A family's own journal: every report version, actions, payments.")
class Journal:
    family_id: strawberry.Private[str]
    reports: list[MonthlyReport] = strawberry.field(description="Every version, oldest first.")
    latest: list[MonthlyReport] = strawberry.field(description="The latest version of each month.")
    actions: list[JournalAction]

    @strawberry.field
    async def payments(self, info: GraphInfo) -> list[Payment]:
        ctx = info.context
        found = await in_thread(
            payment_service.family_payments, ctx.store, ctx.principal, self.family_id
        )
        return [Payment.of(p) for p in found]

    @strawberry.field
    async def due(self, info: GraphInfo, quarter: str) -> PaymentDue:
        ctx = info.context
        due = await in_thread(
            payment_service.family_due,
            ctx.store,
            ctx.principal,
            self.family_id,
            quarter,
            ctx.settings,
        )
        return PaymentDue(
            quarter=due.quarter,
            months_on_time=list(due.on_time),
            months_late=list(due.late),
            amount_cents=due.amount_cents,
            cut_by_yearly_cap_cents=due.capped_cents,
        )


@strawberry.type(description="Whether a month's report is in: what organizers see.")
class ReportStatus:
    month: str
    submitted: bool
    late: bool
    baseline: bool


@strawberry.type(description="The program's payment rules, published to families.")
class PaymentRules:
    per_report_cents: int = strawberry.field(description="For each monthly report on time.")
    deadline_day: int = strawberry.field(description="On time: by this day of the next month.")
    cap_per_year_cents: int
    schedule: str
    baseline_paid: bool = False
    late_reports_paid: bool = False


@strawberry.type
class QueueEntry:
    report: MonthlyReport
    family_id: str
    reasons: list[str]
    flagged: bool
    sampled: bool
    outcome: OutcomeEnum | None  # type: ignore[valid-type]  # strawberry enum


@strawberry.type
class VerificationResult:
    report_id: str
    outcome: OutcomeEnum  # type: ignore[valid-type]  # strawberry enum
    evidence: EvidenceEnum  # type: ignore[valid-type]  # strawberry enum
    corrected_report_id: str | None


@strawberry.type
class PayoutResult:
    quarter: str
    scheduled: int
    scheduled_cents: int
    already_in_ledger: int


@strawberry.type
class PayoutSettlement:
    fulfilled: int
    failed: int
    unchanged: int


@strawberry.type(description="The ledger balances: scheduled ever = the sum over states.")
class LedgerBalance:
    period: str | None
    scheduled_ever_cents: int
    scheduled_cents: int
    fulfilled_cents: int
    canceled_cents: int
    failed_cents: int
    balances: bool


def _late(report: ReportModel, first: dict[str, ReportModel], ctx: Context) -> bool:
    return journal_service.is_late(first.get(report.month, report), ctx.settings)


def _journal(ctx: Context, family_id: str) -> Journal:
    found = journal_service.journal(ctx.store, require_principal(ctx.principal), family_id)
    first: dict[str, ReportModel] = {}
    for r in found.reports:
        first.setdefault(r.month, r)
    return Journal(
        family_id=family_id,
        reports=[MonthlyReport.of(r, _late(r, first, ctx)) for r in found.reports],
        latest=[MonthlyReport.of(r, _late(r, first, ctx)) for r in found.latest().values()],
        actions=[JournalAction.of(a) for a in found.actions],
    )


@strawberry.type(description="Quartiles read from a released (noisy) histogram.")
class DollarQuartiles:
    table: str
    group: str
    p25: float | None
    median: float | None
    p75: float | None
    unit: str


@strawberry.type(description="Income, savings and debt changes at 12 and 24 months.")
class DollarOutcomes:
    report: ResearchReport
    quartiles: list[DollarQuartiles]


def _dollar_outcomes(info: GraphInfo, answer: Release) -> DollarOutcomes:
    quartiles = []
    for table in answer.tables:
        measure = table.name.split("_change_", 1)[0]
        if "_change_" not in table.name or measure not in EDGES:
            continue
        rows = [*zip(table.row_keys, table.cells, strict=True)]
        if table.row_totals is not None:
            totals = [c.count for c in table.column_totals or ()]
            rows.append(("all", tuple(Cell(t) for t in totals)))
        for group, cells in rows:
            found = quantiles_from_bins([c.count for c in cells], EDGES[measure])
            p25, median, p75 = found if found else (None, None, None)
            quartiles.append(
                DollarQuartiles(
                    table=table.name,
                    group=group,
                    p25=p25,
                    median=median,
                    p75=p75,
                    unit=UNITS[measure],
                )
            )
    return DollarOutcomes(report=_report(info, answer), quartiles=quartiles)


# ---------------------------------------------------------------------------- root fields
@strawberry.type
class JournalQuery:
    @strawberry.field(description="A family's own journal (the family itself; admins).")
    async def journal(self, info: GraphInfo, family_id: strawberry.ID | None = None) -> Journal:
        target = subject_family(info, family_id)
        return await in_thread(_journal, info.context, target)

    @strawberry.field(description="Whether reports are in (organizers of the region): no figures.")
    async def report_status(
        self, info: GraphInfo, family_id: strawberry.ID, months: list[str]
    ) -> list[ReportStatus]:
        ctx = info.context
        principal = require_principal(ctx.principal)
        found = await in_thread(
            journal_service.report_status,
            ctx.store,
            principal,
            str(family_id),
            [str(m) for m in months[:36]],
            ctx.settings,
        )
        return [
            ReportStatus(month=s.month, submitted=s.submitted, late=s.late, baseline=s.baseline)
            for s in found
        ]

    @strawberry.field(description="What reporting earns, and when it is paid.")
    def payment_rules(self, info: GraphInfo) -> PaymentRules:
        rules = payment_service.PaymentRules.of(info.context.settings)
        return PaymentRules(
            per_report_cents=rules.per_report_cents,
            deadline_day=rules.deadline_day,
            cap_per_year_cents=rules.cap_per_year_cents,
            schedule=rules.schedule,
        )

    @strawberry.field(
        description="Staff: a region's verification queue for a quarter (``first`` entries "
        "after the first ``offset``; every entry when ``first`` is not given)."
    )
    async def verification_queue(
        self,
        info: GraphInfo,
        region_id: strawberry.ID,
        quarter: str,
        seed: int | None = None,
        first: int | None = None,
        offset: int = 0,
    ) -> list[QueueEntry]:
        ctx = info.context
        if first is not None:
            check_page_size(first, ctx.settings.max_page_size)
        if offset < 0:
            raise ValidationFailed([FieldProblem("offset", "must be 0 or more")])
        entries = await _queue(info, region_id, quarter, seed)
        shown = entries[offset:] if first is None else entries[offset : offset + first]
        return [
            QueueEntry(
                report=MonthlyReport.of(e.report, journal_service.is_late(e.report, ctx.settings)),
                family_id=e.report.family_id,
                reasons=list(e.reasons),
                flagged=e.flagged,
                sampled=e.sampled,
                outcome=e.verification.outcome if e.verification else None,
            )
            for e in shown
        ]

    @strawberry.field(description="Staff: how many entries a region's queue for a quarter has.")
    async def verification_queue_size(
        self, info: GraphInfo, region_id: strawberry.ID, quarter: str, seed: int | None = None
    ) -> int:
        return len(await _queue(info, region_id, quarter, seed))

    @strawberry.field(
        description="Researchers: income, savings and debt changes from the journals, by "
        "network position, protected like every research report; quartiles from the noisy bins."
    )
    async def dollar_outcomes(
        self,
        info: GraphInfo,
        region_id: strawberry.ID | None = None,
        by: Grouping = Grouping.HELP_TIE_TERCILE,
    ) -> DollarOutcomes:
        answer = await release(info, research_service.dollar_outcome_release, region_id, by)
        return _dollar_outcomes(info, answer)

    @strawberry.field(description="Admins: the payment ledger's balance (a quarter, or all).")
    async def payment_ledger(self, info: GraphInfo, quarter: str | None = None) -> LedgerBalance:
        ctx = info.context
        balance = await in_thread(payment_service.ledger_balance, ctx.store, ctx.principal, quarter)
        return LedgerBalance(
            period=quarter,
            scheduled_ever_cents=balance.scheduled_ever,
            scheduled_cents=balance.by_state["scheduled"],
            fulfilled_cents=balance.by_state["fulfilled"],
            canceled_cents=balance.by_state["canceled"],
            failed_cents=balance.by_state["failed"],
            balances=balance.balances,
        )


def _figures(value: Any) -> dict[str, Any]:
    return as_record(value)


@strawberry.type
class JournalMutation:
    @strawberry.mutation(description="A family submits its baseline or a month's report.")
    async def submit_report(
        self, info: GraphInfo, input: SubmitReportInput, family_id: strawberry.ID | None = None
    ) -> MonthlyReport:
        ctx = info.context
        target = subject_family(info, family_id)
        report = await in_thread(
            journal_service.submit_report, ctx.store, ctx.principal, target, _figures(input)
        )
        return MonthlyReport.of(report, journal_service.is_late(report, ctx.settings))

    @strawberry.mutation(description="A family corrects a submitted month: a new version.")
    async def correct_report(
        self,
        info: GraphInfo,
        month: str,
        input: ReportFiguresInput,
        family_id: strawberry.ID | None = None,
    ) -> MonthlyReport:
        ctx = info.context
        target = subject_family(info, family_id)
        _, after = await in_thread(
            lambda: journal_service.correct_report(
                ctx.store, require_principal(ctx.principal), target, month, _figures(input)
            )
        )
        return MonthlyReport.of(after, False)

    @strawberry.mutation(description="A family records an action (and maybe a goal reached).")
    async def record_action(
        self, info: GraphInfo, input: RecordActionInput, family_id: strawberry.ID | None = None
    ) -> JournalAction:
        ctx = info.context
        target = subject_family(info, family_id)
        action = await in_thread(
            journal_service.record_action, ctx.store, ctx.principal, target, as_record(input)
        )
        return JournalAction.of(action)

    @strawberry.mutation(description="Staff: the evidence supports this report version.")
    async def verify_report(
        self,
        info: GraphInfo,
        report_id: str,
        evidence: EvidenceEnum,  # type: ignore[valid-type]  # strawberry enum
    ) -> VerificationResult:
        ctx = info.context
        principal = require_principal(ctx.principal)
        check = await in_thread(
            verification_service.verify_report,
            ctx.store,
            principal,
            report_id,
            EvidenceType(evidence),
        )
        return VerificationResult(
            report_id=check.report_id,
            outcome=check.outcome,
            evidence=check.evidence,
            corrected_report_id=None,
        )

    @strawberry.mutation(description="Staff: the evidence shows other figures (a new version).")
    async def record_correction(
        self,
        info: GraphInfo,
        report_id: str,
        evidence: EvidenceEnum,  # type: ignore[valid-type]  # strawberry enum
        input: StaffCorrectionInput,
    ) -> VerificationResult:
        ctx = info.context
        principal = require_principal(ctx.principal)
        _, _, check = await in_thread(
            verification_service.correct_report,
            ctx.store,
            principal,
            report_id,
            EvidenceType(evidence),
            _figures(input),
        )
        return VerificationResult(
            report_id=check.report_id,
            outcome=check.outcome,
            evidence=check.evidence,
            corrected_report_id=check.corrected_report_id,
        )

    @strawberry.mutation(description="Admins: schedule a quarter's payments (idempotent).")
    async def run_payout(self, info: GraphInfo, quarter: str) -> PayoutResult:
        ctx = info.context
        principal = require_principal(ctx.principal)
        processor = FilePaymentProcessor(ctx.settings.payout_folder)
        run = await in_thread(
            payment_service.run_payout, ctx.store, principal, quarter, ctx.settings, processor
        )
        return PayoutResult(
            quarter=run.quarter,
            scheduled=len(run.scheduled),
            scheduled_cents=run.scheduled_cents,
            already_in_ledger=run.already_in_ledger,
        )

    @strawberry.mutation(description="Admins: settle payments from the processor's results.")
    async def apply_payout_results(self, info: GraphInfo) -> PayoutSettlement:
        ctx = info.context
        principal = require_principal(ctx.principal)
        processor = FilePaymentProcessor(ctx.settings.payout_folder)
        counts = await in_thread(payment_service.apply_results, ctx.store, principal, processor)
        return PayoutSettlement(**counts)


async def _queue(
    info: GraphInfo, region_id: strawberry.ID, quarter: str, seed: int | None
) -> list[verification_service.QueueEntry]:
    ctx = info.context
    return await in_thread(
        verification_service.build_queue,
        ctx.store,
        require_principal(ctx.principal),
        str(region_id),
        quarter,
        ctx.settings,
        seed,
    )
