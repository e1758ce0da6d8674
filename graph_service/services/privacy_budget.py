"""The one place where research answers are released: noise, suppression and the budget.

:func:`release` is called by every researcher report (network summary, outcomes, ripple,
region links, exports and the HTML report). It

1. looks up the same release (same researcher, report, parameters and data version) in the
   ledger and returns the stored answer if there is one: repeats are free and identical;
2. otherwise takes the exact tables (computed on the bounded graph, cached per data version),
   adds calibrated noise (:func:`graph_service.analytics.privacy.privatize`), applies the
   small-cell rule to the noisy counts and gates the structural measures;
3. records the release and its epsilon in the ledger in the same step that checks the
   researcher's budget for the current calendar quarter, refusing with
   ``PRIVACY_BUDGET_EXHAUSTED`` when it would be exceeded.

Noise is drawn once per release and stored with it; it is never drawn again for a repeat
(that would let a researcher average it away) and never cached across researchers (each
researcher's answers are independent draws, accounted to them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from graph_service.analytics.contribution import Bounds
from graph_service.analytics.disclosure import Table
from graph_service.analytics.disclosure_export import table_from_dict, table_to_dict
from graph_service.analytics.network_summary import STRUCTURAL
from graph_service.analytics.privacy import (
    NoiseSource,
    OpenDPNoise,
    SeededNoise,
    privatize,
    sensitivity,
    structural,
)
from graph_service.auth import Principal, Role
from graph_service.errors import ConfigurationError
from graph_service.services.access import require_role
from graph_service.settings import Mode, Settings
from graph_service.stores.base import GraphStore
from graph_service.stores.privacy_ledger import BudgetExceeded, PrivacyLedger, Spend
from models.errors import DomainError

Period = tuple[date | None, date | None]


class PrivacyBudgetExhausted(DomainError):
    """The researcher's privacy-loss budget for this quarter does not cover the release."""

    code = "PRIVACY_BUDGET_EXHAUSTED"


@dataclass(frozen=True)
class Release:
    """A released answer: noisy, suppressed tables and what they cost."""

    report: str
    region: str | None
    period: Period
    data_version: int
    computed_at: datetime
    epsilon: float
    budget_period: str
    spent: float
    budget: float
    tables: list[Table]


def bounds_of(settings: Settings) -> Bounds:
    return Bounds(
        max_exchanges=settings.privacy_max_exchanges,
        max_cohort_mates=settings.cohort_full_size - 1,
        max_goals=settings.privacy_max_goals,
        max_hours=settings.privacy_max_hours,
        max_dollars=settings.privacy_max_dollars,
    )


def budget_period(now: datetime) -> str:
    """The calendar quarter a release is accounted to.

    >>> budget_period(datetime(2026, 5, 2, tzinfo=UTC))
    '2026Q2'
    """
    return f"{now.year}Q{(now.month - 1) // 3 + 1}"


def noise_source(settings: Settings, release_key: str) -> NoiseSource:
    """OpenDP's fresh randomness; a seeded source only when a test seed is configured
    (refused in production). A test seed still differs per release, derived from the key,
    or two releases would carry the same noise and their difference would cancel it."""
    if settings.privacy_test_seed is None:
        return OpenDPNoise()
    if settings.mode is Mode.PRODUCTION:
        raise ConfigurationError(
            "GS_PRIVACY_TEST_SEED is for tests only: production noise must be fresh",
            field="privacyTestSeed",
        )
    digest = hashlib.sha256(f"{settings.privacy_test_seed}\x1f{release_key}".encode()).digest()
    return SeededNoise(int.from_bytes(digest[:8], "big"))


def ledger_of(store: GraphStore) -> PrivacyLedger:
    make: Callable[[], PrivacyLedger] | None = getattr(store, "privacy_ledger", None)
    if make is None:
        raise ConfigurationError(f"the {store.name} store keeps no privacy ledger")
    return make()


