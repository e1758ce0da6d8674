"""Payments for reporting: the program's rules, the quarterly payout, and the processor.

Rules (:class:`PaymentRules`, from Settings, published to families in the API):

- each monthly report submitted on time (its first version by ``GS_JOURNAL_DEADLINE_DAY`` of
  the next month) earns ``GS_PAYMENT_PER_REPORT_CENTS``; the baseline and late reports earn
  nothing (a correction does not change when a report came in);
- payments are made once a quarter, after staff verified the quarter (the payout is run for a
  quarter that has ended), one payment per family and quarter (the idempotency key);
- a family receives at most ``GS_PAYMENT_CAP_PER_YEAR_CENTS`` per calendar year: what a
  quarter would pay beyond it is cut (earlier quarters' payments count unless they failed or
  were canceled).

Paying money is a processor's job (:class:`PaymentProcessor`): the payout hands it the
payments it scheduled; the processor's results settle them as fulfilled or failed. The file
processor (:mod:`graph_service.services.payout_file`) writes a CSV batch and reads back a
results file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from graph_service.auth import Principal
from graph_service.errors import FieldProblem, ValidationFailed
from graph_service.services.access import Action as Do
from graph_service.services.access import Viewer, authorize
from graph_service.services.common import authorized_family
from graph_service.services.journal import is_late
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from graph_service.stores.payments import (
    Payment,
    PaymentLedger,
    PaymentState,
    ledger_of,
    payment_key,
)
from models import today
from models.journal import Month, MonthlyReport, ReportKind


@dataclass(frozen=True)
class PaymentRules:
    """What a family is paid for reporting, and when."""

    per_report_cents: int
    deadline_day: int
    cap_per_year_cents: int
    schedule: str = "quarterly, after staff verified the quarter"

    @classmethod
    def of(cls, settings: Settings) -> PaymentRules:
        return cls(
            settings.payment_per_report_cents,
            settings.journal_deadline_day,
            settings.payment_cap_per_year_cents,
        )


@dataclass(frozen=True)
class Due:
    """What one family is due for one quarter, and why."""

    family_id: str
    quarter: str
    on_time: tuple[str, ...]  # months paid
    late: tuple[str, ...]  # months reported late (not paid)
    amount_cents: int
    capped_cents: int  # cut by the yearly cap


def _validate_quarter(quarter: str) -> tuple[str, str, str]:
    try:
        return Month.months_of_quarter(quarter)
    except ValueError as error:
        raise ValidationFailed([FieldProblem("quarter", str(error))], record="input") from None


def dues(
    reports: Iterable[MonthlyReport],
    quarter: str,
    settings: Settings,
    paid_this_year: dict[str, int] | None = None,
) -> list[Due]:
    """What each reporting family is due for ``quarter``, from its reports of the quarter's
    months (every version) and what it was already paid this calendar year. Pure.

    >>> from graph_service.settings import Settings
    >>> from models.journal import report_id
    >>> r = lambda m, on: MonthlyReport(id=report_id("a", m, 1), family_id="a", month=m,
    ...     submitted_on=on, household_size=2)
    >>> [d.amount_cents for d in dues([r("2025-01", "2025-02-03"), r("2025-02", "2025-03-20")],
    ...     "2025-Q1", Settings(payment_per_report_cents=15000))]
    [15000]
    """
    months = set(_validate_quarter(quarter))
    paid = paid_this_year or {}
    first_versions: dict[str, dict[str, MonthlyReport]] = defaultdict(dict)
    for report in reports:
        if report.month not in months or report.kind is not ReportKind.MONTHLY:
            continue
        held = first_versions[report.family_id].get(report.month)
        if held is None or report.version < held.version:
            first_versions[report.family_id][report.month] = report
    found = []
    for family_id in sorted(first_versions):
        by_month = first_versions[family_id]
        on_time = tuple(m for m in sorted(by_month) if not is_late(by_month[m], settings))
        late = tuple(m for m in sorted(by_month) if m not in on_time)
        earned = len(on_time) * settings.payment_per_report_cents
        room = max(0, settings.payment_cap_per_year_cents - paid.get(family_id, 0))
        amount = min(earned, room)
        found.append(Due(family_id, quarter, on_time, late, amount, earned - amount))
    return found


def _paid_this_year(ledger: PaymentLedger, quarter: str) -> dict[str, int]:
    """Cents each family was paid (or is scheduled to be) in earlier quarters of the year."""
    year, q = quarter.split("-Q")
    paid: dict[str, int] = defaultdict(int)
    for earlier in range(1, int(q)):
        for p in ledger.payments(period=f"{year}-Q{earlier}"):
            if p.state in (PaymentState.SCHEDULED, PaymentState.FULFILLED):
                paid[p.family_id] += p.amount_cents
    return paid


@dataclass(frozen=True)
class PayoutRun:
    """What one payout run did: newly scheduled payments (a rerun schedules none)."""

    quarter: str
    scheduled: list[Payment]
    already_in_ledger: int
    families_due: int

    @property
    def scheduled_cents(self) -> int:
        return sum(p.amount_cents for p in self.scheduled)


class PaymentProcessor(Protocol):
    """Where money leaves the program (a bank's batch file, a payments API)."""

    def submit(self, quarter: str, payments: Sequence[Payment]) -> None:
        """Hand over scheduled payments (may be called again with the same ones: a
        processor must treat the payment key as its idempotency key too)."""

    def results(self) -> list[tuple[str, PaymentState, str]]:
        """Settlements known so far: ``(payment key, fulfilled | failed, note)``."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _quarter_has_ended(quarter: str) -> bool:
    last = _validate_quarter(quarter)[2]
    return last < Month.of(today())


def run_payout(
    store: GraphStore,
    principal: Principal,
    quarter: str,
    settings: Settings,
    processor: PaymentProcessor | None = None,
    *,
    batch_size: int = 5_000,
) -> PayoutRun:
    """Schedule every family's payment for ``quarter`` (admins; a quarter that has ended),
    idempotently: keys already in the ledger are left as they are. The payments scheduled now
    are handed to ``processor``."""
    authorize(Viewer(principal), Do.RUN_PAYOUT)
    if not _quarter_has_ended(quarter):
        raise ValidationFailed(
            [FieldProblem("quarter", "the payout runs after the quarter has ended")]
        )
    ledger = ledger_of(store)
    first, _, last = Month.months_of_quarter(quarter)
    due = [
        d
        for d in dues(
            store.reports_between(first, last), quarter, settings, _paid_this_year(ledger, quarter)
        )
        if d.on_time
    ]
    at = _now()
    payments = [
        Payment(
            payment_key(d.family_id, quarter),
            d.family_id,
            quarter,
            d.amount_cents,
            len(d.on_time),
            PaymentState.SCHEDULED,
            at,
        )
        for d in due
    ]
    scheduled: list[Payment] = []
    for start in range(0, len(payments), batch_size):
        scheduled.extend(ledger.schedule(payments[start : start + batch_size]))
    if processor is not None and scheduled:
        processor.submit(quarter, scheduled)
    return PayoutRun(quarter, scheduled, len(payments) - len(scheduled), len(due))


def apply_results(
    store: GraphStore, principal: Principal, processor: PaymentProcessor
) -> dict[str, int]:
    """Settle scheduled payments from the processor's results; counts per outcome
    (``unchanged``: already settled, so a results file read twice changes nothing)."""
    authorize(Viewer(principal), Do.RUN_PAYOUT)
    ledger = ledger_of(store)
    counts = {"fulfilled": 0, "failed": 0, "unchanged": 0}
    at = _now()
    for key, state, note in processor.results():
        if ledger.settle(key, state, at, note):
            counts[state.value] += 1
        else:
            counts["unchanged"] += 1
    return counts


def cancel_payment(store: GraphStore, principal: Principal, key: str, note: str) -> bool:
    """Cancel a scheduled payment (admins); False if it is not scheduled."""
    authorize(Viewer(principal), Do.RUN_PAYOUT)
    ledger = ledger_of(store)
    return ledger.settle(key, PaymentState.CANCELED, _now(), note)


def family_payments(store: GraphStore, principal: Principal, family_id: str) -> list[Payment]:
    """A family's own payments (the family; admins)."""
    authorized_family(store, principal, Do.READ_JOURNAL, family_id)
    ledger = ledger_of(store)
    return ledger.payments(family_id=family_id)


def family_due(
    store: GraphStore, principal: Principal, family_id: str, quarter: str, settings: Settings
) -> Due:
    """What the family will receive for ``quarter`` and why (its own reports)."""
    authorized_family(store, principal, Do.READ_JOURNAL, family_id)
    months = _validate_quarter(quarter)
    ledger = ledger_of(store)
    reports = store.journal_of("reports", [family_id]).get(family_id, [])
    mine = [r for r in reports if isinstance(r, MonthlyReport) and r.month in months]
    found = dues(mine, quarter, settings, _paid_this_year(ledger, quarter))
    return found[0] if found else Due(family_id, quarter, (), (), 0, 0)
