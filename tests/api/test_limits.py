"""Abuse limits reject over-limit operations before any resolver runs (no store call made)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from graph_service.settings import Mode, Settings
from graph_service.stores.base import GraphStore
from tests.api.conftest import SECRET, Api, serve

# The read model's follower polls the change feed on its own clock: not a request's call.
# The read model follower thread's name (graph_service/readmodel/live.py).
FOLLOWER_THREAD = "readmodel-follow"
NOT_COUNTED = frozenset({"changes_since", "add_commit_listener", "remove_commit_listener"})


class CountingStore:
    """Wraps a store and counts every call a request makes (to prove that no resolver
    reached it); the read model's polling (its follower thread: the data version, then the
    change feed) is not counted."""

    def __init__(self, inner: GraphStore) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls = 0

    def __getattr__(self, attr: str) -> Any:
        target = getattr(self.inner, attr)
        if not callable(target) or attr in NOT_COUNTED:
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread().name != FOLLOWER_THREAD:  # a request's call
                self.calls += 1
            return target(*args, **kwargs)

        return counted


@pytest.fixture
def counted(api: Api) -> Iterator[tuple[Api, CountingStore]]:
    wrapper = CountingStore(api.store)
    for base in serve(api.settings, wrapper):
        with httpx.Client(timeout=30) as http:
            _wait_for_read_model(http, base)
            wrapper.calls = 0  # the read model's first build reads the store: not a request
            yield Api(base, api.settings, api.store, http), wrapper


def _wait_for_read_model(http: httpx.Client, base: str) -> None:
    # serve() returns once the read model's first build is over; it must have succeeded.
    health = http.get(f"{base}/health").json()
    assert health.get("readModel") == "ready", "the read model was never built"


def _rejected(body: dict[str, Any]) -> str:
    assert body.get("data") is None, body
    error = body["errors"][0]
    return f"{error['extensions']['code']}:{error['message']}"


def test_depth_limit(counted: tuple[Api, CountingStore]) -> None:
    api, store = counted
    nested = "members { cohort { " * 6 + "id" + " } }" * 6
    body = api.gql(f'{{ cohort(id: "oak-1") {{ {nested} }} }}', as_=("admin", "root"))
    assert "exceeds maximum operation depth" in _rejected(body)
    assert store.calls == 0


def test_alias_limit(counted: tuple[Api, CountingStore]) -> None:
    api, store = counted
    aliases = " ".join(f"a{i}: stats {{ families }}" for i in range(40))
    body = api.gql(f"{{ {aliases} }}")
    assert "aliases" in _rejected(body).lower()
    assert store.calls == 0


def test_token_limit(counted: tuple[Api, CountingStore]) -> None:
    api, store = counted
    body = api.gql("{ " + " ".join(["stats { families }"] * 600) + " }")
    assert "token" in _rejected(body).lower()
    assert store.calls == 0


def test_cost_limit_counts_page_sizes(counted: tuple[Api, CountingStore]) -> None:
    api, store = counted
    query = "{ families(first: 100) { edges { node { helpGiven(first: 100) { edges { node { giver { id name } receiver { id name } } } } } } } }"
    code = _rejected(api.gql(query, as_=("admin", "root")))
    assert code.startswith("QUERY_TOO_COMPLEX")
    assert store.calls == 0


def test_an_ordinary_query_is_within_limits(api: Api) -> None:
    body = api.gql(
        '{ family(id: "ana") { cohort { members { name goals { status } } } } }',
        as_=("admin", "root"),
    )
    assert "errors" not in body


def test_production_mode_turns_off_introspection_ide_suggestions_and_get(store: GraphStore) -> None:
    from graph_service.demo import demo_network, load_network

    load_network(store, demo_network())
    settings = Settings(mode=Mode.PRODUCTION, secret_key=SECRET)
    for base in serve(settings, store):
        with httpx.Client(timeout=30) as http:
            intro = http.post(
                f"{base}/graphql", json={"query": "{ __schema { types { name } } }"}
            ).json()
            assert intro["errors"] and intro.get("data") is None
            typo = http.post(f"{base}/graphql", json={"query": "{ stats { familie } }"}).json()
            assert "Did you mean" not in typo["errors"][0]["message"]
            assert http.get(
                f"{base}/graphql", params={"query": "{ stats { families } }"}
            ).status_code in (400, 404, 405)
            assert http.get(f"{base}/graphql", headers={"Accept": "text/html"}).status_code in (
                400,
                404,
                405,
            )
            ok = http.post(f"{base}/graphql", json={"query": "{ stats { families } }"}).json()
            assert ok["data"]["stats"]["families"] == 12


def test_production_refuses_the_default_secret() -> None:
    from graph_service.app import create_app
    from graph_service.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        create_app(Settings(mode=Mode.PRODUCTION))


def test_development_mode_serves_graphiql(api: Api) -> None:
    page = api.http.get(f"{api.base}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
