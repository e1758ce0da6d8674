"""API latency: ``family(id)`` with nested cohort members at moderate concurrency, over real
HTTP (uvicorn on loopback) against the demo data, with ``{ __typename }`` on the same server as
the baseline (what the HTTP + GraphQL stack costs with no store work)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from pydantic import SecretStr

from graph_service.auth import Role, issue_token
from graph_service.bench import BenchContext, Measurement, bench_case
from graph_service.bench.server import start_api
from graph_service.demo import demo_network, load_network
from graph_service.settings import Settings
from graph_service.stores.embedded import EmbeddedStore

CONCURRENCY = 8
REQUESTS = 800
NESTED = (
    '{ family(id: "ana") { name goals { status } cohort { name members { name strengths } } } }'
)


async def _latencies(url: str, query: str, token: str) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=30) as client:
        remaining = REQUESTS

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                began = time.perf_counter()
                response = await client.post(url, json={"query": query}, headers=headers)
                latencies.append(time.perf_counter() - began)
                body = response.json()
                assert "errors" not in body, body

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


@bench_case("api-latency", help="p50/p99 of family(id) with cohort members vs { __typename }")
def api_latency(ctx: BenchContext) -> list[Measurement]:
    """Request latency over HTTP at moderate concurrency, against the demo data."""
    secret = "bench-" + "s" * 40
    settings = Settings(secret_key=SecretStr(secret))
    with tempfile.TemporaryDirectory(prefix="bench-api-") as scratch:
        db = Path(scratch) / "demo.sqlite"
        store = EmbeddedStore(db)
        store.open()
        load_network(store, demo_network())
        store.close()
        server, base = start_api(db, secret)
        try:
            url = f"{base}/graphql"
            token = issue_token(settings, Role.ADMIN, "bench")
            asyncio.run(_latencies(url, "{ __typename }", token))  # warm-up
            baseline = asyncio.run(_latencies(url, "{ __typename }", token))
            nested = asyncio.run(_latencies(url, NESTED, token))
        finally:
            server.terminate()
            server.wait(timeout=30)
    results = []
    for q in (50, 99):
        value, base_value = _percentile(nested, q) * 1000, _percentile(baseline, q) * 1000
        results.append(
            Measurement(
                "api-latency",
                f"family+members p{q}",
                "ms",
                value,
                baseline=base_value,
                baseline_label="{ __typename }",
                higher_is_better=False,
                extra={"concurrency": CONCURRENCY, "requests": REQUESTS},
            )
        )
    return results
