"""Property: no researcher answer or export, on any generated network, holds a cell with a
count from 1 to the threshold or a suppressed cell that its published cells determine."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_service.analytics.disclosure import assert_safe, recoverable_cells
from graph_service.auth import Principal, Role
from graph_service.readmodel import graph_of_store
from graph_service.services import research
from graph_service.settings import Settings
from graph_service.stores.embedded import EmbeddedStore
from loaders.synthetic import generate

RESEARCHER = Principal(Role.RESEARCHER, "rita")


def _store(families: int, seed: int, folder: Path) -> EmbeddedStore:
    from graph_service.stores.base import ChangeSet

    net = generate(families, seed)
    store = EmbeddedStore(folder / "g.sqlite")
    store.open()
    store.write(ChangeSet.of(net))
    return store


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    families=st.integers(min_value=15, max_value=400),
    seed=st.integers(min_value=0, max_value=10_000),
    threshold=st.sampled_from([5, 10, 20]),
    region_pick=st.integers(min_value=0, max_value=8),
)
def test_every_report_and_export_is_safe(
    families: int, seed: int, threshold: int, region_pick: int
) -> None:
    cfg = Settings(
        small_cell_threshold=threshold, privacy_test_seed=seed, privacy_epsilon_per_quarter=100
    )
    with tempfile.TemporaryDirectory() as scratch:
        store = _store(families, seed, Path(scratch))
        regions = sorted(graph_of_store(store).graph["regions"])
        region = regions[region_pick] if region_pick < len(regions) else None
        for report in research.REPORTS:
            tables = research.report_release(store, cfg, RESEARCHER, report, region=region).tables
            for table in tables:
                assert_safe(table, threshold)
                assert recoverable_cells(table) == []
            out = Path(scratch) / report
            for path in research.export(store, cfg, RESEARCHER, report, out, "csv", region=region):
                with path.open(encoding="utf-8") as handle:
                    for row in csv.DictReader(handle):
                        if row["count"]:
                            assert not 1 <= int(row["count"]) <= threshold, (path.name, row)
                        assert "f0" not in row["row"] and "f0" not in row["column"]  # no family ids
        store.close()