def _subject(principal: Principal) -> str:
    return f"{principal.role}:{principal.subject}"


def _encode(release: Release) -> str:
    return json.dumps(
        {
            "report": release.report,
            "region": release.region,
            "period": [d.isoformat() if d else None for d in release.period],
            "dataVersion": release.data_version,
            "computedAt": release.computed_at.isoformat(),
            "epsilon": release.epsilon,
            "budgetPeriod": release.budget_period,
            "tables": [table_to_dict(t) for t in release.tables],
        },
        separators=(",", ":"),
    )


def _decode(payload: str, spent: float, budget: float) -> Release:
    data: dict[str, Any] = json.loads(payload)
    start, end = (date.fromisoformat(d) if d else None for d in data["period"])
    return Release(
        report=data["report"],
        region=data["region"],
        period=(start, end),
        data_version=int(data["dataVersion"]),
        computed_at=datetime.fromisoformat(data["computedAt"]),
        epsilon=float(data["epsilon"]),
        budget_period=data["budgetPeriod"],
        spent=spent,
        budget=budget,
        tables=[table_from_dict(t) for t in data["tables"]],
    )


def protect(
    exact: Sequence[Table], settings: Settings, epsilon: float, noise: NoiseSource
) -> list[Table]:
    """Noisy counts, small cells suppressed, structural measures gated (see module doc)."""
    threshold = settings.small_cell_threshold
    counted = [t for t in exact if t.name not in STRUCTURAL]
    noisy = privatize(
        counted, sensitivity(bounds_of(settings)), epsilon, noise, threshold=threshold
    )
    population = _population(noisy)
    gated = [structural(t, population, threshold) for t in exact if t.name in STRUCTURAL]
    return noisy + gated


def _population(noisy: Sequence[Table]) -> int | None:
    """The noisy number of families a report covers (its first families figure)."""
    for table in noisy:
        if table.name == "network_figures" or table.name == "ripple_figures":
            return table.cell("families", table.column_keys[0]).count
        if table.name.startswith("families_by_") and table.total is not None:
            return table.total.count
    return None


def release(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    report: str,
    parameters: dict[str, Any],
    compute: Callable[[], tuple[str | None, Period, list[Table]]],
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    roles: tuple[Role, ...] = (Role.RESEARCHER, Role.ADMIN),
) -> Release:
    """Release one report to ``principal`` (researcher or admin; ``roles`` for reports
    others receive under the same protection, e.g. organizers' cliff counts), within the
    budget."""
    require_role(principal, *roles)
    assert principal is not None  # require_role refused None
    version = store.data_version()
    key = json.dumps({"report": report, **parameters, "dataVersion": version}, sort_keys=True)
    ledger = ledger_of(store)
    subject = _subject(principal)
    budget = settings.privacy_epsilon_per_quarter
    at = now()
    period_key = budget_period(at)
    earlier = ledger.find(subject, key)
    if earlier is not None:
        return _decode(earlier, ledger.spent(subject, period_key), budget)
    epsilon = settings.privacy_epsilon_per_report
    if epsilon > budget:
        raise ConfigurationError("GS_PRIVACY_EPSILON_PER_REPORT exceeds the quarterly budget")
    region, period, exact = compute()
    tables = protect(exact, settings, epsilon, noise_source(settings, f"{subject}\x1f{key}"))
    answer = Release(report, region, period, version, at, epsilon, period_key, 0.0, budget, tables)
    try:
        payload, spent = ledger.record(
            Spend(subject, period_key, key, epsilon, budget, at.isoformat(), _encode(answer))
        )
    except BudgetExceeded as error:
        raise PrivacyBudgetExhausted(
            f"this release costs epsilon {epsilon:g}; {error.spent:g} of the quarter's "
            f"budget of {error.limit:g} is spent (a new budget starts with the next quarter; "
            "repeating an earlier question is free)"
        ) from None
    return _decode(payload, spent, budget)
