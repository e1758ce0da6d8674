"""Ingest benchmark: import the synthetic network into each store, batched, against a naive
baseline (the same importer with one transaction per row) measured in the same process.

The baseline runs first, on a slice (the first ``SLICE_FAMILIES`` families and the records
among them) into the fresh store, and its rate is extrapolated to the whole data set; then the
whole data set is imported with the default batch size (the slice's records are found
unchanged and skipped). Each import validates the whole input first; the validate pass and the
write pass are timed apart (``validate_seconds``, ``write_seconds``), and the CPU time of the
process is reported next to the wall time (on a shared machine it varies less).

On Neo4j the same run also measures, side by side on the same CSV files (issue 19), each on an
engine of its own started here: ``LOAD CSV`` with ``CALL { ... } IN TRANSACTIONS OF 10000
ROWS`` and the MERGEs of the import (``queries/bench_loadcsv_*.cypher``, no validation), the
baseline the normal import is held to (timed after it has loaded the same slice, so that it
too writes into a warm engine holding those records); and ``load --bulk`` (validation,
``neo4j-admin``, the engine's restart, constraints and indexes, counts checked:
:mod:`loaders.neo4j_bulk`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from graph_service.bench import BenchContext, Measurement, bench_case, peak_rss_mib
from graph_service.kinds import KINDS
from graph_service.neo4j_engine import start_engine
from loaders.formats import SPEC_BY_TYPE, Format, RecordWriter
from loaders.importer import ImportReport, count_rows, import_folder
from loaders.synthetic import SyntheticNetwork
from models import DomainModel

if TYPE_CHECKING:
    import neo4j

SLICE_FAMILIES = 150
LOAD_CSV_BATCH = 10_000


def write_slice(network: SyntheticNetwork, folder: Path, families: int) -> int:
    """Write the first ``families`` families and everything among them; returns rows."""
    c = network.columns
    limit = min(families, len(network.families))
    inside = np.zeros(len(c.parent), dtype=np.bool_)
    inside[:limit] = True
    member_ok = inside[c.member_family]
    cohort_ok = np.ones(len(network.cohorts), dtype=np.bool_)
    np.logical_and.at(cohort_ok, c.member_cohort, member_ok)
    with RecordWriter(folder, Format.CSV) as writer:
        for record in [*network.regions, *network.goals, *network.families[:limit]]:
            writer.write(record)
        for index in np.flatnonzero(cohort_ok):
            writer.write(network.cohorts[int(index)])
        picks: list[tuple[Sequence[DomainModel], npt.NDArray[np.intp]]] = [
            (network.memberships, np.flatnonzero(member_ok & cohort_ok[c.member_cohort])),
            (network.pursuits, np.flatnonzero(inside[c.pursuit_family])),
            (network.helps, np.flatnonzero(inside[c.help_from] & inside[c.help_to])),
            (network.referrals, np.flatnonzero(inside[c.parent[c.referred]] & inside[c.referred])),
        ]
        for records, indices in picks:
            for index in indices:
                writer.write(records[int(index)])
    return sum(writer.counts.values())


@bench_case("ingest", help="rows/s importing the synthetic network, batched vs row by row")
def ingest(ctx: BenchContext) -> list[Measurement]:
    """Rows per second of a batched import vs one transaction per row."""
    folder = ctx.data_folder(Format.CSV)
    total = count_rows(folder)
    results = []
    for name, opener in ctx.stores.items():
        with tempfile.TemporaryDirectory(prefix="bench-slice-") as scratch, opener() as store:
            slice_folder = Path(scratch)
            write_slice(ctx.network(), slice_folder, SLICE_FAMILIES)
            naive = import_folder(store, slice_folder, batch_size=1, progress=False)
            ctx.console.log(
                f"{name}: naive {naive.total_rows:,} rows in {naive.seconds:.1f}s; importing "
                f"{total:,} rows batched"
            )
            cpu = time.process_time()
            batched = import_folder(store, folder)
            cpu = time.process_time() - cpu
            counts = store.counts()
            ctx.console.log(
                f"{name}: {batched.seconds:.1f}s = validating {batched.validate_seconds:.1f}s "
                f"+ writing {batched.write_seconds:.1f}s ({cpu:.1f}s of CPU)"
            )
        if name == "neo4j":
            results.extend(_neo4j_paths(ctx, folder, batched, counts))
        results.append(
            Measurement(
                case="ingest",
                subject=name,
                metric="rows/s",
                value=batched.rows_per_second,
                baseline=naive.rows_per_second,
                baseline_label="1 row per transaction",
                extra={
                    "rows": float(batched.total_rows),
                    "rows_unchanged": float(batched.total_unchanged),
                    "seconds": batched.seconds,
                    "validate_seconds": batched.validate_seconds,
                    "write_seconds": batched.write_seconds,
                    "cpu_seconds": cpu,  # less sensitive than wall time to a shared machine
                    "naive_seconds_extrapolated": total / naive.rows_per_second
                    if naive.rows_per_second
                    else float("nan"),
                    "families_stored": float(counts.get("Family", 0)),
                    "peak_rss_mib": peak_rss_mib(),
                },
            )
        )
    return results


def load_csv(uri: str, folder: Path, *, warm_up: Path | None = None) -> float:
    """Seconds to load ``folder`` with ``LOAD CSV`` into the project's engine at ``uri``
    (constraints and indexes created first, not timed). ``warm_up``: a folder loaded the same
    way first, not timed (the engine then runs warm and holds those records, as the import's
    engine does after the naive slice). The engine sets no import directory, so a ``file:``
    URL names a file of this machine by its absolute path."""
    import neo4j

    from graph_service.stores.neo4j_store import Neo4jStore

    with neo4j.GraphDatabase.driver(uri, auth=("neo4j", "unused")) as driver:
        Neo4jStore(driver).open()
        if warm_up is not None:
            _load_csv_files(driver, warm_up)
        began = time.perf_counter()
        _load_csv_files(driver, folder)
        return time.perf_counter() - began


def _load_csv_files(driver: neo4j.Driver, folder: Path) -> None:
    """``LOAD CSV`` of every import file of ``folder``, in write order (nodes first)."""
    from queries import cypher

    with driver.session() as session:
        for kind in KINDS:
            spec = SPEC_BY_TYPE.get(kind.name)  # kinds without an import file: none
            path = folder / spec.file if spec is not None else None
            if path is not None and path.exists():
                statement = cypher(f"bench_loadcsv_{kind.part}")
                url = path.resolve().as_uri()
                session.run(statement, url=url, batch=LOAD_CSV_BATCH).consume()


def _neo4j_paths(
    ctx: BenchContext, folder: Path, batched: ImportReport, counts: dict[str, int]
) -> list[Measurement]:
    from graph_service.stores.neo4j_store import Neo4jStore
    from loaders.neo4j_bulk import bulk_load

    rows = float(batched.total_rows + batched.total_unchanged)
    with tempfile.TemporaryDirectory(prefix="bench-loadcsv-") as home:
        engine = start_engine(home=Path(home))
        try:
            # As the import, into an engine that has loaded the slice (warm, holding it).
            slice_folder = Path(home) / "slice"
            write_slice(ctx.network(), slice_folder, SLICE_FAMILIES)
            csv_s = load_csv(engine.uri, folder, warm_up=slice_folder)
            import neo4j

            with neo4j.GraphDatabase.driver(engine.uri, auth=("neo4j", "unused")) as driver:
                csv_counts = Neo4jStore(driver).counts()
        finally:
            engine.stop()
    ctx.console.log(f"neo4j: LOAD CSV in {csv_s:.1f}s, counts equal: {csv_counts == counts}")
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as home:
        engine = start_engine(home=Path(home))
        try:
            engine, bulk = bulk_load(engine, folder)
        finally:
            engine.stop()
    ctx.console.log(
        f"neo4j: --bulk in {bulk.seconds:.1f}s = validating and writing files "
        f"{bulk.validate_seconds:.1f}s + neo4j-admin with stop/start {bulk.import_seconds:.1f}s "
        f"+ schema and counts {bulk.schema_seconds:.1f}s"
    )
    normal_rate = batched.rows_per_second
    csv_rate = rows / csv_s
    return [
        Measurement(
            "ingest",
            "neo4j load vs LOAD CSV",
            "rows/s",
            normal_rate,
            baseline=csv_rate,
            baseline_label=f"LOAD CSV, IN TRANSACTIONS OF {LOAD_CSV_BATCH} ROWS",
            extra={
                "seconds": batched.seconds,
                "validate_seconds": batched.validate_seconds,
                "write_seconds": batched.write_seconds,
                "load_csv_seconds": csv_s,
                "load_csv_counts_equal": float(csv_counts == counts),
            },
        ),
        Measurement(
            "ingest",
            "neo4j load --bulk",
            "rows/s",
            bulk.rows / bulk.seconds,
            baseline=normal_rate,
            baseline_label="graph-service load",
            extra={
                "seconds": bulk.seconds,
                "validate_and_files_seconds": bulk.validate_seconds,
                "admin_import_and_restart_seconds": bulk.import_seconds,
                "schema_and_counts_seconds": bulk.schema_seconds,
                "store_mib": bulk.store_mib,
                "import_files_mib": bulk.files_mib,
                "vs_load_csv": (bulk.rows / bulk.seconds) / csv_rate,
                "counts_equal": float(bulk.counts == counts),
            },
        ),
    ]
