"""Peer-matching benchmarks.

- ``matching``: p50/p99 of one match on the synthetic network, in process against two floors
  measured in the same run (one NumPy/SciPy matrix-vector product over the same matrix, and
  scikit-learn's brute-force cosine ``NearestNeighbors``), and through ``/graphql`` on a server
  (its own process) holding the same network in the embedded store. With ``neo4j`` in the
  stores, a server over the bulk-loaded Neo4j runs beside it and the measured requests
  alternate between the two (the order flipped at each family), so the load of a shared
  machine, which drifts within minutes, falls on both stores alike; the paired figure (the
  median of Neo4j's over the embedded latency of the same family) cancels slow moments.
- ``matching-eval``: hide 20% of help ties, match, and score precision@10, recall@10 and
  NDCG@10 against random, goal-overlap Jaccard and Adamic-Adar baselines, under the product's
  protocol (cohort-mates excluded, the default of ``peerMatches``) and with cohort-mates
  included. Runs on at most ``EVAL_FAMILIES`` families (every family is queried).
"""

from __future__ import annotations

import math
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

import httpx
from pydantic import SecretStr

from graph_service.analytics.family_graph import graph_of
from graph_service.analytics.match_eval import evaluate
from graph_service.analytics.match_timing import time_queries
from graph_service.analytics.matching import MatchIndex, Scope
from graph_service.auth import Role, issue_token
from graph_service.bench import BenchContext, Measurement, bench_case
from graph_service.bench.graphs import family_graph
from graph_service.bench.server import start_api
from graph_service.settings import Settings
from graph_service.stores.embedded import EmbeddedStore
from loaders.formats import Format
from loaders.importer import import_folder
from loaders.synthetic import generate

QUERIES = 1_000
HTTP_QUERIES = 400
EVAL_FAMILIES = 5_000
MATCH = "query($f: ID) { peerMatches(familyId: $f, scope: ANY, first: 10) { score peer { id } } }"
MATCH_SELF = "{ peerMatches(scope: ANY, first: 10) { score peer { id } } }"  # the caller's own
# Warm-up requests before the measured ones, by families outside the measured sample: a
# Neo4j engine fresh from the bulk load's restart runs the request's statement several times
# slower for its first ~1,000 executions (JIT and query caches: 20.7 ms p50 over its first
# 200 reads of 12 families at 20,000 families, 6 ms after 1,000, 4.3 ms after 2,000, from a
# script), which a warm server does not see; the embedded store gets the same warm-up.
WARM_UP = 1_500


def _sample(ids: list[str], n: int, seed: int) -> list[str]:
    return random.Random(seed).sample(ids, min(n, len(ids)))


def _admin_latencies(base: str, secret: str, asking: list[str]) -> list[float]:
    """``peerMatches(familyId)`` over HTTP as an admin, one request after another."""
    token = issue_token(Settings(secret_key=SecretStr(secret)), Role.ADMIN, "bench")
    latencies = []
    with httpx.Client(timeout=600, headers={"Authorization": f"Bearer {token}"}) as http:
        http.post(f"{base}/graphql", json={"query": MATCH, "variables": {"f": asking[0]}})
        for family in asking:
            began = time.perf_counter()
            body = http.post(
                f"{base}/graphql", json={"query": MATCH, "variables": {"f": family}}
            ).json()
            latencies.append(1000 * (time.perf_counter() - began))
            assert "errors" not in body, body
    return latencies


@bench_case("matching", help="p50/p99 of one match: in process and over HTTP vs two floors")
def matching(ctx: BenchContext) -> list[Measurement]:
    graph = family_graph(ctx)
    began = time.perf_counter()
    index = MatchIndex.build(graph)
    build_s = time.perf_counter() - began
    consenting = [f for f, d in graph.nodes(data=True) if d["consent_matching"]]
    asking = _sample(consenting, QUERIES, ctx.seed)
    measured = set(asking[:HTTP_QUERIES])
    warm = _sample([f for f in consenting if f not in measured], WARM_UP, ctx.seed + 1)
    matches, numpy_floor, sklearn_floor = time_queries(index, asking, scope=Scope.ANY)
    results = []
    for q, attr in ((50, "p50_ms"), (99, "p99_ms")):
        for floor in (numpy_floor, sklearn_floor):
            results.append(
                Measurement(
                    "matching",
                    f"in process p{q}",
                    "ms",
                    getattr(matches, attr),
                    baseline=getattr(floor, attr),
                    baseline_label=floor.name,
                    higher_is_better=False,
                    extra={"families": float(graph.number_of_nodes()), "index_build_s": build_s},
                )
            )
    per_store, http = _per_store(ctx, asking[:HTTP_QUERIES], warm)
    results.extend(per_store)
    for q, attr in ((50, "p50_ms"), (99, "p99_ms")):
        value = statistics.quantiles(http, n=100, method="inclusive")[q - 1]
        results.append(
            Measurement(
                "matching",
                f"/graphql p{q}",
                "ms",
                value,
                baseline=getattr(numpy_floor, attr),
                baseline_label="numpy_floor",
                higher_is_better=False,
                extra={"requests": float(len(http))},
            )
        )
    return results


