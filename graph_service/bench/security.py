"""Security: how fast the server refuses abusive requests, and whether ``/health`` keeps
answering meanwhile. Over real HTTP (``graph-service serve`` on the demo data).

Attacks: the anonymous fragment fan-out (ten levels of ten spreads, ~700 characters that
expand to 10^10 selections), a researcher's 30 aliases of ``networkSummary``, and a 100 MB
body. For each, the figure is the server's time to refuse it; ``/health`` is pinged every
20 ms while the attack runs, and its worst latency is reported against the idle ``/health``
latency measured in the same run (the baseline). Refusals happen before any resolver runs,
so the size of the store does not change them.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
from pydantic import SecretStr

from graph_service.auth import Role, issue_token
from graph_service.bench import BenchContext, Measurement, bench_case
from graph_service.bench.server import start_api
from graph_service.demo import demo_network, load_network
from graph_service.settings import Settings
from graph_service.stores.embedded import EmbeddedStore


def fan_out(levels: int = 10, spreads: int = 10) -> str:
    parts = ["query { stats { ...F0 } }"]
    for level in range(levels):
        inner = " ".join([f"...F{level + 1}"] * spreads)
        parts.append(f"fragment F{level} on Stats {{ {inner} }}")
    parts.append(f"fragment F{levels} on Stats {{ families }}")
    return "\n".join(parts)


def _health_ms(base: str, client: httpx.Client) -> float:
    began = time.perf_counter()
    client.get(f"{base}/health")
    return (time.perf_counter() - began) * 1000


ALIASES = (
    "{ " + " ".join(f"a{i}: networkSummary {{ smallCellThreshold }}" for i in range(30)) + " }"
)
ATTACKS = {
    "fan-out": "fragment fan-out (anonymous)",
    "aliases": "30 x networkSummary (researcher)",
    "body": "100 MB body",
}


def _send(kind: str, base: str, token: str) -> tuple[float, str]:
    """Send one attack (in a process of its own, so the client's work does not slow the
    /health pings of the measuring process) -> (seconds to the answer, status)."""
    kwargs: dict[str, object]
    if kind == "fan-out":
        kwargs = {"json": {"query": fan_out()}}
    elif kind == "aliases":
        kwargs = {"json": {"query": ALIASES}, "headers": {"Authorization": f"Bearer {token}"}}
    else:
        big = b'{"query": "{ stats { families } }", "pad": "' + b"x" * (100 * 1024 * 1024) + b'"}'
        kwargs = {"content": big, "headers": {"content-type": "application/json"}}
    with httpx.Client(timeout=600) as client:
        began = time.perf_counter()
        try:
            response = client.post(f"{base}/graphql", **kwargs)  # type: ignore[arg-type]  # httpx kwargs
            errors = response.json().get("errors", [])
            code = errors[0].get("extensions", {}).get("code", "") if errors else ""
            status = f"{response.status_code} {code}".strip()
        except httpx.HTTPError as error:  # the server may close a 100 MB upload early
            status = f"closed ({type(error).__name__})"
        return time.perf_counter() - began, status


def _attack(base: str, kind: str, token: str) -> tuple[float, list[float], str]:
    """(seconds to refusal, /health latencies during it in ms, the answer's status)."""
    with ProcessPoolExecutor(max_workers=1) as pool, httpx.Client(timeout=60) as health:
        pool.submit(time.sleep, 0).result()  # start the process before measuring
        future = pool.submit(_send, kind, base, token)
        pings: list[float] = []
        while not future.done() or not pings:
            pings.append(_health_ms(base, health))
            time.sleep(0.02)
        seconds, status = future.result()
    return seconds, pings, status


@bench_case(
    "security", help="time to refuse fan-out, 30-alias report, 100 MB body; /health meanwhile"
)
def security(ctx: BenchContext) -> list[Measurement]:
    secret = "bench-security-" + "Qx7vB2mN9kLp4RtY8wZc3HjF6dGs1AeU"
    settings = Settings(secret_key=SecretStr(secret))
    researcher = issue_token(settings, Role.RESEARCHER, "bench")

    with tempfile.TemporaryDirectory(prefix="bench-security-") as scratch:
        db = Path(scratch) / "demo.sqlite"
        store = EmbeddedStore(db)
        store.open()
        load_network(store, demo_network())
        store.close()
        server, base = start_api(db, secret)
        try:
            with httpx.Client(timeout=30) as client:
                for _ in range(20):
                    _health_ms(base, client)  # warm-up
                idle = [_health_ms(base, client) for _ in range(100)]
            runs = {ATTACKS[kind]: _attack(base, kind, researcher) for kind in ATTACKS}
        finally:
            server.terminate()
            server.wait(timeout=30)
    idle_p50 = statistics.median(idle)
    results = []
    for name, (seconds, pings, status) in runs.items():
        ctx.console.log(f"{name}: refused with {status} in {seconds * 1000:.1f} ms")
        results.append(
            Measurement(
                "security",
                name,
                "/health worst ms during attack",
                max(pings),
                baseline=idle_p50,
                baseline_label="idle /health p50 ms",
                higher_is_better=False,
                extra={
                    "refused in ms": round(seconds * 1000, 1),
                    "health pings": len(pings),
                    "health p50 ms": round(statistics.median(pings), 2),
                },
            )
        )
    return results
