"""Benefit-cliff exposure at program scale: the vectorised background run over every
family against one household at a time (measured in the same run), the incremental rerun
after 1% of the families changed, and the per-family view's latency over HTTP."""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import numpy as np
from pydantic import SecretStr

from graph_service.auth import Role, issue_token
from graph_service.bench import BenchContext, Measurement, bench_case, peak_rss_mib
from graph_service.bench.server import start_api
from graph_service.services import cliff as cliff_service
from graph_service.services.cliff_exposure import STEPS, ExposureEngine, _Input, compute
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet
from graph_service.stores.embedded import EmbeddedStore
from graph_service.taxben import policyengine
from loaders.synthetic import REGIONS
from models import Family, HouseholdFacts, Region

ONE_AT_A_TIME = 6  # families computed one simulation each (the baseline rate)
VIEW_REQUESTS = 20


def synthetic_households(n: int, seed: int) -> tuple[list[Region], list[Family], dict[str, float]]:
    """``n`` families with household facts and earnings, spread over the program's regions
    (seeded): 1-2 adults, 0-4 children, earnings around the program's $26,000."""
    rng = np.random.default_rng(seed)
    regions = [Region(id=r.id, name=r.name, state=r.state) for r in REGIONS]
    families: list[Family] = []
    earnings: dict[str, float] = {}
    adults = rng.choice([1, 2], size=n, p=[0.45, 0.55])
    kids = rng.choice([0, 1, 2, 3, 4], size=n, p=[0.15, 0.25, 0.3, 0.2, 0.1])
    wages = np.clip(rng.lognormal(np.log(26_000), 0.45, size=n), 0, 150_000)
    where = rng.integers(0, len(regions), size=n)
    for i in range(n):
        fid = f"cf{i:06d}"
        facts = HouseholdFacts(
            adult_ages=tuple(int(a) for a in rng.integers(20, 60, size=int(adults[i]))),
            married=bool(adults[i] == 2),
            child_ages=tuple(int(a) for a in rng.integers(0, 18, size=int(kids[i]))),
        )
        families.append(
            Family(
                id=fid,
                name=f"Family {i}",
                region_id=regions[int(where[i])].id,
                household_size=facts.size,
                income_band=1 + int(i % 5),
                joined_at=date(2024, 1, 1),
                household_facts=facts,
            )
        )
        earnings[fid] = round(float(wages[i]), 0)
    return regions, families, earnings


@bench_case("cliff", help="cliff exposure: vectorised families/s vs one at a time; view p50/p99")
def cliff(ctx: BenchContext) -> list[Measurement]:
    """Cliff exposure of ``--families`` synthetic families, vectorised in the background run,
    against one household per simulation in the same run; a rerun after 1% changed; the
    family view over HTTP."""
    settings = Settings()
    load_s = policyengine.load()
    regions, families, earnings = synthetic_households(ctx.families, ctx.seed)
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="bench-cliff-") as scratch:
        db = Path(scratch) / "cliff.sqlite"
        store = EmbeddedStore(db)
        store.open()
        store.write(ChangeSet(regions=regions))
        for lo in range(0, len(families), settings.batch_size):
            store.write(ChangeSet(families=families[lo : lo + settings.batch_size]))
        cliff_service.set_income_source(store, lambda _s, fid: earnings.get(fid))
        engine = ExposureEngine(store, settings)

        # one household at a time: one simulation of 4 points per family
        sample = families[:ONE_AT_A_TIME]
        homes = {r.id: r for r in regions}
        inputs = [
            _Input(f, cliff_service.model_household(f, homes), earnings[f.id], "") for f in sample
        ]
        began = time.perf_counter()
        for item in inputs:
            compute([item], settings.cliff_policy_year, 1)
        single_s = time.perf_counter() - began
        single_rate = len(sample) / single_s
        ctx.console.log(f"cliff: one at a time {len(sample)} families in {single_s:.1f}s")

        began = time.perf_counter()
        _run_with_progress(ctx, engine)
        full_s = time.perf_counter() - began
        modelled = len(engine.results)
        rate = modelled / full_s
        ctx.console.log(f"cliff: {modelled:,} families in {full_s:.1f}s ({rate:.1f}/s)")
        results.append(
            Measurement(
                "cliff",
                "exposure, vectorised background run",
                "families/s",
                rate,
                baseline=single_rate,
                baseline_label="one household per simulation",
                extra={
                    "families": float(modelled),
                    "seconds": full_s,
                    "points_per_family": float(1 + len(STEPS)),
                    "batch_size": float(settings.cliff_batch_size),
                    "simulations": float(engine.progress.simulations),
                    "model_import_s": load_s,
                    "peak_rss_mib": peak_rss_mib(),
                },
            )
        )

        # 1% of the families change: only they are recomputed
        changed = families[::100]
        for f in changed:
            earnings[f.id] += 1_000.0
        began = time.perf_counter()
        engine.run_now()
        rerun_s = time.perf_counter() - began
        ctx.console.log(f"cliff: rerun {engine.progress.total} families in {rerun_s:.1f}s")
        results.append(
            Measurement(
                "cliff",
                "rerun after 1% changed",
                "s",
                rerun_s,
                baseline=full_s,
                baseline_label="full run",
                higher_is_better=False,
                extra={
                    "recomputed": float(engine.progress.total),
                    "changed": float(len(changed)),
                },
            )
        )
        cliff_service.set_income_source(store, None)
        store.close()
        results += _view_latency(db, families[0].id)
    return results


