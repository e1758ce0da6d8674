"""Outcomes in dollars: changes by hand on named families, quartiles from bins, the synthetic
headline near the program's +22%, and the release through the disclosure protection."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from graph_service.analytics.dollar_outcomes import (
    EDGES,
    dollar_tables,
    family_changes,
    quantiles_from_bins,
)
from loaders.synthetic_journal import synthetic_journals
from models import Family
from models.journal import MonthlyReport, ReportKind, report_id


def rep(
    family: str, month: str, income: int, savings: int = 0, *, base: bool = False, v: int = 1
) -> MonthlyReport:
    return MonthlyReport(
        id=report_id(family, month, v),
        family_id=family,
        month=month,
        version=v,
        kind=ReportKind.BASELINE if base else ReportKind.MONTHLY,
        submitted_on=date(2026, 1, 1),
        household_size=4,
        earned_income_cents=income,
        savings_cents=savings,
    )


def test_changes_by_hand() -> None:
    reports = [
        rep("a", "2024-01", 200_000, 10_000, base=True),
        rep("a", "2025-01", 220_000, 60_000),  # +10%, +$500 at 12 months
        rep("a", "2025-01", 240_000, 60_000, v=2),  # the correction counts: +20%
        rep("a", "2025-12", 250_000, 90_000),  # 2026-01 missed: the month before counts
        rep("b", "2024-01", 0, base=True),  # no baseline income: no income change
        rep("b", "2025-01", 100_000, 5_000),
        rep("c", "2024-01", 100_000, base=True),  # nothing 12 months later
    ]
    at12 = family_changes(reports, 12)
    assert at12["a"].income_pct == pytest.approx(20.0)
    assert at12["a"].savings == pytest.approx(500.0)
    assert at12["b"].income_pct is None and at12["b"].savings == 50.0
    assert "c" not in at12
    assert family_changes(reports, 24)["a"].income_pct == pytest.approx(25.0)
    [income12] = [
        t
        for t in dollar_tables(reports, {"g": ["a", "b", "c"]}, "bridging")
        if t.name == "income_change_12m_by_bridging"
    ]
    assert [c.count for c in income12.cells[0]] == [0, 0, 0, 0, 0, 1, 0, 0]  # 20% in [20, 30)


def test_quantiles_from_bins_by_hand() -> None:
    assert quantiles_from_bins([0, 4, 0, 0], (0.0, 10.0, 20.0)) == (2.5, 5.0, 7.5)
    assert quantiles_from_bins([1, None, 1, 1], (0.0, 1.0, 2.0)) is None
    assert quantiles_from_bins([0, 0, 0], (0.0, 1.0)) is None


def test_headline_income_change_near_the_programs_plus_22_percent() -> None:
    rng = np.random.default_rng(2)
    families = [
        Family(
            id=f"f{i}",
            name="F",
            region_id="r",
            household_size=int(rng.integers(1, 8)),
            income_band=int(rng.integers(1, 6)),
            joined_at=date(2020, 1, 1),
        )
        for i in range(1500)
    ]
    journals = synthetic_journals(families, end=date(2026, 3, 31), seed=42)
    changes = family_changes(journals.reports, 24)
    exact = float(np.median([c.income_pct for c in changes.values() if c.income_pct is not None]))
    assert 19.0 < exact < 25.0
    [table] = [
        t
        for t in dollar_tables(journals.reports, {"all": [f.id for f in families]}, "x")
        if t.name == "income_change_24m_by_x"
    ]
    binned = quantiles_from_bins([c.count for c in table.cells[0]], EDGES["income"])
    assert binned is not None and abs(binned[1] - exact) < 2.5
    at12 = family_changes(journals.reports, 12)
    mid = float(np.median([c.income_pct for c in at12.values() if c.income_pct is not None]))
    assert 5.0 < mid < exact  # half-way there after a year
    savings = float(np.median([c.savings for c in changes.values()]))
    assert savings > 0  # savings grow
