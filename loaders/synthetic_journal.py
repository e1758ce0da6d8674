"""Synthetic journals: a baseline and 24 monthly reports per family, consistent with the
program's reported outcomes (docs/program.md), from a seed.

Per family (household ``h``, income band ``b``; all money in integer cents):

- **income**: a baseline annual earned income of ``$24,800 * sqrt(h / 4) * (0.8 + 0.1 (b-1))``
  times a log-normal factor (sigma 0.2), plus benefits of about $170 a month that shrink as
  earnings grow; earnings grow over the two years by a family-specific factor drawn around
  +26% (normal, sd 12 points), reached linearly in log terms, with month-to-month noise of
  5%. A family of four's median income (earned + benefits) goes from about $26,000 to about
  $31,800 a year (+22%), as the program reported;
- **savings** start log-normal around $400 and grow by about 3% of the month's income (noisy,
  with occasional withdrawals); **debt** starts log-normal around $6,000 and is paid down by
  about 1.5% a month;
- each month is **missed** with probability 8%; a report is submitted after its month ends,
  on time (by the 10th of the next month) 90% of the time, late otherwise;
- **planted inconsistent reports** (``planted_share``, default 1.5% of monthly reports): a
  savings balance with an extra zero, an income ten times the usual, a debt that vanishes
  for a month, or a household that grows by four.

Same seed, same families, same ``end``: the same journals.

>>> from datetime import date
>>> from models import Family
>>> fam = Family(id="f1", name="F", region_id="r", household_size=4, income_band=2,
...              joined_at=date(2020, 1, 1))
>>> a = synthetic_journals([fam], end=date(2026, 1, 31), seed=7)
>>> b = synthetic_journals([fam], end=date(2026, 1, 31), seed=7)
>>> a.reports == b.reports, a.reports[0].kind.value, a.reports[0].month
(True, 'baseline', '2024-01')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from models import Family
from models.journal import (
    MAX_BALANCE_CENTS,
    MAX_MONTHLY_CENTS,
    Month,
    MonthlyReport,
    ReportKind,
    report_id,
)

MONTHS = 24
EARNED_GROWTH_MEAN = 0.26
EARNED_GROWTH_SD = 0.12
MISSED = 0.08
LATE = 0.10


@dataclass
class SyntheticJournals:
    reports: list[MonthlyReport] = field(default_factory=list)
    planted: set[str] = field(default_factory=set)  # ids of planted inconsistent reports
    first_month: str = ""  # the baselines' month


def _cents(dollars: float, bound: int) -> int:
    return int(min(max(round(dollars * 100), 0), bound))


def synthetic_journals(
    families: Sequence[Family],
    *,
    end: date,
    seed: int,
    months: int = MONTHS,
    planted_share: float = 0.015,
) -> SyntheticJournals:
    """Baselines (``months`` months before ``end``'s month) and ``months`` monthly reports
    per family; reports whose submission date would fall after ``end`` are not written."""
    rng = np.random.default_rng(seed)
    last_month = Month.of(end)
    base_month = Month.add(last_month, -months)
    out = SyntheticJournals(first_month=base_month)
    for family in families:
        h = family.household_size
        band = family.income_band
        earned0 = 24_800 / 12 * math.sqrt(h / 4) * (0.8 + 0.1 * (band - 1))
        earned0 *= float(rng.lognormal(0, 0.2))
        benefits0 = max(0.0, float(rng.normal(170, 60))) * (1.3 - 0.15 * band)
        growth = float(rng.normal(EARNED_GROWTH_MEAN, EARNED_GROWTH_SD))
        savings = float(rng.lognormal(math.log(400), 0.8))
        debt = float(rng.lognormal(math.log(6_000), 0.9)) if rng.random() < 0.8 else 0.0
        for t in range(months + 1):
            month = Month.add(base_month, t)
            level = math.exp(math.log1p(max(growth, -0.5)) * t / months)
            earned = earned0 * level * float(rng.normal(1, 0.05))
            benefits = max(0.0, benefits0 * (1 - 0.3 * (level - 1)) * float(rng.normal(1, 0.05)))
            if t > 0:
                saved = 0.03 * (earned + benefits) * float(rng.normal(1, 0.5))
                if rng.random() < 0.1:
                    saved -= savings * float(rng.uniform(0.1, 0.4))  # a withdrawal
                savings = max(0.0, savings + saved)
                debt = max(0.0, debt * (1 - 0.015 * float(rng.normal(1, 0.5))))
            if t > 0 and rng.random() < MISSED:
                continue
            late = rng.random() < LATE
            offset = int(rng.integers(12, 40)) if late else int(rng.integers(1, 10))
            submitted = Month.first_day(Month.add(month, 1)) + timedelta(days=offset - 1)
            if submitted > end:
                continue
            figures = {
                "earned": earned,
                "benefits": benefits,
                "savings": savings,
                "debt": debt,
                "household": float(h),
            }
            planted = t > 1 and rng.random() < planted_share
            if planted:
                _plant(figures, int(rng.integers(0, 4)))
            report = MonthlyReport(
                id=report_id(family.id, month, 1),
                family_id=family.id,
                month=month,
                kind=ReportKind.BASELINE if t == 0 else ReportKind.MONTHLY,
                submitted_on=submitted,
                household_size=int(min(figures["household"], 20)),
                earned_income_cents=_cents(figures["earned"], MAX_MONTHLY_CENTS),
                benefits_cents=_cents(figures["benefits"], MAX_MONTHLY_CENTS),
                savings_cents=_cents(figures["savings"], MAX_BALANCE_CENTS),
                debt_cents=_cents(figures["debt"], MAX_BALANCE_CENTS),
                health_covered=h if rng.random() < 0.8 else max(0, h - 1),
                health_visits=int(rng.poisson(0.4)),
                courses=int(rng.random() < 0.05),
                community_roles=int(rng.random() < 0.1),
                rent_on_time=bool(rng.random() < 0.9),
            )
            out.reports.append(report)
            if planted:
                out.planted.add(report.id)
    return out


def _plant(figures: dict[str, float], how: int) -> None:
    """An inconsistent report: a typo'd balance, an income spike, a vanished debt or a
    household jump (the month after stays consistent with the truth)."""
    if how == 0:
        figures["savings"] = max(figures["savings"], 150.0) * 10
    elif how == 1:
        figures["earned"] *= 10
    elif how == 2 and figures["debt"] > 600:
        figures["debt"] = 0.0
    else:
        figures["household"] += 4
