"""The program's core loop over HTTP, on both stores: a family submits a baseline and three
months (one late), the quarterly payout schedules the right amounts, the file processor's
results mark one payment failed, a rerun pays nothing twice, staff verify one report and
correct another, and the audit log shows the correction. The journal's calendar is set
(``services/clock.py``) so that the months pass in a second; everything else is real."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from graph_service.services import clock
from graph_service.settings import Settings
from tests.api.conftest import SECRET, Api

ANA = ("family", "ana")
BEN = ("family", "ben")
OLGA = ("organizer", "olga", "oakland")
SAM = ("staff", "sam", "oakland")
ADMIN = ("admin", "root")

SUBMIT = """mutation($input: SubmitReportInput!) { submitReport(input: $input) {
  id month version kind late savingsCents helpIds } }"""


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    return Settings(
        secret_key=SECRET,
        embedded_path=tmp_path / "unused.sqlite",
        rate_limit_per_minute=0,
        payout_folder=tmp_path / "payouts",
        verification_sample_share=1.0,
    )


def on(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def report(month: str, kind: str = "MONTHLY", savings: int = 50_000) -> dict[str, Any]:
    return {
        "input": {
            "month": month,
            "kind": kind,
            "householdSize": 4,
            "earnedIncomeCents": 210_000,
            "benefitsCents": 15_000,
            "savingsCents": savings,
            "debtCents": 300_000,
        }
    }


def test_the_core_loop(api: Api, api_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = data(
        api.gql("{ paymentRules { perReportCents deadlineDay capPerYearCents } }", as_=ANA)
    )
    assert rules["paymentRules"] == {
        "perReportCents": 15_000,
        "deadlineDay": 10,
        "capPerYearCents": 180_000,
    }
    steps = [
        (date(2025, 7, 3), "2025-06", "BASELINE"),
        (date(2025, 8, 2), "2025-07", "MONTHLY"),
        (date(2025, 9, 5), "2025-08", "MONTHLY"),
        (date(2025, 10, 20), "2025-09", "MONTHLY"),  # due 2025-10-10: late
    ]
    for day, month, kind in steps:
        on(monkeypatch, day)
        for who in (ANA, BEN):
            body = data(api.gql(SUBMIT, report(month, kind), as_=who))
            assert body["submitReport"]["late"] is (month == "2025-09")
    # the same month twice is refused, whole
    again = api.gql(SUBMIT, report("2025-08"), as_=ANA)
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert again["errors"][0]["extensions"]["field"] == "month"
    # organizers see whether reports are in, never the figures
    status = data(
        api.gql(
            '{ reportStatus(familyId: "ana", months: ["2025-08", "2025-09", "2025-10"]) '
            "{ month submitted late } }",
            as_=OLGA,
        )
    )["reportStatus"]
    assert status == [
        {"month": "2025-08", "submitted": True, "late": False},
        {"month": "2025-09", "submitted": True, "late": True},
        {"month": "2025-10", "submitted": False, "late": False},
    ]
    refused = api.gql('{ journal(familyId: "ana") { latest { savingsCents } } }', as_=OLGA)
    assert refused["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND")

    # the family sees what it will receive and why
    due = data(
        api.gql(
            '{ journal { due(quarter: "2025-Q3") { monthsOnTime monthsLate amountCents } } }',
            as_=ANA,
        )
    )["journal"]["due"]
    assert due == {
        "monthsOnTime": ["2025-07", "2025-08"],
        "monthsLate": ["2025-09"],
        "amountCents": 30_000,
    }

    # staff verify one report and correct another (before the payout)
    on(monkeypatch, date(2025, 10, 25))
    queue = data(
        api.gql(
            '{ verificationQueue(regionId: "oakland", quarter: "2025-Q3") '
            "{ familyId reasons flagged sampled report { id month } } }",
            as_=SAM,
        )
    )["verificationQueue"]
    ids = {e["report"]["id"] for e in queue}
    assert {"ana--2025-07--v1", "ben--2025-08--v1"} <= ids
    assert all(e["reasons"] for e in queue)
    verified = data(
        api.gql(
            'mutation { verifyReport(reportId: "ana--2025-07--v1", evidence: PAY_STUB) '
            "{ outcome evidence } }",
            as_=SAM,
        )
    )["verifyReport"]
    assert verified == {"outcome": "VERIFIED", "evidence": "PAY_STUB"}
    corrected = data(
        api.gql(
            'mutation { recordCorrection(reportId: "ben--2025-08--v1", evidence: BANK_STATEMENT, '
            "input: {savingsCents: 42000}) { outcome correctedReportId } }",
            as_=SAM,
        )
    )["recordCorrection"]
    assert corrected == {"outcome": "CORRECTED", "correctedReportId": "ben--2025-08--v2"}
    versions = data(
        api.gql("{ journal { reports { id savingsCents correctedByStaff } } }", as_=BEN)
    )
    august = [r for r in versions["journal"]["reports"] if "2025-08" in r["id"]]
    assert august == [
        {"id": "ben--2025-08--v1", "savingsCents": 50_000, "correctedByStaff": False},
        {"id": "ben--2025-08--v2", "savingsCents": 42_000, "correctedByStaff": True},
    ]
    log = data(
        api.gql(
            "{ auditLog(action: REPORT_CORRECTED) { edges { node { actor target detail } } } }",
            as_=ADMIN,
        )
    )["auditLog"]["edges"]
    assert [e["node"] for e in log] == [
        {
            "actor": "staff:sam",
            "target": "ben",
            "detail": "report ben--2025-08--v1 -> ben--2025-08--v2; fields: savingsCents; "
            "evidence: bank_statement",
        }
    ]

    # the quarterly payout: two on-time months each (the late September earns nothing)
    payout = (
        'mutation { runPayout(quarter: "2025-Q3") { scheduled scheduledCents alreadyInLedger } }'
    )
    assert data(api.gql(payout, as_=ADMIN))["runPayout"] == {
        "scheduled": 2,
        "scheduledCents": 60_000,
        "alreadyInLedger": 0,
    }
    batch = (api_settings.payout_folder / "payout-2025-Q3.csv").read_text().splitlines()
    assert batch == [
        "key,family_id,period,amount_cents,reports",
        "ana:2025-Q3,ana,2025-Q3,30000,2",
        "ben:2025-Q3,ben,2025-Q3,30000,2",
    ]
    (api_settings.payout_folder / "results-2025-Q3.csv").write_text(
        "key,status,note\nana:2025-Q3,fulfilled,\nben:2025-Q3,failed,account closed\n"
    )
    settle = "mutation { applyPayoutResults { fulfilled failed unchanged } }"
    assert data(api.gql(settle, as_=ADMIN))["applyPayoutResults"] == {
        "fulfilled": 1,
        "failed": 1,
        "unchanged": 0,
    }
    # a rerun pays nothing twice (and the failed payment is not silently retried)
    assert data(api.gql(payout, as_=ADMIN))["runPayout"] == {
        "scheduled": 0,
        "scheduledCents": 0,
        "alreadyInLedger": 2,
    }
    assert data(api.gql(settle, as_=ADMIN))["applyPayoutResults"]["unchanged"] == 2
    mine = data(api.gql("{ journal { payments { key amountCents state settledAt } } }", as_=BEN))
    [payment] = mine["journal"]["payments"]
    assert (payment["key"], payment["amountCents"], payment["state"]) == (
        "ben:2025-Q3",
        30_000,
        "FAILED",
    )
    assert payment["settledAt"]
    ledger = data(
        api.gql(
            '{ paymentLedger(quarter: "2025-Q3") { scheduledEverCents fulfilledCents failedCents '
            "scheduledCents balances } }",
            as_=ADMIN,
        )
    )["paymentLedger"]
    assert ledger == {
        "scheduledEverCents": 60_000,
        "fulfilledCents": 30_000,
        "failedCents": 30_000,
        "scheduledCents": 0,
        "balances": True,
    }
    for caller in (ANA, OLGA, SAM):  # only admins run payouts
        assert api.gql(payout, as_=caller)["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_bad_journal_input_is_a_coded_error_with_its_field(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    on(monkeypatch, date(2025, 7, 3))
    data(api.gql(SUBMIT, report("2025-06", "BASELINE"), as_=ANA))
    cases = [
        ({**report("2099-01")["input"]}, "month"),
        ({**report("2025-06")["input"], "savingsCents": -1}, "savingsCents"),
        ({**report("2025-06")["input"], "debtCents": 2_000_000_000}, "debtCents"),
        ({**report("2025-06")["input"], "month": "june"}, "month"),
    ]
    for variables, field in cases:
        body = api.gql(SUBMIT, {"input": variables}, as_=ANA)
        error = body["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", body
        assert field in (error["extensions"].get("field") or ""), body
    body = api.gql(SUBMIT, report("2025-06"), as_=BEN)  # ben has no baseline yet
    assert body["errors"][0]["extensions"] == {"code": "CONFLICT", "field": "kind"} | {
        k: v for k, v in body["errors"][0]["extensions"].items() if k not in ("code", "field")
    }
    other = api.gql(
        'mutation { submitReport(familyId: "ana", input: {month: "2025-06", householdSize: 2}) { id } }',
        as_=BEN,
    )
    assert other["errors"][0]["extensions"]["code"] in ("NOT_FOUND", "FORBIDDEN")


def test_researchers_get_dollar_outcomes_protected(api: Api) -> None:
    query = """{ dollarOutcomes(by: BRIDGING) { report { epsilon tables { name cells { row count
      suppressed } } } quartiles { table group median unit } } }"""
    body = data(api.gql(query, as_=("researcher", "rita")))["dollarOutcomes"]
    names = {t["name"] for t in body["report"]["tables"]}
    assert {
        "families_by_bridging",
        "income_change_12m_by_bridging",
        "debt_change_24m_by_bridging",
    } <= names
    assert body["report"]["epsilon"] == 1.0
    text = str(body)
    assert "ana" not in text and "--v1" not in text  # no ids, no report names
    for who in (ANA, OLGA, SAM):
        refused = api.gql(query, as_=who)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
