"""Program scale on Neo4j, end to end: ``graph-service bench scale --families N --stores neo4j``.

The whole path a program takes at ``N`` families, each step timed, run twice in one process:
first at a tenth of ``N`` (at least :data:`MIN_REFERENCE` families; the baseline) and then at
``N``, so every figure is printed with its ratio to the smaller run (10x for a step that grows
linearly with the families, less for a fixed cost, more for a step that grows faster):

1. ``generate``: the synthetic network (seconds, and the memory it holds);
2. the import files: the network written as CSV (seconds, MiB);
3. ``load --bulk`` on an engine started here: validation and the ``neo4j-admin`` files, the
   engine's stop, ``neo4j-admin database import full`` and restart, then the schema and the
   count check (:func:`loaders.neo4j_bulk.bulk_load`);
4. the API in its own process on that engine: seconds until ``/health`` answers and until the
   first ``peerMatches`` answers (a first start: no snapshot, the read model reads the store);
5. a warm ``peerMatches`` p50 / p99 (a family asking for its own matches);
6. the live write path: ``recordHelp`` p50 / p99, and ``peerMatches`` for a family of the same
   cohort right after each write;
7. the heavy views' first computation (``rippleSummary``, ``regionGraph``);
8. memory: the API server's peak RSS and the engine's RSS;
9. a restart: the read model saved at shutdown (seconds to stop) and loaded at the next start
   (seconds to ``/health`` and to the first match).

Steps 4-9 can also be run alone against a kept engine home that holds a bulk-loaded synthetic
network of the same size and seed (``python -m graph_service.bench.scale --home DIR
--families N --seed S``: the network is generated again, the same seed gives the same
families, to choose who asks and who writes).

Only the Neo4j store is measured (the bulk path is Neo4j's); the engine gets its heap and
page cache from ``GS_NEO4J_HEAP`` and ``GS_NEO4J_PAGECACHE_MIB`` as every engine here does.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph_service.bench import BenchContext, Measurement, bench_case
from graph_service.bench.live import HELP, MATCH, SECRET, _Client, _p, _rss_mib, plan_of
from graph_service.bench.server import start_api
from graph_service.neo4j_engine import start_engine
from loaders.formats import Format
from loaders.neo4j_bulk import bulk_load
from loaders.synthetic import generate, write_network

MIN_REFERENCE = 100  # families of the baseline run at least (a tenth of a small N is too few)
ASKERS = 200  # families asking for their matches (each asks twice: 400 warm requests)
WRITES = 200  # recordHelp writes, each followed by a match
WAIT_S = 3.0 * 3600  # the longest any one step may take before the run gives up
HEAVY = {
    "rippleSummary": "{ rippleSummary { cascades } }",
    "regionGraph": "{ regionGraph { regions { id } } }",
}
Figures = dict[str, float]


def _rss_now_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def _timed(step: Callable[[], Any]) -> tuple[Any, float]:
    began = time.monotonic()
    value = step()
    return value, time.monotonic() - began


def _until_answered(client: _Client, query: str, variables: dict[str, Any]) -> float:
    """Seconds until ``query`` answers without errors (the read model may be loading)."""
    began = time.monotonic()
    while True:
        body = client.gql(query, variables)
        if "errors" not in body:
            return time.monotonic() - began
        if time.monotonic() - began > WAIT_S:
            raise RuntimeError(f"no answer in {WAIT_S:.0f} s: {body['errors'][0]}")
        time.sleep(0.05)


def _stop(server: subprocess.Popen[bytes]) -> float:
    """Stop the API server as a deployment does (SIGTERM: it saves its snapshot first)."""
    began = time.monotonic()
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    return time.monotonic() - began


def run_once(ctx: BenchContext, families: int, workdir: Path) -> Figures:
    """Every step at ``families`` (see the module docstring); the figures by name."""
    log = ctx.console.log
    figures: Figures = {"families": float(families)}
    before = _rss_now_mib()
    network, figures["generate s"] = _timed(lambda: generate(families, ctx.seed))
    figures["generate MiB"] = _rss_now_mib() - before
    folder = workdir / f"synthetic-{families}"
    began = time.monotonic()
    write_network(network, folder, Format.CSV)
    figures["CSV files s"] = time.monotonic() - began
    figures["CSV files MiB"] = _mib(folder)
    plan = plan_of(network, ctx.seed, ASKERS)
    del network
    gc.collect()
    log(
        f"scale {families:,}: generated in {figures['generate s']:.1f}s, "
        f"CSV in {figures['CSV files s']:.1f}s"
    )

    engine = start_engine(home=workdir / f"neo4j-{families}")
    try:
        engine, bulk = bulk_load(engine, folder)
        figures |= {
            "bulk load s": bulk.seconds,
            "bulk validate and files s": bulk.validate_seconds,
            "bulk neo4j-admin and restart s": bulk.import_seconds,
            "bulk schema and counts s": bulk.schema_seconds,
            "records": float(bulk.rows),
            "store MiB": bulk.store_mib,
        }
        log(f"scale {families:,}: bulk load of {bulk.rows:,} records in {bulk.seconds:.1f}s")
        figures |= _serve(ctx, engine.uri, plan.askers, plan.pairs, workdir, families)
        figures["engine RSS MiB"] = _rss_mib(engine.process.pid)
    finally:
        engine.stop()
    return figures


def _serve(
    ctx: BenchContext,
    uri: str,
    askers: list[str],
    pairs: list[tuple[str, str]],
    workdir: Path,
    families: int,
) -> Figures:
    """Steps 4-9 on the API in its own process over the bulk-loaded engine at ``uri``."""
    figures: Figures = {}
    env = {"GS_READMODEL_SNAPSHOT": str(workdir / f"readmodel-{families}.npz")}
    started = time.monotonic()
    server, base = start_api(None, SECRET, neo4j_uri=uri, extra_env=env, timeout_s=WAIT_S)
    try:
        figures["health after first start s"] = time.monotonic() - started
        client = _Client(base)
        _until_answered(client, MATCH, {"id": askers[0]})
        figures["first match after first start s"] = time.monotonic() - started
        ctx.console.log(
            f"scale {families:,}: first match after a first start in "
            f"{figures['first match after first start s']:.1f}s"
        )
        warm = [client.timed(MATCH, {"id": f}) for f in askers * 2]
        figures["warm match p50 ms"], figures["warm match p99 ms"] = _p(warm, 50), _p(warm, 99)
        tokens = {a: client.family_token(a) for a, _ in pairs}
        writes, after = [], []
        for (a, b), asker in zip(pairs[:WRITES], askers[:WRITES], strict=False):
            began = time.perf_counter()
            body = client.gql(HELP, {"to": b}, tokens[a])
            assert "errors" not in body, body
            writes.append(time.perf_counter() - began)
            after.append(client.timed(MATCH, {"id": asker}))
        figures["recordHelp p50 ms"], figures["recordHelp p99 ms"] = _p(writes, 50), _p(writes, 99)
        figures["match after a write p50 ms"] = _p(after, 50)
        figures["match after a write p99 ms"] = _p(after, 99)
        for name, query in HEAVY.items():
            figures[f"{name} first computed s"] = _until_answered(client, query, {})
        figures["server peak RSS MiB"] = _rss_mib(server.pid)
    finally:
        figures["stop with snapshot s"] = _stop(server)
    restarted = time.monotonic()
    server, base = start_api(None, SECRET, neo4j_uri=uri, extra_env=env, timeout_s=WAIT_S)
    try:
        figures["health after a restart s"] = time.monotonic() - restarted
        _until_answered(_Client(base), MATCH, {"id": askers[0]})
        figures["first match after a restart s"] = time.monotonic() - restarted
    finally:
        _stop(server)
    return figures


@bench_case("scale", help="Neo4j end to end: generate, bulk load, start-up, matches, writes, RSS")
def scale(ctx: BenchContext) -> list[Measurement]:
    """The program's path at ``--families``, against the same path at a tenth of it."""
    if "neo4j" not in ctx.stores:
        ctx.console.log("scale: measures Neo4j only (add --stores neo4j); skipped")
        return []
    reference = max(MIN_REFERENCE, ctx.families // 10)
    with tempfile.TemporaryDirectory(prefix="bench-scale-", dir=ctx.workdir) as scratch:
        work = Path(scratch)
        small = run_once(ctx, reference, work)
        large = run_once(ctx, ctx.families, work) if ctx.families > reference else dict(small)
    label = f"at {reference:,} families"
    return [
        Measurement(
            "scale",
            "neo4j",
            name,
            large[name],
            small[name],
            label,
            higher_is_better=name == "records",
            extra={"families": float(ctx.families), "cores": float(os.cpu_count() or 0)},
        )
        for name in large
        if name != "families"
    ]


def main(argv: list[str] | None = None) -> None:
    """Steps 4-9 alone on a kept engine home (see the module docstring); prints the figures."""
    import argparse
    import json

    from rich.console import Console

    parser = argparse.ArgumentParser(prog="python -m graph_service.bench.scale")
    parser.add_argument("--home", type=Path, required=True, help="a kept Neo4j engine home")
    parser.add_argument("--families", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    if not (args.home / "data" / "databases" / "neo4j").is_dir():
        parser.error(f"--home {args.home} holds no Neo4j database (bulk-load one there first)")
    console = Console(stderr=True)
    plan = plan_of(generate(args.families, args.seed), args.seed, ASKERS)
    gc.collect()
    ctx = BenchContext(args.families, args.seed, {}, args.home.parent, console)
    engine = start_engine(home=args.home)
    try:
        figures = _serve(ctx, engine.uri, plan.askers, plan.pairs, args.home.parent, args.families)
        figures["engine RSS MiB"] = _rss_mib(engine.process.pid)
    finally:
        engine.stop()
    for name, value in figures.items():
        console.print(f"{name}: {value:,.4g}")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - a measuring tool, run by hand
    main()