def _run_with_progress(ctx: BenchContext, engine: ExposureEngine, every_s: float = 30.0) -> None:
    """``engine.run_now()`` in a thread, with its progress logged every ``every_s``."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            engine.run_now()
        except BaseException as error:  # re-raised in the bench's thread
            failed.append(error)

    worker = threading.Thread(target=run, name="bench-cliff")
    began = time.perf_counter()
    worker.start()
    while worker.is_alive():
        worker.join(timeout=every_s)
        _, progress = engine.snapshot()
        if worker.is_alive() and progress.total:
            elapsed = time.perf_counter() - began
            rate = progress.done / elapsed if elapsed else 0.0
            left = (progress.total - progress.done) / rate if rate else float("nan")
            ctx.console.log(
                f"cliff: {progress.done:,} of {progress.total:,} families "
                f"({progress.simulations} simulations, {rate:.1f}/s, about {left / 60:.0f} min left)"
            )
    if failed:
        raise failed[0]


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _view_latency(db: Path, family_id: str) -> list[Measurement]:
    """p50/p99 of whatIWouldKeep over HTTP once the model is loaded: the same question
    again (cached per family data version) and a new earnings figure each time (computed)."""
    secret = "bench-" + "c" * 40
    settings = Settings(secret_key=SecretStr(secret))
    server, base = start_api(db, secret, extra_env={"GS_CLIFF_PRELOAD": "1"})
    query = "query($e: Float) { whatIWouldKeep(familyId: %s, earnings: $e) { points { netIncome } cliffs { fromEarnings } } }"
    query = query % f'"{family_id}"'
    token = issue_token(settings, Role.FAMILY, family_id)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(timeout=900) as http:

            def ask(e: float) -> float:
                began = time.perf_counter()
                body = http.post(
                    f"{base}/graphql", json={"query": query, "variables": {"e": e}}, headers=headers
                ).json()
                assert "errors" not in body, body
                return time.perf_counter() - began

            ask(20_000.0)  # warm: the model is loaded and the view computed once
            cached = [ask(20_000.0) * 1000 for _ in range(VIEW_REQUESTS)]
            print(f"cliff: cached view p50 {statistics.median(cached):.1f} ms", flush=True)
            fresh = [ask(20_000.0 + 10 * (i + 1)) * 1000 for i in range(VIEW_REQUESTS // 4)]
            print(f"cliff: computed view p50 {statistics.median(fresh):.0f} ms", flush=True)
            typename = []
            for _ in range(VIEW_REQUESTS):
                began = time.perf_counter()
                http.post(f"{base}/graphql", json={"query": "{ __typename }"}, headers=headers)
                typename.append((time.perf_counter() - began) * 1000)
    finally:
        server.terminate()
        server.wait(timeout=60)
    out = []
    for label, values in (("cached", cached), ("computed", fresh)):
        for q in (50, 99):
            out.append(
                Measurement(
                    "cliff",
                    f"family view {label} p{q}",
                    "ms",
                    _percentile(values, q),
                    baseline=_percentile(typename, q),
                    baseline_label="{ __typename }",
                    higher_is_better=False,
                    extra={
                        "requests": float(len(values)),
                        "grid_points": float(cliff_service.GRID_POINTS),
                    },
                )
            )
    return out
