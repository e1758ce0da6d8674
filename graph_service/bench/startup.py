"""Start-up benchmark (issue 19): the read model's first build from the store, what a first
start of the API without a snapshot does before it can answer a match, against the time the
same data takes to be written.

On Neo4j the data is written with ``LOAD CSV`` (:func:`graph_service.bench.ingest.load_csv`,
an engine of its own started here): the baseline. Then a read model is built from that
database exactly as the API's first start does (:meth:`ReadModel.rebuild`: the projection
read from the store, the match index, the view and the feed's catch-up, the garbage
collector settled) and one match is answered. On the embedded store the baseline is the
normal import (``graph-service load``) of the same files into a fresh store.

The build is broken into its parts (``read_s``: the store's scan and decoding, ``apply_s``:
the projection's columns, ``index_s``, ``publish_s``, ``settle_s``, ``first_match_s``); the
ratio is the build's seconds over the write's (lower is better).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from graph_service.bench import BenchContext, Measurement, bench_case, peak_rss_mib
from graph_service.bench.ingest import load_csv
from graph_service.neo4j_engine import start_engine
from graph_service.readmodel.live import ReadModel
from graph_service.stores.base import GraphStore
from loaders.formats import Format
from loaders.importer import count_rows, import_folder


def _first_build(store: GraphStore) -> dict[str, float]:
    """Seconds of a read model's first build from ``store`` (no snapshot) and of its first
    match, with the parts of the build."""
    model = ReadModel(store)
    began = time.perf_counter()
    model.start(follow=False, background=False)
    view = model.view(wait_s=0)
    built = time.perf_counter()
    index = view.index
    asker = next(
        family_id
        for row, family_id in enumerate(index.family_ids)
        if family_id and bool(index.matchable[row])
    )
    index.matches(asker)
    done = time.perf_counter()
    model.stop()
    return {
        "seconds": done - began,
        **model.stats.build_parts,
        "build_s": built - began,
        "first_match_s": done - built,
        "families": float(view.families),
    }


def _measurement(
    subject: str, rows: int, load_s: float, label: str, build: dict[str, float]
) -> Measurement:
    seconds = build["seconds"]
    return Measurement(
        "startup",
        subject,
        "seconds to first match",
        seconds,
        baseline=load_s,
        baseline_label=label,
        higher_is_better=False,
        extra={
            **{k: v for k, v in build.items() if k != "seconds"},
            "rows": float(rows),
            "rows_per_s": rows / seconds if seconds else float("nan"),
            "load_rows_per_s": rows / load_s if load_s else float("nan"),
            "peak_rss_mib": peak_rss_mib(),
        },
    )


@bench_case("startup", help="read model's first build from the store vs writing the same data")
def startup(ctx: BenchContext) -> list[Measurement]:
    """Seconds from an empty read model to its first match, against LOAD CSV (Neo4j) or the
    import (embedded) of the same files."""
    folder = ctx.data_folder(Format.CSV)
    rows = count_rows(folder)
    results = []
    for name, opener in ctx.stores.items():
        if name == "neo4j":
            import neo4j

            from graph_service.stores.neo4j_store import Neo4jStore

            with tempfile.TemporaryDirectory(prefix="bench-startup-") as home:
                engine = start_engine(home=Path(home))
                try:
                    load_s = load_csv(engine.uri, folder)
                    driver = neo4j.GraphDatabase.driver(engine.uri, auth=("neo4j", "unused"))
                    store = Neo4jStore(driver, uri=engine.uri, owns_driver=True)
                    store.open()
                    try:
                        build = _first_build(store)
                    finally:
                        store.close()
                finally:
                    engine.stop()
            label = "LOAD CSV"
        else:
            with opener() as local:
                load_s = import_folder(local, folder, progress=False).seconds
                build = _first_build(local)
            label = "graph-service load"
        ctx.console.log(
            f"{name}: {label} {load_s:.1f}s; first build {build['build_s']:.1f}s = "
            + " + ".join(f"{k} {v:.1f}" for k, v in build.items() if k.endswith("_s"))
        )
        results.append(_measurement(name, rows, load_s, label, build))
    return results