Ask = Callable[[str], None]


def _ask_self(http: httpx.Client, tokens: Mapping[str, str], family: str) -> None:
    """One ``peerMatches`` of ``family`` for itself, with its own token (an error fails the run)."""
    headers = {"Authorization": f"Bearer {tokens[family]}"}
    body = http.post("/graphql", json={"query": MATCH_SELF}, headers=headers).json()
    assert "errors" not in body, body


@contextmanager
def _self_askers(
    bases: Mapping[str, str], secret: str, families: list[str]
) -> Iterator[dict[str, Ask]]:
    """For each server of ``bases`` (name to base URL), a function sending one family's
    ``peerMatches`` for itself over a client of its own (kept open: warm connections)."""
    settings = Settings(secret_key=SecretStr(secret))
    tokens = {f: issue_token(settings, Role.FAMILY, f) for f in families}
    with ExitStack() as clients:
        asks: dict[str, Ask] = {}
        for name, base in bases.items():
            http = clients.enter_context(httpx.Client(base_url=base, timeout=600))
            asks[name] = partial(_ask_self, http, tokens)
        yield asks


def _alternating(asking: list[str], asks: Mapping[str, Ask]) -> dict[str, list[float]]:
    """Each family of ``asking`` asks every server once, one request after another: in the
    order of ``asks`` at even positions, reversed at odd ones, so no server always goes first
    and the servers share the machine's slow and quiet moments alike. The milliseconds of each
    request by server, in the order of ``asking`` (entry i of each list is the same family)."""
    names = list(asks)
    latencies: dict[str, list[float]] = {name: [] for name in names}
    for i, family in enumerate(asking):
        for name in names if i % 2 == 0 else names[::-1]:
            began = time.perf_counter()
            asks[name](family)
            latencies[name].append(1000 * (time.perf_counter() - began))
    return latencies


def _paired_ratio(values: list[float], baselines: list[float]) -> float:
    """The median over pairs of ``values[i] / baselines[i]`` (the same family, asked back to
    back): a slow moment of the machine slows both requests of a pair, so it mostly cancels."""
    return statistics.median([v / b for v, b in zip(values, baselines, strict=True)])


def _wait_ready(base: str, timeout_s: float = 1800) -> float:
    """Seconds until the server's read model is built (``/health`` says ``ready``)."""
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        try:
            if httpx.get(f"{base}/health", timeout=5).json().get("readModel") == "ready":
                return time.monotonic() - began
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the read model was not ready in time")


NO_SNAPSHOT = {"GS_READMODEL_SNAPSHOTS": "false"}


@contextmanager
def _served(db: Path | None, secret: str, neo4j_uri: str | None = None) -> Iterator[str]:
    """A server over the embedded store ``db`` (or Neo4j at ``neo4j_uri``) for the block; its
    base URL. A first start: the full build, and no snapshot saved after it (saving one holds
    the interpreter for seconds at 100,000 families, which would fall on measured requests)."""
    server, base = start_api(db, secret, neo4j_uri=neo4j_uri, extra_env=NO_SNAPSHOT)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(timeout=60)


@contextmanager
def _bulk_loaded(home: Path, folder: Path) -> Iterator[str]:
    """A Neo4j engine in ``home`` bulk-loaded with ``folder``, up for the block; its URI."""
    from graph_service.neo4j_engine import start_engine
    from loaders.neo4j_bulk import bulk_load

    engine = start_engine(home=home)
    try:
        engine, _ = bulk_load(engine, folder)
        yield engine.uri
    finally:
        engine.stop()


