"""The journal on both stores: record kinds through the registry, the rules inside the write
transaction, and the attacks (concurrent duplicate month, future month, another family's
journal, a correction racing another)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, cast

import pytest

from graph_service.auth import Principal, Role
from graph_service.demo import demo_network, load_network
from graph_service.errors import Conflict, DomainError, Forbidden, NotFound
from graph_service.kinds import JOURNAL_KINDS
from graph_service.services import journal as svc
from graph_service.stores.base import ChangeSet, FamilyFilter, GraphStore
from graph_service.stores.neo4j_writes import missing_part_writers
from models import GoalStatus, Helped, ValidationFailed, today
from models.journal import Month, MonthlyReport, report_id
from queries import available

ANA = Principal(Role.FAMILY, "ana")
BEN = Principal(Role.FAMILY, "ben")
OLGA = Principal(Role.ORGANIZER, "olga", ("oakland",))
THIS_MONTH = Month.of(today())


def months_ago(n: int) -> str:
    return Month.add(THIS_MONTH, -n)


@pytest.fixture
def demo(store: GraphStore) -> GraphStore:
    load_network(store, demo_network())
    return store


def figures(**extra: Any) -> dict[str, Any]:
    return {
        "householdSize": 4,
        "earnedIncomeCents": 210_000,
        "benefitsCents": 20_000,
        "savingsCents": 50_000,
        "debtCents": 120_000,
        **extra,
    }


def baseline(store: GraphStore, month: str | None = None) -> MonthlyReport:
    data = figures(month=month or months_ago(6), kind="baseline")
    return svc.submit_report(store, ANA, "ana", data)


def test_every_journal_kind_is_registered_with_its_statements() -> None:
    assert [k.name for k in JOURNAL_KINDS] == ["report", "action", "verification"]
    assert missing_part_writers() == []
    for kind in JOURNAL_KINDS:
        assert kind.upsert in available()
        assert f"scan_{kind.part}" in available()
        assert f"journal_{kind.part}_of" in available()


def test_baseline_then_months_round_trip(demo: GraphStore) -> None:
    first = baseline(demo)
    second = svc.submit_report(demo, ANA, "ana", figures(month=months_ago(5)))
    assert demo.counts()["MonthlyReport"] == 2
    # the "reports" journal holds MonthlyReport rows only
    stored = cast(list[MonthlyReport], demo.journal_of("reports", ["ana"])["ana"])
    assert sorted(stored, key=lambda r: r.month) == [first, second]
    assert demo.reports_between(months_ago(5), months_ago(5)) == [second]
    assert demo.journal_of("reports", ["ben"]) == {}


def test_a_monthly_report_needs_the_baseline_first_and_one_baseline(demo: GraphStore) -> None:
    with pytest.raises(Conflict) as error:
        svc.submit_report(demo, ANA, "ana", figures(month=months_ago(2)))
    assert error.value.field == "kind"
    baseline(demo)
    with pytest.raises(Conflict):
        baseline(demo, months_ago(3))
    assert demo.counts()["MonthlyReport"] == 1


def test_future_month_and_bad_amounts_are_refused(demo: GraphStore) -> None:
    baseline(demo)
    bad: list[dict[str, Any]] = [
        figures(month=Month.add(THIS_MONTH, 1)),
        figures(month="2025-13"),
        figures(month=months_ago(1), earnedIncomeCents=1999.5),
        figures(month=months_ago(1), savingsCents=-1),
        figures(month=months_ago(1), debtCents=10**12),
        figures(month=months_ago(1), earnedIncomeCents="12"),
    ]
    for data in bad:
        with pytest.raises(ValidationFailed):
            svc.submit_report(demo, ANA, "ana", data)
    assert demo.counts()["MonthlyReport"] == 1


def test_one_report_per_month_and_a_correction_keeps_the_old_version(demo: GraphStore) -> None:
    baseline(demo)
    month = months_ago(2)
    svc.submit_report(demo, ANA, "ana", figures(month=month))
    with pytest.raises(Conflict) as error:
        svc.submit_report(demo, ANA, "ana", figures(month=month, savingsCents=1))
    assert error.value.field == "month"
    before, after = svc.correct_report(demo, ANA, "ana", month, {"savingsCents": 60_000})
    assert (before.version, after.version, after.savings_cents) == (1, 2, 60_000)
    # the "reports" journal holds MonthlyReport rows only
    stored = cast(list[MonthlyReport], demo.journal_of("reports", ["ana"])["ana"])
    versions = sorted(r.version for r in stored if r.month == month)
    assert versions == [1, 2]
    assert svc.journal(demo, ANA, "ana").latest()[month].savings_cents == 60_000


def test_concurrent_duplicate_month_writes_one_report(demo: GraphStore) -> None:
    baseline(demo)
    month = months_ago(1)

    def submit(i: int) -> str:
        try:
            svc.submit_report(demo, ANA, "ana", figures(month=month, savingsCents=i))
        except Conflict:
            return "conflict"
        return "ok"

    with ThreadPoolExecutor(8) as pool:
        outcomes = Counter(pool.map(submit, range(16)))
    assert outcomes == {"ok": 1, "conflict": 15}
    assert len([r for r in demo.reports_between(month, month)]) == 1


def test_concurrent_corrections_make_one_new_version(demo: GraphStore) -> None:
    baseline(demo)
    month = months_ago(1)
    svc.submit_report(demo, ANA, "ana", figures(month=month))

    def correct(i: int) -> str:
        try:
            svc.correct_report(demo, ANA, "ana", month, {"savingsCents": 1000 + i})
        except Conflict:
            return "conflict"
        return "ok"

    with ThreadPoolExecutor(8) as pool:
        outcomes = Counter(pool.map(correct, range(8)))
    versions = sorted(r.version for r in demo.reports_between(month, month))
    # every correction that succeeded made exactly one new version, with no gap or duplicate
    assert versions == list(range(1, outcomes["ok"] + 2))
    assert outcomes["ok"] >= 1


def test_another_familys_journal_is_out_of_reach(demo: GraphStore) -> None:
    baseline(demo)
    with pytest.raises(NotFound):
        svc.journal(demo, Principal(Role.FAMILY, "eli-not-there"), "ana")
    for attempt in (
        lambda: svc.submit_report(demo, BEN, "ana", figures(month=months_ago(1))),
        lambda: svc.correct_report(demo, BEN, "ana", months_ago(6), {"savingsCents": 1}),
        lambda: svc.record_action(demo, BEN, "ana", {"domain": "health", "what": "x"}),
        lambda: svc.journal(demo, BEN, "ana"),
        lambda: svc.journal(demo, OLGA, "ana"),  # organizers: status only
    ):
        with pytest.raises((NotFound, Forbidden)):
            attempt()
    assert demo.counts()["MonthlyReport"] == 1
    assert demo.counts()["Action"] == 0


def test_organizers_see_whether_reports_are_in_not_their_contents(demo: GraphStore) -> None:
    baseline(demo)
    late_month = months_ago(3)  # submitted today: long after its due date
    svc.submit_report(demo, ANA, "ana", figures(month=late_month))
    status = svc.report_status(demo, OLGA, "ana", [months_ago(6), late_month, months_ago(1)])
    assert [(s.month, s.submitted, s.late, s.baseline) for s in status] == [
        (months_ago(6), True, True, True),
        (late_month, True, True, False),
        (months_ago(1), False, False, False),
    ]
    boston = Principal(Role.ORGANIZER, "bo", ("boston",))
    with pytest.raises((NotFound, Forbidden)):
        svc.report_status(demo, boston, "ana", [late_month])


def test_help_is_linked_from_helped_records_not_entered_twice(demo: GraphStore) -> None:
    baseline(demo)
    month = months_ago(1)
    at = Month.first_day(month)
    demo.upsert_help(
        [
            Helped(id="jh1", from_id="ana", to_id="cruz", kind="childcare", at=at, amount=40),
            Helped(id="jh2", from_id="ben", to_id="ana", kind="food", at=at, amount=25),
            Helped(id="jh3", from_id="ben", to_id="cruz", kind="food", at=at, amount=25),
        ]
    )
    report = svc.submit_report(demo, ANA, "ana", figures(month=month, helpIds=["jh3"]))
    assert report.help_ids == ("jh1", "jh2")  # the family's own, of that month; input ignored


def test_a_report_naming_a_missing_help_record_writes_nothing(demo: GraphStore) -> None:
    report = MonthlyReport(
        id=report_id("ana", "2025-01", 1),
        family_id="ana",
        month="2025-01",
        kind="baseline",
        submitted_on=date(2025, 2, 1),
        household_size=4,
        help_ids=("no-such-help",),
    )
    with pytest.raises(NotFound) as error:
        demo.write(ChangeSet(reports=[report]))
    assert error.value.field == "helpIds"
    assert demo.counts()["MonthlyReport"] == 0


def test_achieving_a_goal_from_the_journal_feeds_pursues(demo: GraphStore) -> None:
    action = svc.record_action(
        demo,
        BEN,
        "ben",
        {
            "domain": "income_savings",
            "what": "three months of expenses saved",
            "goalId": "emergency_savings",
            "achievesGoal": True,
            "at": months_ago(1) + "-02",
        },
    )
    pursuit = {p.goal_id: p for p in demo.pursuits_of(["ben"])["ben"]}["emergency_savings"]
    assert pursuit.status is GoalStatus.ACHIEVED
    assert pursuit.achieved_at == action.at
    assert demo.journal_of("actions", ["ben"])["ben"] == [action]
    with pytest.raises(Conflict) as error:  # achieved already: not open any more
        svc.record_action(
            demo,
            BEN,
            "ben",
            {
                "domain": "income_savings",
                "what": "again",
                "goalId": "emergency_savings",
                "achievesGoal": True,
            },
        )
    assert error.value.field == "goalId"
    with pytest.raises(Conflict):  # a goal ben does not pursue
        svc.record_action(
            demo,
            BEN,
            "ben",
            {"domain": "housing", "what": "keys", "goalId": "buy_home", "achievesGoal": True},
        )
    assert demo.counts()["Action"] == 1


def test_an_action_toward_an_unknown_goal_is_refused(demo: GraphStore) -> None:
    with pytest.raises(DomainError):
        svc.record_action(demo, BEN, "ben", {"domain": "health", "what": "x", "goalId": "zzz"})
    assert demo.counts()["Action"] == 0


def test_erasing_a_family_erases_its_journal(demo: GraphStore) -> None:
    baseline(demo)
    svc.record_action(demo, ANA, "ana", {"domain": "health", "what": "check-up"})
    assert demo.delete_family("ana")
    counts = demo.counts()
    assert (counts["MonthlyReport"], counts["Action"]) == (0, 0)


def test_reported_income_annualises_the_latest_twelve_months(demo: GraphStore) -> None:
    assert svc.reported_income(demo, "ana") is None
    baseline(demo, months_ago(14))  # outside the window
    for n in (3, 2, 1):
        svc.submit_report(demo, ANA, "ana", figures(month=months_ago(n), earnedIncomeCents=n * 100))
    svc.correct_report(
        demo, ANA, "ana", months_ago(1), {"earnedIncomeCents": 400, "householdSize": 5}
    )
    income = svc.reported_income(demo, "ana")
    assert income is not None
    # months 3, 2, 1 ago: 300 + 200 + 400 (latest version) = 900 over 3 months -> 3,600 a year
    assert (income.earned_cents, income.benefits_cents) == (3_600, 240_000)
    assert (income.household_size, income.months_reported) == (5, 3)
    assert income.latest_month == months_ago(1)


def test_a_large_journal_batch_does_not_make_followers_rebuild(demo: GraphStore) -> None:
    families = sorted(
        f.id for f in demo.list_families(FamilyFilter(), after=None, limit=100).families
    )
    reports = [
        MonthlyReport(
            id=report_id(f, Month.add("2000-01", m), 1),
            family_id=f,
            month=Month.add("2000-01", m),
            kind="baseline" if m == 0 else "monthly",
            submitted_on=Month.first_day(Month.add("2000-01", m + 1)),
            household_size=3,
        )
        for f in families
        for m in range(200)
    ]
    assert len(reports) > 2000
    version = demo.data_version()
    demo.write(ChangeSet(reports=reports))
    [change] = demo.changes_since(version).changes
    assert not change.rebuild  # nothing of the network changed: followers apply nothing
    assert change.changes.is_empty()
    assert change.journal_omitted  # a reader of the journal knows to reread it
    assert demo.counts()["MonthlyReport"] == len(reports)
