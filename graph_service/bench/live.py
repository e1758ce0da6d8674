"""The live read model under writes: ``graph-service bench live``.

The synthetic network is imported into each store, then the API runs in its own process
(client and server must not share a GIL) and the case measures, each with its baseline from
the same run:

- start-up: seconds until ``/health`` answers, and until the first ``peerMatches`` succeeds
  (the read model is built in the background meanwhile);
- warm match p50/p99 (the baseline of the next line);
- a match right after a write: ``recordHelp`` by one family, then at once ``peerMatches`` for a
  family of the same cohort (the write touched its tie rows);
- ``family(id)`` and ``/health`` p99 while writes arrive at a steady rate (at least 20 writes/s),
  against the same requests on an idle server;
- on Neo4j, the write-to-visible lag across two API processes: a family registered through
  one is asked for its matches through the other until the answer is not NOT_FOUND;
- the server's peak RSS after matching, ripple and regions have all been used;
- a restart: seconds until ``/health`` and the first match when the read model is loaded from
  the snapshot the first server saved at shutdown.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from pydantic import SecretStr

from graph_service.auth import Role, issue_token
from graph_service.bench import BenchContext, Measurement, bench_case
from graph_service.bench.server import start_api
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from loaders.importer import import_folder
from loaders.synthetic import SyntheticNetwork
from models import MembershipStatus

SECRET = "bench-live-" + "k" * 40
MATCH = "query($id: ID!) { peerMatches(familyId: $id, first: 10) { score peer { id } } }"
FAMILY = "query($id: ID!) { family(id: $id) { id name cohort { id } } }"
HELP = 'mutation($to: ID!) { recordHelp(input: {toId: $to, kind: "food"}) { id } }'
REGISTER = "mutation($input: RegisterFamilyInput!) { registerFamily(input: $input) { id } }"
RATE = 25.0  # writes per second during the stream (the issue asks for at least 20)
WRITERS = 5  # concurrent writers sharing that rate (one alone cannot keep it on Neo4j)
TARGET_RSS_MIB = 1200.0
TARGET_HEALTH_S = 3.0
TARGET_FIRST_MATCH_S = 5.0


@dataclass
class _Plan:
    """Who writes to whom, and who asks for matches (cohort-mates who consented)."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    askers: list[str] = field(default_factory=list)


def _plan(ctx: BenchContext, size: int) -> _Plan:
    return plan_of(ctx.network(), ctx.seed, size)


def plan_of(network: SyntheticNetwork, seed: int, size: int) -> _Plan:
    """Up to ``size`` pairs of cohort-mates who consented to matching (a seeded choice)."""
    matching = {f.id for f in network.families if f.consent.matching}
    cohorts: dict[str, list[str]] = {}
    for m in network.memberships:
        if m.status is MembershipStatus.ACTIVE and m.family_id in matching:
            cohorts.setdefault(m.cohort_id, []).append(m.family_id)
    rng = np.random.default_rng(seed)
    groups = [sorted(g) for _, g in sorted(cohorts.items()) if len(g) >= 2]
    plan = _Plan()
    for i in rng.permutation(len(groups))[:size]:
        a, b = groups[int(i)][:2]
        plan.pairs.append((a, b))
        plan.askers.append(b)
    return plan


class _Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(timeout=120)
        settings = Settings(secret_key=SecretStr(SECRET))
        self.admin = issue_token(settings, Role.ADMIN, "bench")
        self._settings = settings

    def family_token(self, family_id: str) -> str:
        return issue_token(self._settings, Role.FAMILY, family_id)

    def gql(self, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
        response = self.http.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token or self.admin}"},
        )
        return response.json()

    def timed(self, query: str, variables: dict[str, Any]) -> float:
        began = time.perf_counter()
        body = self.gql(query, variables)
        assert "errors" not in body, body
        return time.perf_counter() - began

    def health(self) -> float:
        began = time.perf_counter()
        self.http.get(f"{self.base}/health").raise_for_status()
        return time.perf_counter() - began


