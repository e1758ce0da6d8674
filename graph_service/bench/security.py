"""Security: how fast the server refuses abusive requests, and whether ``/health`` keeps
answering meanwhile. Over real HTTP (``graph-service serve`` on the demo data).

Attacks: the anonymous fragment fan-out (ten levels of ten spreads, ~700 characters that
expand to 10^10 selections), a researcher's 30 aliases of ``networkSummary``, a 100 MB
body announced by ``Content-Length`` and one streamed in chunks without it. For each, the figure is the server's time to refuse it; ``/health`` is pinged every
20 ms while the attack runs, and its worst latency is reported against the idle ``/health``
latency measured in the same run (the baseline). Refusals happen before any resolver runs,
so the size of the store does not change them.

The attacker is a process of its own that builds its request (200 MB of copies for the
body) and opens its connection *before* the measuring window; the window is the attack
itself. Measured with the building inside the window, the worst ``/health`` came while the
attacker built its body, with no request at the server yet (see the README).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
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
    "chunked": "100 MB chunked body (no Content-Length)",
}
CHUNK = b"x" * 65_536


def _request(kind: str, token: str) -> dict[str, object]:
    """The httpx arguments of one attack (the 100 MB body is built here, in the attacker)."""
    if kind == "fan-out":
        return {"json": {"query": fan_out()}}
    if kind == "aliases":
        return {"json": {"query": ALIASES}, "headers": {"Authorization": f"Bearer {token}"}}
    if kind == "chunked":  # streamed: the server must stop reading at its limit
        return {"content": _chunks(), "headers": {"content-type": "application/json"}}
    big = b'{"query": "{ stats { families } }", "pad": "' + b"x" * (100 * 1024 * 1024) + b'"}'
    return {"content": big, "headers": {"content-type": "application/json"}}


def _chunks() -> Iterator[bytes]:
    yield b'{"query": "{ stats { families } }", "pad": "'
    for _ in range(100 * 1024 * 1024 // len(CHUNK)):
        yield CHUNK
    yield b'"}'


def _attacker(
    kind: str, base: str, token: str, ready: Event, go: Event, out: Queue[tuple[float, str]]
) -> None:
    """The attacking client, in a process of its own. It builds its request and opens its
    connection first, says it is ready and waits for ``go``: the measuring window holds the
    attack only, not the client building 200 MB on the same two cores."""
    kwargs = _request(kind, token)
    with httpx.Client(timeout=600) as client:
        client.get(f"{base}/health")  # the connection is open before the window
        ready.set()
        go.wait()
        began = time.perf_counter()
        try:
            response = client.post(f"{base}/graphql", **kwargs)  # type: ignore[arg-type]  # httpx kwargs
            errors = response.json().get("errors", [])
            code = errors[0].get("extensions", {}).get("code", "") if errors else ""
            status = f"{response.status_code} {code}".strip()
        except httpx.HTTPError as error:  # the server may close a 100 MB upload early
            status = f"closed ({type(error).__name__})"
        out.put((time.perf_counter() - began, status))


def _attack(base: str, kind: str, token: str) -> tuple[float, list[float], str]:
    """(seconds to refusal, /health latencies during it in ms, the answer's status)."""
    ready, go = multiprocessing.Event(), multiprocessing.Event()
    out: Queue[tuple[float, str]] = multiprocessing.Queue()
    attacker = multiprocessing.Process(target=_attacker, args=(kind, base, token, ready, go, out))
    attacker.start()
    try:
        if not ready.wait(120):
            raise RuntimeError(f"the {kind} attacker did not get ready")
        with httpx.Client(timeout=60) as health:
            _health_ms(base, health)  # this connection is open before the window too
            pings: list[float] = []
            go.set()
            while out.empty() or not pings:
                pings.append(_health_ms(base, health))
                time.sleep(0.02)
            seconds, status = out.get()
    finally:
        attacker.join(60)
    return seconds, pings, status


def _cpu_s(pid: int) -> float | None:
    """CPU seconds used so far by process ``pid`` (Linux ``/proc``; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _until_idle(pid: int, base: str, client: httpx.Client, limit_s: float = 120) -> list[float]:
    """Ping ``/health`` every 20 ms until the server has used under 5% of a core for half a
    second (its read model built, its first background results computed), so that what the
    attacks measure is the attack; the pings of this start-up are reported on their own."""
    pings: list[float] = []
    deadline = time.monotonic() + limit_s
    window: list[tuple[float, float | None]] = []
    while time.monotonic() < deadline:
        pings.append(_health_ms(base, client))
        time.sleep(0.02)
        now = time.monotonic()
        window = [(t, c) for t, c in window if now - t <= 0.5] + [(now, _cpu_s(pid))]
        first_t, first_c = window[0]
        last_c = window[-1][1]
        if first_c is None or last_c is None:
            time.sleep(2)  # no /proc: give the build a moment
            break
        if now - first_t >= 0.45 and (last_c - first_c) / (now - first_t) < 0.05:
            break
    return pings


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
                began = time.perf_counter()
                start_up = _until_idle(server.pid, base, client)
                settled_s = time.perf_counter() - began
                idle = [_health_ms(base, client) for _ in range(100)]
            runs = {ATTACKS[kind]: _attack(base, kind, researcher) for kind in ATTACKS}
        finally:
            server.terminate()
            server.wait(timeout=30)
    idle_p50 = statistics.median(idle)
    results = [
        Measurement(
            "security",
            "start-up: read model build and background results (no attack)",
            "/health worst ms",
            max(start_up),
            baseline=idle_p50,
            baseline_label="idle /health p50 ms",
            higher_is_better=False,
            extra={
                "busy for s": round(settled_s, 1),
                "health pings": len(start_up),
                "health p50 ms": round(statistics.median(start_up), 2),
            },
        )
    ]
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
