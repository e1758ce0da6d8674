"""The kept verification queue (``build_queue``) is the from-scratch one
(``queue_from_scratch``) after any sequence of writes, on both stores: reports submitted and
versioned, verified and corrected by staff, families moving in and out of the region, batches
logged in the change feed without their journal records, and writes through a second store
object on the same database (another process's writes reach this one only by the feed)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_service.auth import Principal, Role
from graph_service.demo import demo_network, load_network
from graph_service.errors import DomainError
from graph_service.services import verification as svc
from graph_service.services import verification_queue
from graph_service.settings import Settings
from graph_service.stores import base
from graph_service.stores.base import ChangeSet, GraphStore
from graph_service.stores.embedded import EmbeddedStore
from models.journal import EvidenceType, Month, MonthlyReport, ReportKind, report_id

SAM = Principal(Role.STAFF, "sam", ("oakland",))
QUARTER = "2025-Q2"
MONTHS = [Month.add("2024-03", i) for i in range(17)]  # the queue reads 2024-04 to 2025-06
FAMILIES = ("ana", "ben", "cruz", "dee", "eli", "fay", "gus", "hal")  # gus, hal: boston
VARIANTS = (
    (Settings(verification_sample_share=0.3), None),
    (Settings(verification_sample_share=0.6, anomaly_balance_multiple=2.0), 7),
)
SMALL_FEED = 3  # change sets of more records are logged without their journal records


def report(family: str, month: str, version: int, savings: int, household: int) -> MonthlyReport:
    return MonthlyReport(
        id=report_id(family, month, version),
        family_id=family,
        month=month,
        version=version,
        kind=ReportKind.MONTHLY,
        submitted_on=date(2025, 8, 1),
        household_size=household,
        earned_income_cents=200_000,
        savings_cents=savings,
    )


def journals() -> list[MonthlyReport]:
    """Fifteen months of reports of the demo's first eight families (the forest has rows)."""
    rng = np.random.default_rng(3)
    return [
        report(f, m, 1, int(rng.integers(10_000, 90_000)), 3 + int(rng.integers(0, 2)))
        for f in FAMILIES
        for m in MONTHS[1:-1]
    ]


@pytest.fixture
def second(store: GraphStore, request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """Another store object on the same database (as another process would have)."""
    if isinstance(store, EmbeddedStore):
        other: GraphStore = EmbeddedStore(store.path)
    else:
        from graph_service.stores.neo4j_store import Neo4jStore

        database = os.environ.get("NEO4J_DATABASE", "neo4j")  # as the store fixture's
        other = Neo4jStore(request.getfixturevalue("neo4j_driver"), database=database)
    other.open()
    yield other
    other.close()


def _reset(store: GraphStore) -> None:
    clear = getattr(store, "clear_all", None)
    if clear is not None:
        clear()  # keeps the data version: a test/admin operation the kept queue cannot see
        verification_queue.forget(store)
    else:
        for family_id in FAMILIES:
            store.delete_family(family_id)
    load_network(store, demo_network())
    store.write(ChangeSet(reports=journals()))


def _check(store: GraphStore) -> None:
    for config, seed in VARIANTS:
        kept = svc.build_queue(store, SAM, "oakland", QUARTER, config, seed)
        fresh = svc.queue_from_scratch(store, SAM, "oakland", QUARTER, config, seed)
        assert kept == fresh


def _apply(store: GraphStore, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "report":  # a family's report: a new month, or a new version of one
        _, f, m, savings, household = op
        family, month = FAMILIES[f], MONTHS[m]
        held = store.journal_of("reports", [family]).get(family, [])
        versions = [r.version for r in held if isinstance(r, MonthlyReport) and r.month == month]
        version = 1 + max(versions, default=0)
        store.write(ChangeSet(reports=[report(family, month, version, savings, household)]))
    elif kind == "batch":  # more records than the feed logs: it keeps the family, not them
        _, f, savings = op
        family = FAMILIES[f]
        same = store.get_families([family])[family]
        held = store.journal_of("reports", [family]).get(family, [])
        tops: dict[str, int] = {}
        for r in held:
            if isinstance(r, MonthlyReport):
                tops[r.month] = max(tops.get(r.month, 0), r.version)
        batch = [
            report(family, m, tops.get(m, 0) + 1, savings + 1_000 * i, 3)
            for i, m in enumerate(MONTHS[-SMALL_FEED - 2 :])
        ]
        store.write(ChangeSet(families=[same], reports=batch))
    elif kind in ("verify", "correct"):  # staff check an entry of the queue
        _, pick, savings = op
        queue = svc.queue_from_scratch(store, SAM, "oakland", QUARTER, VARIANTS[0][0])
        if not queue:
            return
        rid = queue[pick % len(queue)].report.id
        if kind == "verify":
            svc.verify_report(store, SAM, rid, EvidenceType.PAY_STUB)
        else:
            svc.correct_report(store, SAM, rid, EvidenceType.PAY_STUB, {"savingsCents": savings})
    elif kind == "move":  # a family joins or leaves the region
        _, f = op
        moving = store.get_families([FAMILIES[f]])[FAMILIES[f]]
        region = "boston" if moving.region_id == "oakland" else "oakland"
        store.write(ChangeSet(families=[moving.model_copy(update={"region_id": region})]))


a_family = st.integers(0, len(FAMILIES) - 1)
savings = st.integers(0, 2_000_000)
operation = st.one_of(
    st.tuples(
        st.just("report"), a_family, st.integers(0, len(MONTHS) - 1), savings, st.integers(1, 9)
    ),
    st.tuples(st.just("batch"), a_family, savings),
    st.tuples(st.sampled_from(["verify", "correct"]), st.integers(0, 50), savings),
    st.tuples(st.just("move"), a_family),
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(st.tuples(operation, st.booleans()), min_size=1, max_size=10))
def test_kept_queue_equals_from_scratch_after_writes(
    store: GraphStore,
    second: GraphStore,
    monkeypatch: pytest.MonkeyPatch,
    ops: list[tuple[tuple[Any, ...], bool]],
) -> None:
    monkeypatch.setattr(base, "FEED_MAX_RECORDS", SMALL_FEED)
    _reset(store)
    _check(store)
    for op, elsewhere in ops:
        try:
            _apply(second if elsewhere else store, op)
        except DomainError:
            continue  # a refused write (a check of a checked report) changes nothing
        _check(store)


def test_a_verification_reaches_the_kept_queue_without_a_reread(store: GraphStore) -> None:
    """A check recorded after the queue was kept is applied from the feed (the kept reports
    stay the same objects) and shows in the next queue."""
    _reset(store)
    config, seed = VARIANTS[0]
    queue = svc.build_queue(store, SAM, "oakland", QUARTER, config, seed)
    kept = verification_queue._queue_of(store, "oakland", QUARTER, config.anomaly_balance_multiple)
    families = dict(kept.families)
    svc.verify_report(store, SAM, queue[0].report.id, EvidenceType.RECEIPT)
    again = svc.build_queue(store, SAM, "oakland", QUARTER, config, seed)
    assert again[0].verification is not None and again[0].report == queue[0].report
    assert all(kept.families[f] is families[f] for f in families)  # followed, not reread
    assert again == svc.queue_from_scratch(store, SAM, "oakland", QUARTER, config, seed)
