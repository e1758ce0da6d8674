"""Web fixtures: the real app over HTTP (uvicorn on a loopback port) with the demo network and
its newcomers, on each store, and a cookie-keeping client that signs in with a code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from graph_service.auth import Principal, Role
from graph_service.demo import demo_network, load_network, newcomers_network
from graph_service.services import signin
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from tests.api.conftest import SECRET, serve

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Web:
    base: str
    settings: Settings
    store: GraphStore

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30, follow_redirects=False)

    def code(self, role: str, subject: str, *regions: str) -> str:
        admin = Principal(Role.ADMIN, "root")
        return signin.issue_code(
            self.store, self.settings, admin, Role(role), subject, regions
        ).code

    def signed_in(self, role: str, subject: str, *regions: str) -> httpx.Client:
        http = self.client()
        token = csrf_of(http.get("/app/sign-in").text)
        code = self.code(role, subject, *regions)
        answer = http.post("/app/sign-in", data={"csrf": token, "code": code})
        assert answer.status_code == 303, answer.text
        return http


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@pytest.fixture
def web(store: GraphStore) -> Iterator[Web]:
    settings = Settings(secret_key=SECRET, embedded_path="unused.sqlite")
    load_network(store, demo_network())
    load_network(store, newcomers_network())
    for base in serve(settings, store):
        yield Web(base, settings, store)