def _p(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def _server(store: GraphStore) -> Iterator[tuple[Any, str, float]]:
    """The API on ``store`` in its own process; also the seconds until /health answered."""
    began = time.monotonic()
    if store.name == "neo4j":
        uri = getattr(store, "uri", None)
        server, base = start_api(None, SECRET, neo4j_uri=uri)
    else:
        path = getattr(store, "path")  # noqa: B009 - the embedded store's file
        server, base = start_api(Path(path), SECRET)
    health_s = time.monotonic() - began
    try:
        yield server, base, health_s
    finally:
        server.terminate()
        server.wait(timeout=60)


def _first_match_s(client: _Client, family_id: str, started: float) -> float:
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        body = client.gql(MATCH, {"id": family_id})
        if "errors" not in body:
            return time.monotonic() - started
        time.sleep(0.05)
    raise RuntimeError(f"peerMatches never answered: {body}")


def _write_stream(
    base: str, pairs: list[tuple[str, str]], rate: float, seconds: float, done: list[int]
) -> None:
    """``rate`` help records a second for ``seconds`` (one writer; several run at once)."""
    writer = _Client(base)
    tokens = {a: writer.family_token(a) for a, _ in pairs}
    began = time.monotonic()
    n = 0
    while time.monotonic() - began < seconds:
        a, b = pairs[n % len(pairs)]
        body = writer.gql(HELP, {"to": b}, tokens[a])
        assert "errors" not in body, body
        n += 1
        pause = began + n / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    done.append(n)


def _until_computed(client: _Client, query: str, timeout_s: float = 900.0) -> None:
    """Ask ``query`` until the background result is there (the peak RSS counts its work)."""
    deadline = time.monotonic() + timeout_s
    while True:
        body = client.gql(query, {})
        if "errors" not in body:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"not computed in {timeout_s:.0f} s: {body['errors'][0]}")
        time.sleep(1.0)


def _wait_ready(client: _Client) -> None:
    """Until the server's read model is built (or loaded from its snapshot)."""
    deadline = time.monotonic() + 1800
    while client.http.get(f"{client.base}/health").json().get("readModel") != "ready":
        if time.monotonic() > deadline:
            raise RuntimeError("the read model of the second server was never ready")
        time.sleep(0.1)


def _lag_across(ctx: BenchContext, store: GraphStore, client: _Client, writes: int) -> list[float]:
    """Seconds from a registration through this server to matches through a second one."""
    with _server(store) as (_, other_base, _):
        other = _Client(other_base)
        _wait_ready(other)
        region = next(iter(ctx.network().families)).region_id
        lags = []
        for i in range(writes):
            family_id = f"bench-live-{i}"
            family = {
                "id": family_id,
                "name": "Bench",
                "regionId": region,
                "householdSize": 3,
                "incomeBand": 2,
                "consent": {"matching": True, "crossRegion": False, "research": False},
            }
            written = time.monotonic()
            body = client.gql(REGISTER, {"input": family})
            assert "errors" not in body, body
            while "errors" in other.gql(MATCH, {"id": family_id}):
                if time.monotonic() - written > 60:
                    raise RuntimeError("the second process never saw the write")
                time.sleep(0.01)
            lags.append(time.monotonic() - written)
        return lags