def _per_store(
    ctx: BenchContext, asking: list[str], warm: list[str]
) -> tuple[list[Measurement], list[float]]:
    """The same warm match on the embedded store and, with ``neo4j`` in the stores, on Neo4j:
    both servers up at once, warmed with ``warm`` and measured with ``asking`` alternating
    (see :func:`_alternating`); also the admin's ``peerMatches(familyId)`` latencies on the
    embedded server."""
    secret = "bench-" + "s" * 40
    folder = ctx.data_folder(Format.CSV)
    ready: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-stores-") as scratch, ExitStack() as running:
        db = Path(scratch) / "graph.sqlite"
        store = EmbeddedStore(db)
        store.open()
        import_folder(store, folder, progress=False)
        store.close()
        # The engine is loaded first and each server builds its read model while the other is
        # idle (or not up yet), so the start-up figures are not slowed by each other.
        neo4j_uri = None
        if "neo4j" in ctx.stores:
            neo4j_uri = running.enter_context(_bulk_loaded(Path(scratch) / "neo4j", folder))
        bases = {"embedded": running.enter_context(_served(db, secret))}
        ready["embedded"] = _wait_ready(bases["embedded"])
        if neo4j_uri is not None:
            bases["neo4j"] = running.enter_context(_served(None, secret, neo4j_uri))
            ready["neo4j"] = _wait_ready(bases["neo4j"])
        with _self_askers(bases, secret, [*warm, *asking]) as asks:
            _alternating(warm, asks)  # not measured
            figures = _alternating(asking, asks)
        admin = _admin_latencies(bases["embedded"], secret, asking)
    interleaved = 1.0 if len(figures) > 1 else 0.0
    results = []
    embedded_p = _quantiles(figures["embedded"])
    for name, latencies in figures.items():
        p = _quantiles(latencies)
        ctx.console.log(
            f"{name}: warm family peerMatches p50 {p[50]:.1f} ms, p99 {p[99]:.1f} ms; "
            f"read model ready {ready[name]:.1f}s after the server answered"
            + ("; requests alternating with the other server" if interleaved else "")
        )
        for q in (50, 99):
            results.append(
                Measurement(
                    "matching",
                    f"{name} /graphql, family asks itself, p{q}",
                    "ms",
                    p[q],
                    baseline=embedded_p[q],
                    baseline_label="embedded, same requests",
                    higher_is_better=False,
                    extra={
                        "requests": float(len(latencies)),
                        "read_model_ready_s": ready[name],
                        "interleaved": interleaved,
                    },
                )
            )
    if "neo4j" in figures:
        paired = _paired_ratio(figures["neo4j"], figures["embedded"])
        p50_ratio = _quantiles(figures["neo4j"])[50] / embedded_p[50]
        ctx.console.log(
            f"neo4j / embedded, the same family back to back: median ratio {paired:.2f}x "
            f"(ratio of the p50s {p50_ratio:.2f}x)"
        )
        results.append(
            Measurement(
                "matching",
                "neo4j / embedded, paired median ratio",
                "x",
                paired,
                baseline=1.0,
                baseline_label="equal latency",
                higher_is_better=False,
                extra={
                    "requests": float(len(figures["neo4j"])),
                    "interleaved": interleaved,
                    "p50_ratio": p50_ratio,
                },
            )
        )
    return results, admin


def _quantiles(values: list[float]) -> dict[int, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {50: cuts[49], 99: cuts[98]}


@bench_case("matching-eval", help="precision/recall/NDCG@10 on held-out help ties vs baselines")
def matching_eval(ctx: BenchContext) -> list[Measurement]:
    n = min(ctx.families, EVAL_FAMILIES)
    net = generate(n, ctx.seed)
    graph = graph_of(net)
    results = []
    for protocol, include_cohort in (("cohort excluded", False), ("cohort included", True)):
        # The language requirement (the product's default) against the matcher without it
        # (any language, as before issue 15), on the same split and candidates.
        without = evaluate(graph, seed=ctx.seed, include_cohort=include_cohort, any_language=True)
        report = evaluate(graph, seed=ctx.seed, include_cohort=include_cohort)
        ctx.console.print(f"[bold]matching evaluation, {n:,} families, {protocol}[/]")
        ctx.console.print(report.table())
        ctx.console.print("[bold]the same, any language (no language requirement)[/]")
        ctx.console.print(without.table())
        matcher = report.row("matcher")
        for row in report.rows:
            if row.method == "matcher":
                continue
            results.append(
                Measurement(
                    "matching-eval",
                    f"{protocol} vs {row.method}",
                    "precision@10",
                    matcher.precision_at_k,
                    baseline=row.precision_at_k,
                    baseline_label=row.method,
                    extra={
                        "recall@10": matcher.recall_at_k,
                        "ndcg@10": matcher.ndcg_at_k,
                        "baseline_ndcg@10": row.ndcg_at_k,
                        "families": float(n),
                    },
                )
            )
        for name, shares in (("language required", report), ("any language", without)):
            assert shares.language is not None  # evaluate always counts languages
            results.append(
                Measurement(
                    "matching-eval",
                    f"{protocol}, {name}: suggestions sharing a language (one-language families)",
                    "share",
                    shares.language.share,
                    baseline=without.language.share if without.language else math.nan,
                    baseline_label="any language",
                    extra={
                        "precision@10": shares.row("matcher").precision_at_k,
                        "families": float(shares.language.families),
                        "families_without_shared": float(shares.language.families_without_shared),
                        "non_english_share": shares.language.non_english_share,
                    },
                )
            )
    return results
