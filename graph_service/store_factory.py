"""Choose and open the configured store: ``NEO4J_URI`` set means Neo4j, else the embedded file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from graph_service.settings import Settings, get_settings
from graph_service.stores.base import GraphStore
from graph_service.stores.embedded import EmbeddedStore


def create_store(settings: Settings | None = None) -> GraphStore:
    """A new, unopened store for ``settings`` (one Neo4j driver per call: call once per process)."""
    settings = settings or get_settings()
    if settings.uses_neo4j:
        from graph_service.stores.neo4j_store import Neo4jStore

        return Neo4jStore.from_settings(settings)
    return EmbeddedStore(settings.embedded_path)


@contextmanager
def open_store(settings: Settings | None = None) -> Iterator[GraphStore]:
    """Open the configured store for the duration of a ``with`` block (CLI commands use this)."""
    store = create_store(settings)
    store.open()
    try:
        yield store
    finally:
        store.close()
