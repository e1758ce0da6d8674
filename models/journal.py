"""The family journal: monthly reports, actions, and staff verifications (docs/program.md).

A family records **actions** (what, when, in which of the program's six domains, optionally
toward one of its goals) and a **monthly report**: a baseline first, then each month's
figures. Money is integer cents (never floats); every figure has a bound. A report is never
changed in place: a correction after submission is a new *version* of the same family and
month, and the earlier versions are kept (``report_id`` names each version).

Graph shape (Neo4j): ``(Family)-[:REPORTED]->(MonthlyReport)``,
``(Family)-[:TOOK]->(Action)-[:TOWARD]->(Goal)``,
``(Verification)-[:OF]->(MonthlyReport)``.

>>> report_id("ana", "2026-03", 2)
'ana--2026-03--v2'
>>> Month.validate("2026-13")
Traceback (most recent call last):
...
ValueError: month must be YYYY-MM
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from models.base import DomainModel, ExternalId, PastDate, today
from models.nodes import MAX_HOUSEHOLD, MIN_HOUSEHOLD, GoalCategory

# Bounds (cents). A month's earned income or benefits up to $50,000; balances up to
# $5,000,000; a month's business revenue up to $500,000. Larger values are typing mistakes.
MAX_MONTHLY_CENTS = 5_000_000
MAX_BALANCE_CENTS = 500_000_000
MAX_REVENUE_CENTS = 50_000_000
MAX_VERSIONS = 99

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class Month:
    """A calendar month as ``YYYY-MM`` (string order is time order)."""

    @staticmethod
    def validate(value: str) -> str:
        if not _MONTH.match(value):
            raise ValueError("month must be YYYY-MM")
        return value

    @staticmethod
    def of(day: date) -> str:
        return f"{day.year:04d}-{day.month:02d}"

    @staticmethod
    def first_day(month: str) -> date:
        return date(int(month[:4]), int(month[5:7]), 1)

    @staticmethod
    def add(month: str, months: int) -> str:
        index = int(month[:4]) * 12 + int(month[5:7]) - 1 + months
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    @staticmethod
    def quarter(month: str) -> str:
        """``2026-05`` -> ``2026-Q2``."""
        return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"

    @staticmethod
    def months_of_quarter(quarter: str) -> tuple[str, str, str]:
        match = re.match(r"^(\d{4})-Q([1-4])$", quarter)
        if not match:
            raise ValueError("quarter must be YYYY-Qn")
        first = f"{match.group(1)}-{(int(match.group(2)) - 1) * 3 + 1:02d}"
        return first, Month.add(first, 1), Month.add(first, 2)


def _not_future_month(value: str) -> str:
    Month.validate(value)
    if value > Month.of(today()):
        raise ValueError(f"month {value} is in the future")
    return value


MonthStr = Annotated[str, AfterValidator(_not_future_month)]
Cents = Annotated[int, Field(strict=True, ge=0, le=MAX_MONTHLY_CENTS)]
BalanceCents = Annotated[int, Field(strict=True, ge=0, le=MAX_BALANCE_CENTS)]
SmallCount = Annotated[int, Field(strict=True, ge=0, le=100)]
# Ids made from a family id and a month (longer than an ExternalId can be).
JournalId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,139}$")]


def report_id(family_id: str, month: str, version: int) -> str:
    """The id of one version of a family's report for a month."""
    return f"{family_id}--{month}--v{version}"


class Domain(StrEnum):
    """The program's six reporting domains."""

    INCOME_SAVINGS = "income_savings"
    HEALTH = "health"
    EDUCATION_SKILLS = "education_skills"
    HOUSING = "housing"
    LEADERSHIP = "leadership"
    CONNECTIONS = "connections"


class ReportKind(StrEnum):
    BASELINE = "baseline"
    MONTHLY = "monthly"


