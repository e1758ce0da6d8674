"""Payments for reporting on both stores: amounts by the rules, idempotent payouts (also when
two run at once), the file processor, states with timestamps, and a ledger that balances."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from graph_service.auth import Principal, Role
from graph_service.demo import demo_network, load_network
from graph_service.errors import Forbidden, NotFound, ValidationFailed
from graph_service.services import payments as pay
from graph_service.services.payout_file import FilePaymentProcessor
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet, GraphStore
from graph_service.stores.payments import Payment, PaymentState, ledger_of, payment_key
from models.journal import MonthlyReport, ReportKind, report_id

ADMIN = Principal(Role.ADMIN, "root")
SETTINGS = Settings(payment_per_report_cents=15_000, payment_cap_per_year_cents=40_000)
QUARTER = "2025-Q1"


def report(
    family: str, month: str, submitted: date, *, kind: str = "monthly", v: int = 1
) -> MonthlyReport:
    return MonthlyReport(
        id=report_id(family, month, v),
        family_id=family,
        month=month,
        version=v,
        kind=ReportKind(kind),
        submitted_on=submitted,
        household_size=3,
    )


@pytest.fixture
def journals(store: GraphStore) -> GraphStore:
    load_network(store, demo_network())
    store.write(
        ChangeSet(
            reports=[
                report("ana", "2024-12", date(2025, 1, 5), kind="baseline"),
                report("ana", "2025-01", date(2025, 2, 3)),
                report("ana", "2025-02", date(2025, 3, 9)),
                report("ana", "2025-03", date(2025, 4, 30)),  # late: not paid
                report("ana", "2025-02", date(2025, 5, 2), v=2),  # a correction: still on time
                report("ben", "2025-01", date(2025, 2, 1)),
                report("ben", "2025-02", date(2025, 3, 1)),
                report("ben", "2025-03", date(2025, 4, 1)),  # 3 x 150 = 450 > cap 400
                report("cruz", "2025-03", date(2025, 4, 11)),  # late only: nothing due
            ]
        )
    )
    return store


def test_dues_follow_the_rules(journals: GraphStore) -> None:
    due = {
        d.family_id: d
        for d in pay.dues(journals.reports_between("2025-01", "2025-03"), QUARTER, SETTINGS)
    }
    assert (due["ana"].on_time, due["ana"].late, due["ana"].amount_cents) == (
        ("2025-01", "2025-02"),
        ("2025-03",),
        30_000,
    )
    assert (due["ben"].amount_cents, due["ben"].capped_cents) == (40_000, 5_000)
    assert (due["cruz"].amount_cents, due["cruz"].late) == (0, ("2025-03",))


def test_a_payout_rerun_pays_nothing_twice_and_the_file_round_trip(
    journals: GraphStore, tmp_path: Path
) -> None:
    processor = FilePaymentProcessor(tmp_path)
    first = pay.run_payout(journals, ADMIN, QUARTER, SETTINGS, processor)
    assert sorted((p.family_id, p.amount_cents) for p in first.scheduled) == [
        ("ana", 30_000),
        ("ben", 40_000),
    ]
    again = pay.run_payout(journals, ADMIN, QUARTER, SETTINGS, processor)
    assert (again.scheduled, again.already_in_ledger) == ([], 2)
    lines = processor.batch_path(QUARTER).read_text().splitlines()
    assert lines == [
        "key,family_id,period,amount_cents,reports",
        "ana:2025-Q1,ana,2025-Q1,30000,2",
        "ben:2025-Q1,ben,2025-Q1,40000,3",
    ]
    (tmp_path / "results-2025-q1.csv").write_text(
        "key,status,note\nana:2025-Q1,fulfilled,\nben:2025-Q1,failed,account closed\n"
    )
    assert pay.apply_results(journals, ADMIN, processor) == {
        "fulfilled": 1,
        "failed": 1,
        "unchanged": 0,
    }
    assert pay.apply_results(journals, ADMIN, processor)["unchanged"] == 2  # read twice
    ledger = ledger_of(journals)
    states = {p.family_id: (p.state, p.settled_at is not None, p.note) for p in ledger.payments()}
    assert states == {
        "ana": (PaymentState.FULFILLED, True, ""),
        "ben": (PaymentState.FAILED, True, "account closed"),
    }
    balance = ledger.balance(QUARTER)
    assert balance.balances
    assert balance.scheduled_ever == 70_000
    assert balance.by_state == {
        "scheduled": 0,
        "fulfilled": 30_000,
        "canceled": 0,
        "failed": 40_000,
    }
    assert pay.run_payout(journals, ADMIN, QUARTER, SETTINGS).scheduled == []  # failed stays


def test_the_cap_counts_earlier_quarters_of_the_year(journals: GraphStore) -> None:
    journals.write(
        ChangeSet(
            reports=[
                report("ana", "2025-04", date(2025, 5, 1)),
                report("ana", "2025-05", date(2025, 6, 1)),
            ]
        )
    )
    pay.run_payout(journals, ADMIN, QUARTER, SETTINGS)  # ana: 30,000 of the 40,000 cap
    q2 = pay.run_payout(journals, ADMIN, "2025-Q2", SETTINGS)
    assert [(p.family_id, p.amount_cents) for p in q2.scheduled] == [("ana", 10_000)]


def test_concurrent_payouts_schedule_each_payment_once(journals: GraphStore) -> None:
    with ThreadPoolExecutor(6) as pool:
        runs = list(
            pool.map(lambda _: pay.run_payout(journals, ADMIN, QUARTER, SETTINGS), range(6))
        )
    assert sum(len(r.scheduled) for r in runs) == 2
    balance = ledger_of(journals).balance()
    assert balance.balances and balance.scheduled_ever == 70_000


def test_settling_is_one_way_and_concurrent_settlements_move_once(journals: GraphStore) -> None:
    pay.run_payout(journals, ADMIN, QUARTER, SETTINGS)
    ledger = ledger_of(journals)
    key = payment_key("ana", QUARTER)
    outcomes = [PaymentState.FULFILLED, PaymentState.FAILED, PaymentState.CANCELED] * 3
    with ThreadPoolExecutor(9) as pool:
        moved = list(
            pool.map(lambda s: ledger.settle(key, s, "2025-05-01T00:00:00+00:00"), outcomes)
        )
    assert moved.count(True) == 1
    assert ledger.balance().balances
    with pytest.raises(ValueError):
        ledger.settle(key, PaymentState.SCHEDULED, "2025-05-01")
    assert pay.cancel_payment(journals, ADMIN, payment_key("ben", QUARTER), "withdrew")
    assert not pay.cancel_payment(journals, ADMIN, payment_key("ben", QUARTER), "again")
    assert ledger.balance().balances


def test_who_may_run_payouts_and_see_payments(journals: GraphStore) -> None:
    for who in (
        Principal(Role.FAMILY, "ana"),
        Principal(Role.ORGANIZER, "olga", ("oakland",)),
        Principal(Role.STAFF, "sam", ("oakland",)),
        Principal(Role.RESEARCHER, "rita"),
    ):
        with pytest.raises(Forbidden):
            pay.run_payout(journals, who, QUARTER, SETTINGS)
    pay.run_payout(journals, ADMIN, QUARTER, SETTINGS)
    mine = pay.family_payments(journals, Principal(Role.FAMILY, "ana"), "ana")
    assert [p.key for p in mine] == ["ana:2025-Q1"]
    with pytest.raises((NotFound, Forbidden)):
        pay.family_payments(journals, Principal(Role.FAMILY, "ben"), "ana")
    with pytest.raises(ValidationFailed):
        pay.run_payout(journals, ADMIN, "2999-Q1", SETTINGS)  # not ended
    with pytest.raises(ValidationFailed):
        pay.run_payout(journals, ADMIN, "2025-Q5", SETTINGS)


def test_what_a_family_will_receive_and_why(journals: GraphStore) -> None:
    due = pay.family_due(journals, Principal(Role.FAMILY, "ana"), "ana", QUARTER, SETTINGS)
    assert (due.on_time, due.late, due.amount_cents) == (
        ("2025-01", "2025-02"),
        ("2025-03",),
        30_000,
    )


def test_a_bad_results_file_settles_nothing(journals: GraphStore, tmp_path: Path) -> None:
    processor = FilePaymentProcessor(tmp_path)
    pay.run_payout(journals, ADMIN, QUARTER, SETTINGS, processor)
    (tmp_path / "results-1.csv").write_text("key,status\nana:2025-Q1,fulfilled\nben:2025-Q1,paid\n")
    with pytest.raises(ValidationFailed):
        pay.apply_results(journals, ADMIN, processor)
    assert {p.state for p in ledger_of(journals).payments()} == {PaymentState.SCHEDULED}


def test_a_payment_is_whole_non_negative_cents() -> None:
    for amount in (-5, 12.5):
        with pytest.raises(ValueError):
            Payment("x:2025-Q1", "x", QUARTER, amount, 1, PaymentState.SCHEDULED, "2025-04-01")  # type: ignore[arg-type]  # the float is the attack
