"""Ingest benchmark: import the synthetic network into each store, batched, against a naive
baseline (the same importer with one transaction per row) measured in the same process.

The baseline runs first, on a slice (the first ``SLICE_FAMILIES`` families and the records
among them) into the fresh store, and its rate is extrapolated to the whole data set; then the
whole data set is imported with the default batch size (the slice's records are found
unchanged and skipped). Each import validates the whole input first; the validate pass and the
write pass are timed apart (``validate_seconds``, ``write_seconds``), and the CPU time of the
process is reported next to the wall time (on a shared machine it varies less).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from graph_service.bench import BenchContext, Measurement, bench_case, peak_rss_mib
from loaders.formats import Format, RecordWriter
from loaders.importer import count_rows, import_folder
from loaders.synthetic import SyntheticNetwork
from models import DomainModel

SLICE_FAMILIES = 150


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
