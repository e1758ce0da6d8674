"""``bench journal``: the program's core loop at scale, each figure with a baseline from the
same run.

- **report submit p50/p99 over HTTP**: families (each with its own token) submit this month's
  report through ``/graphql`` to the API in its own process; baseline ``{ __typename }`` on
  the same server;
- **quarterly payout** for every family of the synthetic network (a baseline and the last
  completed quarter's three months of journals each): time and ledger rows/s of
  ``run_payout`` (reading the quarter's reports, applying the rules, scheduling with the
  idempotency key) against a plain batched insert of the same ledger rows into a bare table
  (SQLite) or bare nodes (Neo4j); and the rerun, which schedules nothing;
- **verification queue** of the largest region: ``build_queue`` against reading that
  region's reports of the same months (the part every queue needs);
- **anomaly precision/recall** at the queue size (the number of planted reports) for the
  rules + isolation forest ranking, the rules alone, the forest alone and a random sample,
  on synthetic journals (24 months, up to 5,000 families) with planted inconsistent reports.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
from pydantic import SecretStr

from graph_service.analytics.journal_anomalies import (
    features,
    forest_scores,
    precision_recall,
    rank_unusual,
    rule_flags,
)
from graph_service.auth import Principal, Role, issue_token
from graph_service.bench import BenchContext, Measurement, bench_case
from graph_service.bench.server import start_api
from graph_service.services import payments
from graph_service.services.verification import build_queue, transitions
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet, GraphStore
from graph_service.stores.embedded import EmbeddedStore
from loaders.synthetic_journal import synthetic_journals
from models import Family, today
from models.journal import Month

SECRET = "bench-journal-" + "j" * 40
SUBMITTERS = 300
CONCURRENCY = 4
EVAL_FAMILIES = 5_000
ADMIN = Principal(Role.ADMIN, "bench")


def _last_quarter() -> str:
    """The last quarter that has ended."""
    current = Month.of(today())
    first_of_current = Month.add(current, -((int(current[5:]) - 1) % 3))
    return Month.quarter(Month.add(first_of_current, -1))


def _journals_for(families: Sequence[Family], quarter: str, seed: int) -> list[ChangeSet]:
    """A baseline (the month before the quarter) and the quarter's three months per family,
    in change sets of 5,000 reports."""
    first, _, last = Month.months_of_quarter(quarter)
    end = Month.first_day(Month.add(last, 1)) + timedelta(days=40)
    end = min(end, today())
    # the generator counts back from ``end``'s month: baseline = quarter's first month - 1
    months = (int(Month.of(end)[:4]) * 12 + int(Month.of(end)[5:])) - (
        int(first[:4]) * 12 + int(first[5:]) - 1
    )
    journals = synthetic_journals(families, end=end, seed=seed, months=months, planted_share=0)
    reports = [r for r in journals.reports if r.month <= last]
    return [ChangeSet(reports=reports[i : i + 5_000]) for i in range(0, len(reports), 5_000)]


def _plain_insert_sqlite(rows: list[tuple[object, ...]], folder: Path) -> float:
    conn = sqlite3.connect(folder / "plain-ledger.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE plain (key TEXT, family_id TEXT, period TEXT, amount_cents INTEGER, "
        "reports INTEGER, state TEXT, scheduled_at TEXT, settled_at TEXT, note TEXT)"
    )
    began = time.perf_counter()
    for i in range(0, len(rows), 5_000):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows[i : i + 5_000]
        )
        conn.execute("COMMIT")
    took = time.perf_counter() - began
    conn.close()
    return took


def _plain_insert_neo4j(store: GraphStore, rows: list[tuple[object, ...]]) -> float:
    from queries import cypher

    driver = store._driver  # type: ignore[attr-defined]  # the bench reuses the store's driver
    database = store._database  # type: ignore[attr-defined]  # the bench reuses the store's driver
    began = time.perf_counter()
    for i in range(0, len(rows), 5_000):
        batch = [{"key": r[0], "familyId": r[1], "amountCents": r[3]} for r in rows[i : i + 5_000]]
        driver.execute_query(
            cypher("bench_plain_ledger_insert"), {"rows": batch}, database_=database
        )
    return time.perf_counter() - began


def _payout(ctx: BenchContext, name: str, store: GraphStore, quarter: str) -> list[Measurement]:
    network = ctx.network()
    families = list(network.families)
    began = time.perf_counter()
    store.write(ChangeSet(regions=network.regions, goals=network.goals))
    for i in range(0, len(families), 5_000):
        store.write(ChangeSet(families=families[i : i + 5_000]))
    for changes in _journals_for(families, quarter, ctx.seed):
        store.write(changes)
    ctx.console.log(f"{name}: families and journals written in {time.perf_counter() - began:.1f}s")
    settings = Settings()
    began = time.perf_counter()
    run = payments.run_payout(store, ADMIN, quarter, settings)
    took = time.perf_counter() - began
    began = time.perf_counter()
    rerun = payments.run_payout(store, ADMIN, quarter, settings)
    rerun_took = time.perf_counter() - began
    rows = [p.row() for p in run.scheduled]
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as scratch:
        plain = (
            _plain_insert_sqlite(rows, Path(scratch))
            if isinstance(store, EmbeddedStore)
            else _plain_insert_neo4j(store, rows)
        )
    n = max(len(rows), 1)
    return [
        Measurement(
            "journal",
            f"{name} payout",
            "ledger rows/s",
            n / took,
            baseline=n / plain,
            baseline_label="plain batched insert",
            extra={
                "families": len(families),
                "payments": len(rows),
                "seconds": took,
                "plain_insert_seconds": plain,
                "rerun_seconds": rerun_took,
                "rerun_scheduled": len(rerun.scheduled),
                "balances": float(store.payment_ledger().balance(quarter).balances),  # type: ignore[attr-defined]  # both stores
            },
        )
    ]


def _queue(ctx: BenchContext, name: str, store: GraphStore, quarter: str) -> Measurement:
    network = ctx.network()
    counts: dict[str, int] = {}
    for family in network.families:
        counts[family.region_id] = counts.get(family.region_id, 0) + 1
    region = max(counts, key=lambda r: counts[r])
    staff = Principal(Role.STAFF, "bench", (region,))
    began = time.perf_counter()
    queue = build_queue(store, staff, region, quarter, Settings())
    took = time.perf_counter() - began
    first, _, last = Month.months_of_quarter(quarter)
    began = time.perf_counter()
    store.reports_between(first, last)
    read = time.perf_counter() - began
    return Measurement(
        "journal",
        f"{name} verification queue ({region})",
        "s",
        took,
        baseline=read,
        baseline_label="reading the quarter's reports",
        higher_is_better=False,
        extra={
            "families": counts[region],
            "entries": len(queue),
            "flagged": sum(e.flagged for e in queue),
        },
    )


async def _latencies(url: str, bodies: list[tuple[str, dict[str, object]]]) -> list[float]:
    latencies: list[float] = []
    queue = list(bodies)
    async with httpx.AsyncClient(timeout=60) as client:

        async def worker() -> None:
            while queue:
                token, body = queue.pop()
                began = time.perf_counter()
                response = await client.post(
                    url, json=body, headers={"Authorization": f"Bearer {token}"}
                )
                latencies.append(time.perf_counter() - began)
                assert "errors" not in response.json(), response.json()

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


SUBMIT = "mutation($input: SubmitReportInput!) { submitReport(input: $input) { id } }"


def _submit_latency(ctx: BenchContext, name: str, store: GraphStore) -> list[Measurement]:
    settings = Settings(secret_key=SecretStr(SECRET))
    uri = getattr(store, "uri", None)
    path = getattr(store, "path", None)
    server, base = start_api(path if uri is None else None, SECRET, neo4j_uri=uri)
    month = Month.of(today())
    families = list(ctx.network().families)[:SUBMITTERS]
    try:
        url = f"{base}/graphql"
        admin = issue_token(settings, Role.ADMIN, "bench")
        asyncio.run(_latencies(url, [(admin, {"query": "{ __typename }"})] * 50))  # warm-up
        baseline = asyncio.run(
            _latencies(url, [(admin, {"query": "{ __typename }"})] * len(families))
        )
        bodies: list[tuple[str, dict[str, object]]] = [
            (
                issue_token(settings, Role.FAMILY, f.id),
                {
                    "query": SUBMIT,
                    "variables": {
                        "input": {
                            "month": month,
                            "householdSize": f.household_size,
                            "earnedIncomeCents": 250_000,
                            "savingsCents": 60_000,
                        }
                    },
                },
            )
            for f in families
        ]
        submit = asyncio.run(_latencies(url, bodies))
    finally:
        server.terminate()
        server.wait(timeout=60)
    return [
        Measurement(
            "journal",
            f"{name} submitReport p{q}",
            "ms",
            _percentile(submit, q) * 1000,
            baseline=_percentile(baseline, q) * 1000,
            baseline_label="{ __typename }",
            higher_is_better=False,
            extra={"requests": len(submit), "concurrency": CONCURRENCY},
        )
        for q in (50, 99)
    ]


def _anomalies(ctx: BenchContext) -> list[Measurement]:
    rng = np.random.default_rng(ctx.seed)
    families = list(ctx.network().families)[:EVAL_FAMILIES]
    journals = synthetic_journals(families, end=today() - timedelta(days=45), seed=ctx.seed + 1)
    rows = transitions(journals.reports)
    planted = journals.planted & {t.report_id for t in rows}
    k = len(planted)
    began = time.perf_counter()
    combined = [f.report_id for f in rank_unusual(rows, 3.0, ctx.seed)[:k]]
    took = time.perf_counter() - began
    rules = [f.report_id for f in sorted(rule_flags(rows, 3.0), key=lambda f: -f.score)[:k]]
    scores = forest_scores(features(rows), ctx.seed)
    forest = [rows[i].report_id for i in np.argsort(-scores)[:k]]
    sample = [str(r) for r in rng.choice([t.report_id for t in rows], size=k, replace=False)]
    random_p, random_r = precision_recall(sample, planted)
    out = []
    for label, picked in (
        ("rules + forest", combined),
        ("rules only", rules),
        ("forest only", forest),
    ):
        p, r = precision_recall(picked, planted)
        out.append(
            Measurement(
                "journal",
                f"anomalies: {label}",
                f"precision@{k}",
                p,
                baseline=random_p,
                baseline_label="random sample",
                extra={
                    "recall": r,
                    "random_recall": random_r,
                    "reports": len(rows),
                    "planted": k,
                    "ranking_seconds": took,
                },
            )
        )
    return out


@bench_case("journal", help="report submit p50/p99, quarterly payout, queue, anomaly P/R")
def journal(ctx: BenchContext) -> list[Measurement]:
    """The journal, payout, verification queue and anomaly figures (see the module doc)."""
    quarter = _last_quarter()
    results: list[Measurement] = []
    for name, opener in ctx.stores.items():
        with opener() as store:
            results += _payout(ctx, name, store, quarter)
            results.append(_queue(ctx, name, store, quarter))
            results += _submit_latency(ctx, name, store)
    results += _anomalies(ctx)
    return results
