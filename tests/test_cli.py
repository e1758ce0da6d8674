"""The CLI end to end on the embedded store: demo data, tokens, pictures, research export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph_service.cli import app
from graph_service.settings import get_settings


@pytest.fixture
def demo_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("GS_EMBEDDED_PATH", str(tmp_path / "demo.sqlite"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    yield tmp_path
    get_settings.cache_clear()


def test_pictures(demo_store: Path) -> None:
    runner = CliRunner()
    for args, name in (
        (["picture", "ripple", "--root", "ana"], "ripple.png"),
        (["picture", "growth"], "growth.svg"),
        (["picture", "regions"], "regions.png"),
    ):
        out = demo_store / name
        result = runner.invoke(app, [*args, "--out", str(out)])
        assert result.exit_code == 0, result.output
        head = out.read_bytes()[:200]
        assert head.startswith(b"\x89PNG") or b"<svg" in head
    spanish = demo_store / "growth-es.svg"
    result = runner.invoke(app, ["picture", "growth", "--locale", "es", "--out", str(spanish)])
    assert result.exit_code == 0, result.output
    text = spanish.read_text(encoding="utf-8")
    assert "Crecimiento por invitaciones · todas las regiones" in text


def test_research_export_writes_safe_tables(demo_store: Path) -> None:
    result = CliRunner().invoke(
        app, ["research-export", "network", "--out", str(demo_store / "r"), "--format", "parquet"]
    )
    assert result.exit_code == 0, result.output
    import pandas as pd  # type: ignore[import-untyped]  # pandas-stubs is not a dev dependency

    for path in (demo_store / "r").glob("*.parquet"):
        frame = pd.read_parquet(path)
        assert str(frame["count"].dtype) == "Int64", path.name  # nullable, never NaN floats
        assert frame.loc[frame["suppressed"], "count"].isna().all()
        assert frame.loc[~frame["suppressed"], "count"].notna().all()
    assert (demo_store / "r" / "network_figures.parquet").exists()


def test_token_is_issued(demo_store: Path) -> None:
    result = CliRunner().invoke(app, ["token", "organizer", "olga", "--region", "oakland"])
    assert result.exit_code == 0 and result.output.count(".") == 2  # a JWT
