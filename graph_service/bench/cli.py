"""The ``bench`` command: ``graph-service bench [CASES...] --families N --seed S
--stores embedded,neo4j --json PATH``."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from graph_service.bench import StoreOpener, discover_cases, run_cases
from graph_service.settings import get_settings
from graph_service.stores.base import NODE_LABELS, GraphStore

# Given a store kind ("embedded" or "neo4j"), opens a fresh, empty store of that kind.
StoreFactory = Callable[[str], AbstractContextManager[GraphStore]]
KINDS = ("embedded", "neo4j")


class DefaultStores:
    """Fresh stores for benchmarks: embedded in a temporary folder; Neo4j at
    ``settings.neo4j_uri``, or on an engine started here (stopped when the run ends)."""

    def __init__(self, resources: ExitStack) -> None:
        self.resources = resources
        self.neo4j_uri: str | None = get_settings().neo4j_uri
        # A database named by settings may hold real data: it is used only if it is empty.
        self.may_clear = self.neo4j_uri is None

    @contextmanager
    def open(self, kind: str) -> Iterator[GraphStore]:
        if kind == "embedded":
            from graph_service.stores.embedded import EmbeddedStore

            with tempfile.TemporaryDirectory(prefix="bench-embedded-") as folder:
                store = EmbeddedStore(Path(folder) / "graph.sqlite")
                store.open()
                try:
                    yield store
                finally:
                    store.close()
        elif kind == "neo4j":
            from graph_service.stores.neo4j_store import Neo4jStore

            settings = get_settings().model_copy(update={"neo4j_uri": self._neo4j_uri()})
            neo = Neo4jStore.from_settings(settings)
            neo.open()
            try:
                self._make_empty(neo)
                yield neo
            finally:
                neo.close()
        else:
            raise typer.BadParameter(f"unknown store {kind!r}; known: {', '.join(KINDS)}")

    def _make_empty(self, store: GraphStore) -> None:
        """Empty the database for a measurement, refusing to wipe one that had data before
        this run (e.g. NEO4J_URI pointing at a real database)."""
        if not self.may_clear:
            nodes = sum(store.counts().get(label, 0) for label in NODE_LABELS)
            if nodes:
                raise typer.BadParameter(
                    f"the Neo4j database at NEO4J_URI holds {nodes:,} nodes; benchmarks need an "
                    "empty one (unset NEO4J_URI to let the bench start its own engine)"
                )
            self.may_clear = True  # empty now: whatever it holds from here on is ours
        clear_all = getattr(store, "clear_all", None)
        if clear_all is not None:
            clear_all()

    def _neo4j_uri(self) -> str:
        if self.neo4j_uri is None:
            from graph_service.neo4j_engine import start_engine

            engine = start_engine()
            self.resources.callback(engine.stop)
            self.neo4j_uri = engine.uri
        return self.neo4j_uri


def register_bench(app: typer.Typer, open_store_factory: StoreFactory | None = None) -> None:
    """Add ``bench`` to ``app``. ``open_store_factory(kind)`` opens a fresh, empty store of a
    kind; by default :class:`DefaultStores` (Neo4j from settings or a started engine)."""

    @app.command("bench")
    def bench(
        cases: Annotated[
            list[str] | None,
            typer.Argument(help="Cases to run (default: all). See --list."),
        ] = None,
        families: Annotated[
            int, typer.Option("--families", "-n", min=1, help="Synthetic families.")
        ] = 10_000,
        seed: Annotated[int, typer.Option(help="Seed of the synthetic network.")] = 42,
        stores: Annotated[
            str, typer.Option(help="Comma-separated stores to measure: embedded,neo4j.")
        ] = "embedded",
        json_path: Annotated[
            Path | None, typer.Option("--json", help="Write the results as JSON here.")
        ] = Path("bench-results.json"),
        list_cases: Annotated[
            bool, typer.Option("--list", help="List the cases and exit.")
        ] = False,
    ) -> None:
        """Run benchmarks on synthetic data: each case prints its figures, a baseline measured
        in the same process, and the ratio. Speed is reported, never asserted."""
        console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
        if list_cases:
            for name, case in discover_cases().items():
                console.print(f"[bold]{name}[/]: {case.help}")
            return
        kinds = [k.strip() for k in stores.split(",") if k.strip()]
        for kind in kinds:
            if kind not in KINDS:
                raise typer.BadParameter(f"unknown store {kind!r}; known: {', '.join(KINDS)}")
        with ExitStack() as resources:
            factory = open_store_factory or DefaultStores(resources).open
            openers = {kind: _opener(factory, kind) for kind in kinds}
            try:
                run_cases(cases or [], families, seed, openers, json_path, console=console)
            except KeyError as error:
                raise typer.BadParameter(str(error.args[0])) from None


def _opener(factory: StoreFactory, kind: str) -> StoreOpener:
    def opener() -> AbstractContextManager[GraphStore]:
        return factory(kind)

    return opener
