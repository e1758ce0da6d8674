"""The HTTP front door: the per-principal rate limit, and the JSON checks, on the real app."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from graph_service.api.http_guard import RateLimiter, Refused, json_depth
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from tests.api.conftest import SECRET, Api, serve


def test_bucket_refills_at_the_configured_rate() -> None:
    limiter = RateLimiter(per_minute=60, burst=2, concurrent=10)
    limiter.acquire("a", now=0.0)
    limiter.acquire("a", now=0.0)
    with pytest.raises(Refused) as refused:
        limiter.acquire("a", now=0.5)
    assert refused.value.status == 429 and refused.value.retry_after >= 1
    limiter.acquire("b", now=0.5)  # another principal has its own bucket
    limiter.acquire("a", now=1.6)  # one token back after a second (60 a minute)


def test_in_flight_requests_are_bounded_per_principal() -> None:
    limiter = RateLimiter(per_minute=0, burst=1, concurrent=2)
    limiter.acquire("a")
    limiter.acquire("a")
    with pytest.raises(Refused):
        limiter.acquire("a")
    limiter.release("a")
    limiter.acquire("a")


def test_json_depth_skips_strings() -> None:
    assert json_depth('{"a": [[1], {"b": "[[[[{{{"}]}') == 3
    assert json_depth('"\\"[[["') == 0


@pytest.fixture
def limited(store: GraphStore) -> Iterator[Api]:
    from graph_service.demo import demo_network, load_network

    load_network(store, demo_network())
    settings = Settings(secret_key=SECRET, rate_limit_per_minute=1, rate_limit_burst=3)
    for base in serve(settings, store):
        with httpx.Client(timeout=30) as http:
            yield Api(base, settings, store, http)


def test_a_principal_over_its_limit_gets_429_and_others_do_not(limited: Api) -> None:
    rita = limited.token("researcher", "rita")
    codes = [limited.post("{ stats { goals } }", token=rita).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    refused = limited.post("{ stats { goals } }", token=rita)
    assert refused.headers["retry-after"]
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    other = limited.post("{ stats { goals } }", token=limited.token("admin", "root"))
    assert other.status_code == 200
    # A forged token does not get a bucket of its own: it counts as its client address.
    forged = [limited.post("{ stats { goals } }", token=f"x.y.{i}").status_code for i in range(4)]
    assert 429 in forged
    health = limited.http.get(f"{limited.base}/health")
    assert health.status_code == 200  # /health is never rate limited