@bench_case(
    "live", help="matching right after writes, requests during a write stream, start-up, RSS"
)
def live(ctx: BenchContext) -> list[Measurement]:
    """The live read model under writes (see the module docstring)."""
    plan = _plan(ctx, 200)
    samples = min(200, len(plan.askers))
    stream_s = 30.0 if ctx.families >= 10_000 else 5.0
    results: list[Measurement] = []
    for kind, opener in ctx.stores.items():
        with opener() as store:
            import_folder(store, ctx.data_folder(), progress=False)
            started = time.monotonic()
            with _server(store) as (server, base, health_s):
                client = _Client(base)
                first_s = _first_match_s(client, plan.askers[0], started)
                warm = [client.timed(MATCH, {"id": f}) for f in plan.askers[:samples] * 2]
                tokens = {a: client.family_token(a) for a, _ in plan.pairs}
                after = []
                for (a, b), asker in zip(plan.pairs[:samples], plan.askers[:samples], strict=True):
                    body = client.gql(HELP, {"to": b}, tokens[a])
                    assert "errors" not in body, body
                    after.append(client.timed(MATCH, {"id": asker}))
                idle_family = [client.timed(FAMILY, {"id": f}) for f in plan.askers[:samples]]
                idle_health = [client.health() for _ in range(samples)]
                done: list[int] = []
                writers = [
                    threading.Thread(
                        target=_write_stream,
                        args=(base, plan.pairs[w::WRITERS], RATE / WRITERS, stream_s, done),
                    )
                    for w in range(WRITERS)
                ]
                for writer in writers:
                    writer.start()
                busy_family: list[float] = []
                busy_health: list[float] = []
                i = 0
                while any(w.is_alive() for w in writers):
                    asker = plan.askers[i % len(plan.askers)]
                    busy_family.append(client.timed(FAMILY, {"id": asker}))
                    busy_health.append(client.health())
                    i += 1
                for writer in writers:
                    writer.join()
                rate = sum(done) / stream_s
                _until_computed(client, "{ rippleSummary { cascades } }")
                _until_computed(client, "{ regionGraph { regions { id } } }")
                _until_computed(client, "{ bridgingFamilies(first: 5) { score } }")
                rss = _rss_mib(server.pid)
                lags = _lag_across(ctx, store, client, 10) if kind == "neo4j" else []
            # A restart: the server saved its read model at shutdown and loads it now.
            restarted = time.monotonic()
            with _server(store) as (_, again_base, again_health_s):
                again_first_s = _first_match_s(_Client(again_base), plan.askers[0], restarted)
        extra = {"families": float(ctx.families)}
        results += [
            Measurement(
                "live",
                kind,
                "health after start s",
                health_s,
                TARGET_HEALTH_S,
                "target",
                higher_is_better=False,
                extra=extra,
            ),
            Measurement(
                "live",
                kind,
                "first match after start s",
                first_s,
                TARGET_FIRST_MATCH_S,
                "target",
                higher_is_better=False,
                extra=extra,
            ),
        ]
        results += [
            Measurement(
                "live",
                kind,
                "health after a restart s",
                again_health_s,
                TARGET_HEALTH_S,
                "target",
                higher_is_better=False,
                extra={"snapshot": 1.0},
            ),
            Measurement(
                "live",
                kind,
                "first match after a restart s",
                again_first_s,
                TARGET_FIRST_MATCH_S,
                "target",
                higher_is_better=False,
                extra={"snapshot": 1.0},
            ),
        ]
        for q in (50, 99):
            results.append(
                Measurement(
                    "live",
                    kind,
                    f"match after a write p{q} ms",
                    _p(after, q),
                    _p(warm, q),
                    f"warm match p{q}",
                    higher_is_better=False,
                )
            )
        results += [
            Measurement(
                "live",
                kind,
                "family(id) p99 during writes ms",
                _p(busy_family, 99),
                _p(idle_family, 99),
                "idle p99",
                higher_is_better=False,
                extra={"writes_per_s": rate, "seconds": stream_s},
            ),
            Measurement(
                "live",
                kind,
                "/health p99 during writes ms",
                _p(busy_health, 99),
                _p(idle_health, 99),
                "idle p99",
                higher_is_better=False,
                extra={"writes_per_s": rate},
            ),
            Measurement(
                "live",
                kind,
                "server peak RSS MiB",
                rss,
                TARGET_RSS_MIB,
                "target",
                higher_is_better=False,
            ),
        ]
        if lags:
            results += [
                Measurement(
                    "live",
                    kind,
                    f"cross-process lag p{q} ms",
                    _p(lags, q),
                    200.0,
                    "poll interval",
                    higher_is_better=False,
                )
                for q in (50, 99)
            ]
    return results
