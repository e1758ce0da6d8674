"""Unusual reports: hand-computed features and rules on small named families, and the
precision/recall of the ranking on synthetic journals with planted anomalies."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from graph_service.analytics.journal_anomalies import (
    FEATURES,
    Transition,
    features,
    precision_recall,
    rank_unusual,
    rule_flags,
)
from graph_service.services.verification import transitions
from loaders.synthetic_journal import synthetic_journals
from models import Family


def fig(
    earned: float = 2000, savings: float = 400, debt: float = 5000, household: float = 4
) -> dict[str, float]:
    return {
        "earned": earned,
        "benefits": 100,
        "savings": savings,
        "debt": debt,
        "household": household,
    }


def test_features_by_hand() -> None:
    spike = Transition("a", "2025-02", "r", fig(savings=99), fig(savings=999), fig(savings=99))
    stays = Transition("b", "2025-02", "s", fig(savings=99), fig(savings=999), fig(savings=999))
    x = features([spike, stays])
    up = math.log(1000) - math.log(100)
    col = FEATURES.index("savings_change"), FEATURES.index("savings_spike")
    assert x[0, col[0]] == pytest.approx(up)
    assert x[0, col[1]] == pytest.approx(up)  # up, then all the way back down
    assert x[1, col[1]] == 0  # it stays: a real change
    assert x[0, FEATURES.index("household_change")] == 0


def test_rules_by_hand() -> None:
    rows = [
        Transition("a", "2025-02", "typo", fig(savings=400), fig(savings=4000), fig(savings=410)),
        Transition("b", "2025-02", "real", fig(savings=400), fig(savings=4000), fig(savings=4100)),
        Transition("c", "2025-02", "small", fig(savings=10), fig(savings=400)),  # < $500 move
        Transition("d", "2025-02", "gone", fig(debt=6000), fig(debt=0), fig(debt=5900)),
        Transition("e", "2025-02", "house", fig(household=3), fig(household=7)),
        Transition("f", "2025-02", "exact", fig(earned=1000), fig(earned=3000)),  # 3x: not more
    ]
    flags = {f.report_id: f.reasons for f in rule_flags(rows, multiple=3.0)}
    assert set(flags) == {"typo", "gone", "house"}
    assert flags["typo"] == ("savings rose from $400 to $4,000, more than 3x in a month",)
    assert flags["gone"] == ("debt fell from $6,000 to $0, to less than 1/3 in a month",)
    assert flags["house"] == ("household changed by +4 people in a month",)


def test_ranking_puts_rule_flags_first_and_explains_forest_flags() -> None:
    rng = np.random.default_rng(3)
    rows = [
        Transition(
            f"f{i}",
            "2025-02",
            f"r{i}",
            fig(earned=2000 + rng.normal(0, 50)),
            fig(earned=2000 + rng.normal(0, 50)),
        )
        for i in range(60)
    ]
    rows.append(Transition("odd", "2025-02", "benefits", fig(), {**fig(), "benefits": 2000.0}))
    rows.append(Transition("typo", "2025-02", "typo", fig(savings=400), fig(savings=4000)))
    ranked = rank_unusual(rows, multiple=3.0, seed=0)
    assert ranked[0].report_id == "typo" and ranked[0].by_rule
    assert ranked[1].report_id == "benefits" and not ranked[1].by_rule
    assert any("benefits change" in reason for reason in ranked[1].reasons)


def test_precision_recall_against_rules_only_and_random() -> None:
    rng = np.random.default_rng(1)
    families = [
        Family(
            id=f"f{i}",
            name="F",
            region_id="r",
            household_size=int(rng.integers(1, 8)),
            income_band=int(rng.integers(1, 6)),
            joined_at=date(2020, 1, 1),
        )
        for i in range(400)
    ]
    journals = synthetic_journals(families, end=date(2026, 6, 30), seed=5)
    rows = transitions(journals.reports)
    planted = journals.planted & {t.report_id for t in rows}
    k = len(planted)
    assert k > 50
    combined = precision_recall([f.report_id for f in rank_unusual(rows, 3.0, 0)[:k]], planted)
    rules = sorted(rule_flags(rows, 3.0), key=lambda f: -f.score)
    rules_only = precision_recall([f.report_id for f in rules[:k]], planted)
    random = precision_recall(
        list(np.random.default_rng(0).choice([t.report_id for t in rows], size=k, replace=False)),
        planted,
    )
    assert combined[0] >= rules_only[0] - 0.02  # at least as good as the rules alone, about
    assert combined[0] > 0.6 and random[0] < 0.1
