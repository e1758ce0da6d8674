"""GraphiQL, /docs and the pages load every asset from the service itself (no CDN)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from graph_service.settings import Mode, Settings
from graph_service.stores.embedded import EmbeddedStore
from tests.api.conftest import SECRET, serve

ASSET = re.compile(r"""(?:src|href)=["']([^"'#]+)["']""")


def _assets(html: str) -> list[str]:
    return [a for a in ASSET.findall(html) if not a.startswith("data:")]


def test_graphiql_docs_and_pages_use_local_assets_only(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "g.sqlite")
    store.open()
    settings = Settings(secret_key=SECRET)
    for base in serve(settings, store):
        http = httpx.Client(base_url=base, timeout=30)
        pages = {
            "/graphql": http.get("/graphql", headers={"Accept": "text/html"}).text,
            "/docs": http.get("/docs").text,
            "/app/sign-in": http.get("/app/sign-in").text,
        }
        for page, html in pages.items():
            assets = [a for a in _assets(html) if not a.startswith("/app")]
            assert assets, page
            for asset in assets:
                assert asset.startswith("/static/"), f"{page} loads {asset}"
                answer = http.get(asset)
                assert answer.status_code == 200 and answer.content, asset
        # The vendored files are the very ones the integrity hashes name.
        assert 'integrity="sha384-' in pages["/graphql"]
    store.close()


def test_production_mode_keeps_graphiql_and_docs_off(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "g.sqlite")
    store.open()
    settings = Settings(secret_key=SECRET, mode=Mode.PRODUCTION)
    for base in serve(settings, store):
        http = httpx.Client(base_url=base, timeout=30)
        assert http.get("/docs").status_code == 404
        assert http.get("/openapi.json").status_code == 404
        assert http.get("/graphql", headers={"Accept": "text/html"}).status_code != 200
        page = http.get("/app/sign-in")
        assert page.status_code == 200  # the web app is on in production
        cookie = page.headers["set-cookie"]
        assert "Secure" in cookie  # production: HTTPS-only cookies
    store.close()
