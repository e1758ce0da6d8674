"""API fixtures: the real ASGI app served by uvicorn on a loopback port, over each store."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from graph_service.app import create_app
from graph_service.auth import Role, issue_token
from graph_service.demo import demo_network, load_network
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore

SECRET = "tq7Vd0-k3JxW9mPz_Lr2sYb8NcF4hGa6TeU1oQi5Hn"  # a fixed random-looking test key


@dataclass
class Api:
    base: str
    settings: Settings
    store: GraphStore
    http: httpx.Client

    def token(self, role: str, subject: str, regions: tuple[str, ...] = ()) -> str:
        return issue_token(self.settings, Role(role), subject, regions)

    def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )

    def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: tuple[str, ...] | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """Run an operation; ``as_=("family", "ana")`` or ("organizer", "olga", "oakland")."""
        if as_ is not None:
            token = self.token(as_[0], as_[1], tuple(as_[2:]))
        response = self.post(query, variables, token)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(settings: Settings, store: GraphStore | None) -> Iterator[str]:
    """Serve the app on a free port; ``store=None``: the app opens the configured store."""
    port = _free_port()
    app = create_app(settings, store=store)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    # Requests wait only GS_BACKGROUND_WAIT_S for the read model's first build; on a busy
    # machine that build can take longer, so the tests start once it is done (or failed).
    deadline = time.monotonic() + 300
    while app.state.read_model.building and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def api_settings() -> Settings:
    # No rate limit: tests send hundreds of requests as one principal (tests/security covers it).
    # A first request waits up to 20 s (under the client's 30 s timeout) for the read model's first build (on a loaded machine
    # importing scikit-learn alone has taken 7 s): a slow start is not what these tests test.
    return Settings(
        secret_key=SECRET,
        embedded_path="unused.sqlite",
        rate_limit_per_minute=0,
        background_wait_s=20,
    )


@pytest.fixture
def api(store: GraphStore, api_settings: Settings) -> Iterator[Api]:
    load_network(store, demo_network())
    for base in serve(api_settings, store):
        with httpx.Client(timeout=30) as http:
            yield Api(base, api_settings, store, http)
