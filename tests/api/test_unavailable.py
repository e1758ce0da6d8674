"""When Neo4j is unreachable the API answers UNAVAILABLE quickly, and recovers by itself once
Neo4j is back, without a restart. The fault is real: nothing listens on the port at first,
then a real engine is started on that same port."""

from __future__ import annotations

import time

import httpx
from pydantic import SecretStr

from graph_service.neo4j_engine import free_port, start_engine
from graph_service.settings import Settings
from tests.api.conftest import SECRET, serve


def test_unavailable_then_recovers() -> None:
    port = free_port()
    settings = Settings(
        neo4j_uri=f"neo4j://127.0.0.1:{port}",
        neo4j_password=SecretStr("unused"),
        secret_key=SecretStr(SECRET),
        neo4j_connect_timeout_s=1.0,
        neo4j_retry_s=1.0,
    )
    query = {"query": "{ stats { families } }"}
    for base in serve(settings, None):
        with httpx.Client(timeout=60) as http:
            began = time.monotonic()
            body = http.post(f"{base}/graphql", json=query).json()
            elapsed = time.monotonic() - began
            assert body["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
            assert "password" not in body["errors"][0]["message"].lower()
            assert http.get(f"{base}/health").status_code == 503
            print(f"UNAVAILABLE answered in {elapsed:.2f}s")

            engine = start_engine(port=port)
            try:
                deadline = time.monotonic() + 60
                while True:
                    body = http.post(f"{base}/graphql", json=query).json()
                    if "errors" not in body or time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
                assert body == {"data": {"stats": {"families": 0}}}
                # /health reports the last finished ping (it never waits on a slow one), so on a
                # busy machine it may take a few pings to see the recovered store.
                while http.get(f"{base}/health").json()["status"] != "ok":
                    assert time.monotonic() < deadline + 30, "/health did not recover"
                    time.sleep(0.2)
            finally:
                engine.stop()
