"""The policymakers' report: written by the CLI, self-contained, rendered by headless
Chromium without a missing image or an error, built from researcher releases only."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph_service import chromium
from graph_service.cli import app
from graph_service.settings import get_settings
from graph_service.stores.base import ChangeSet
from graph_service.stores.embedded import EmbeddedStore
from loaders.synthetic import SyntheticParameters, generate

CHECK = """<script>
window.addEventListener('error', e => document.body.setAttribute(
  'data-error', String(e.message || (e.target && e.target.alt) || 'error')), true);
window.addEventListener('load', () => {
  const images = [...document.images];
  const broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt);
  document.body.setAttribute('data-images', String(images.length));
  document.body.setAttribute('data-broken', broken.join('|') || 'none');
});
</script>"""


@pytest.fixture
def synthetic_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "graph.sqlite"
    store = EmbeddedStore(path)
    store.open()
    store.write(ChangeSet.of(generate(800, 6, SyntheticParameters(end=date(2026, 6, 30)))))
    store.close()
    monkeypatch.setenv("GS_EMBEDDED_PATH", str(path))
    monkeypatch.setenv("GS_PRIVACY_TEST_SEED", "5")
    monkeypatch.delenv("NEO4J_URI", raising=False)
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_the_report_renders_in_chromium_without_missing_images(
    synthetic_store: Path, tmp_path: Path
) -> None:
    assert chromium.chromium() is not None, "scripts/setup installs chromium"
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["research-report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    # self-contained: no external reference of any kind, every image inline
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", page)
    assert "http://" not in page and "https://" not in page
    for encoded in re.findall(r"base64,([A-Za-z0-9+/=]+)", page):
        svg = base64.b64decode(encoded)
        # namespaces and the DTD name are identifiers, never fetched; no link may point out
        assert not re.search(rb"""(href|src)\s*=\s*["'](?!#|data:)""", svg)
        assert b"matplotlib.org" not in svg and b"<dc:date>" not in svg
    images = re.findall(r'<img alt="([^"]+)" src="data:image/svg\+xml;base64,', page)
    assert images == [
        "Growth of the network",
        "Growth of help",
        "Help by kind",
        "Outcomes by network position",
        "Bonding and bridging",
    ]
    for heading in ("Disclosure statement", "differential privacy", "ε = 1"):
        assert heading in page
    assert "Period 2024-07-01 to 2026-06-30" in page  # the data's own span, in quarters
    checked = tmp_path / "checked.html"
    checked.write_text(page.replace("</head>", CHECK + "</head>"), encoding="utf-8")
    dom, log = chromium.dump_dom(checked)
    assert 'data-images="5"' in dom and 'data-broken="none"' in dom, dom[-2000:]
    assert 'data-error="' not in dom
    assert "Failed to load" not in log and "Uncaught" not in log
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")


def test_the_report_uses_researcher_releases_and_a_repeat_is_free(
    synthetic_store: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["research-report", "--out", str(tmp_path / "a"), "--no-pdf"])
    assert first.exit_code == 0, first.output
    store = EmbeddedStore(synthetic_store)
    store.open()
    ledger = store.privacy_ledger()
    quarters = {f"{year}Q{q}" for year in range(2024, 2031) for q in range(1, 5)}
    spent = sum(ledger.spent("researcher:policy-report", q) for q in quarters)
    assert spent == pytest.approx(3.0)  # three releases of epsilon 1
    again = runner.invoke(app, ["research-report", "--out", str(tmp_path / "b"), "--no-pdf"])
    assert again.exit_code == 0, again.output
    assert sum(ledger.spent("researcher:policy-report", q) for q in quarters) == spent
    store.close()
    strip = re.compile(r"computed [0-9-]+ [0-9:]+ UTC")
    a = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    b = (tmp_path / "b" / "report.html").read_text(encoding="utf-8")
    assert strip.sub("", a) == strip.sub("", b)  # the same noisy answer, not a new draw
    # no family id or name reaches the page
    network = generate(800, 6, SyntheticParameters(end=date(2026, 6, 30)))
    assert not [f.id for f in network.families if f'"{f.id}"' in a or f">{f.id}<" in a]