class MonthlyReport(DomainModel):
    """One version of a family's report for one month (the baseline is a report too).

    Help given and received is not entered here: ``help_ids`` links the month's ``HELPED``
    records (the service fills it from them), so the dollars are counted once.
    ``corrected_by`` is the staff member whose verification made this version, if any.
    """

    id: JournalId
    family_id: ExternalId
    month: MonthStr
    version: int = Field(default=1, strict=True, ge=1, le=MAX_VERSIONS)
    kind: ReportKind = ReportKind.MONTHLY
    submitted_on: PastDate
    household_size: int = Field(strict=True, ge=MIN_HOUSEHOLD, le=MAX_HOUSEHOLD)
    earned_income_cents: Cents = 0
    benefits_cents: Cents = 0
    savings_cents: BalanceCents = 0
    debt_cents: BalanceCents = 0
    rent_on_time: bool | None = None
    utilities_on_time: bool | None = None
    health_covered: int = Field(default=0, strict=True, ge=0, le=MAX_HOUSEHOLD)
    health_visits: SmallCount = 0
    courses: SmallCount = 0
    certificates: SmallCount = 0
    children_grade_average: float | None = Field(default=None, ge=0, le=4)
    business_started: bool = False
    business_revenue_cents: int = Field(default=0, strict=True, ge=0, le=MAX_REVENUE_CENTS)
    community_roles: SmallCount = 0
    help_ids: tuple[ExternalId, ...] = ()
    note: str = Field(default="", max_length=1000)
    corrected_by: ExternalId | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.id != report_id(self.family_id, self.month, self.version):
            raise ValueError("id must be report_id(familyId, month, version)")
        if self.submitted_on < Month.first_day(self.month):
            raise ValueError("submittedOn is before the month it reports")
        if self.health_covered > self.household_size:
            raise ValueError("healthCovered is larger than the household")
        return self

    def figures(self) -> dict[str, object]:
        """The reported figures (everything but identity, version and provenance)."""
        skip = {"id", "family_id", "month", "version", "kind", "submitted_on", "corrected_by"}
        return {k: v for k, v in self.model_dump().items() if k not in skip}


class Action(DomainModel):
    """``(Family)-[:TOOK]->(Action {at, domain, what})-[:TOWARD]->(Goal)``. With
    ``achieves_goal`` the action records that the goal was reached (the service sets the
    family's ``PURSUES`` to achieved at ``at`` in the same write)."""

    id: ExternalId
    family_id: ExternalId
    at: PastDate
    domain: Domain
    what: str = Field(min_length=1, max_length=500)
    goal_id: GoalCategory | None = None
    achieves_goal: bool = False

    @model_validator(mode="after")
    def _goal_for_achievement(self) -> Self:
        if self.achieves_goal and self.goal_id is None:
            raise ValueError("goalId is required to record a goal as achieved")
        return self


class VerificationOutcome(StrEnum):
    VERIFIED = "verified"
    CORRECTED = "corrected"


class EvidenceType(StrEnum):
    PAY_STUB = "pay_stub"
    BANK_STATEMENT = "bank_statement"
    SCHOOL_REPORT = "school_report"
    BENEFITS_LETTER = "benefits_letter"
    RECEIPT = "receipt"


class Verification(DomainModel):
    """A staff member's quarterly check of one report version:
    ``(Verification {outcome, evidence})-[:OF]->(MonthlyReport)``. A correction names the
    new version it wrote (``corrected_report_id``); the checked version stays stored."""

    id: JournalId
    report_id: JournalId
    family_id: ExternalId
    staff_id: ExternalId
    quarter: str = Field(pattern=r"^\d{4}-Q[1-4]$")
    at: PastDate
    outcome: VerificationOutcome
    evidence: EvidenceType
    corrected_report_id: JournalId | None = None

    @model_validator(mode="after")
    def _correction_names_version(self) -> Self:
        corrected = self.outcome is VerificationOutcome.CORRECTED
        if corrected != (self.corrected_report_id is not None):
            raise ValueError("correctedReportId is given exactly when the outcome is corrected")
        return self


def verification_id(report: str) -> str:
    return f"check--{report}"
