"""The API in its own process for latency benchmarks (client and server must not share a GIL)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from graph_service.neo4j_engine import free_port


def start_api(
    db: Path | None,
    secret: str,
    *,
    timeout_s: float = 900,
    neo4j_uri: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """``graph-service serve`` on the embedded store ``db`` (or on Neo4j at ``neo4j_uri``);
    returns the process and base URL once ``/health`` answers (a large store takes a while to
    load)."""
    port = free_port()
    env = {
        **os.environ,
        "GS_EMBEDDED_PATH": str(db) if db is not None else "unused.sqlite",
        "GS_SECRET_KEY": secret,
        "NEO4J_URI": neo4j_uri or "",
        "GS_NEO4J_URI": neo4j_uri or "",
        "NEO4J_PASSWORD": "unused-auth-disabled",
        **(extra_env or {}),
        # Benchmarks send thousands of requests as one principal: no rate limit here.
        "GS_RATE_LIMIT_PER_MINUTE": "0",
        "GS_MAX_CONCURRENT_PER_PRINCIPAL": "64",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "graph_service.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the API server did not start")
