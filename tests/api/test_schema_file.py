"""The committed ``schema.graphql`` is exactly what the code exports."""

from __future__ import annotations

from pathlib import Path

from graph_service.api.schema import schema_sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_sdl(), (
        "schema.graphql is out of date: run `graph-service export-schema` and commit it"
    )
