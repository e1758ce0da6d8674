"""Does ``neo4j-rust-ext`` help? The same bulk read (``subgraph()`` of the whole synthetic
network) and the same batched import, in two fresh processes against one Neo4j: with the
driver's Rust extension, and with it blocked (pure-Python packstream) as the baseline."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from graph_service.bench import BenchContext, Measurement, bench_case
from loaders.formats import Format

# Runs in a child process: argv = uri, folder, "rust" | "python".
CHILD = """
import json, sys, time
from pathlib import Path
if sys.argv[3] == "python":
    sys.modules["neo4j._rust"] = None  # the driver falls back to pure-Python packstream
import neo4j
from graph_service.readmodel import graph_of_store
from graph_service.stores.neo4j_store import Neo4jStore
from loaders.importer import import_folder
driver = neo4j.GraphDatabase.driver(sys.argv[1], auth=("neo4j", "unused"))
store = Neo4jStore(driver)
store.open()
store.clear_all()
began = time.perf_counter()
report = import_folder(store, Path(sys.argv[2]), progress=False)
write_s = time.perf_counter() - began
began = time.perf_counter()
graph = graph_of_store(store)
read_s = time.perf_counter() - began
print(json.dumps({"rows": report.total_rows, "write_s": write_s, "read_s": read_s,
                  "edges": graph.number_of_edges()}))
driver.close()
"""


def _run(uri: str, folder: Path, mode: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, uri, str(folder), mode],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"driver benchmark ({mode}) failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _best(results: list[dict[str, float]]) -> dict[str, float]:
    return {
        "rows": results[0]["rows"],
        "edges": results[0]["edges"],
        "write_s": min(r["write_s"] for r in results),
        "read_s": min(r["read_s"] for r in results),
    }


@bench_case("neo4j-driver", help="Neo4j import and bulk read with vs without neo4j-rust-ext")
def neo4j_driver(ctx: BenchContext) -> list[Measurement]:
    if "neo4j" not in ctx.stores:
        return []
    folder = ctx.data_folder(Format.CSV)
    with tempfile.TemporaryDirectory(), ctx.stores["neo4j"]() as store:
        uri = getattr(store, "uri", None)
        if not uri:
            return []
        # Alternate (rust, python, python, rust) and keep each mode's best run, so neither
        # mode pays alone for a cold server (JIT, page cache).
        runs = [(mode, _run(uri, folder, mode)) for mode in ("rust", "python", "python", "rust")]
        rust = _best([r for mode, r in runs if mode == "rust"])
        python = _best([r for mode, r in runs if mode == "python"])
    return [
        Measurement(
            "neo4j-driver",
            "import (rust ext)",
            "rows/s",
            rust["rows"] / rust["write_s"],
            baseline=python["rows"] / python["write_s"],
            baseline_label="pure-Python driver",
        ),
        Measurement(
            "neo4j-driver",
            "subgraph read (rust ext)",
            "seconds",
            rust["read_s"],
            baseline=python["read_s"],
            baseline_label="pure-Python driver",
            higher_is_better=False,
            extra={"edges": rust["edges"]},
        ),
    ]
