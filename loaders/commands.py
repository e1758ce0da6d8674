"""CLI commands of the loaders: ``generate``, ``load`` and ``export``.

``graph_service.cli`` calls :func:`register` with its ``typer`` app and a function that opens
the configured store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graph_service.stores.base import GraphStore
from loaders.exporter import export_graphml, export_store
from loaders.formats import Format
from loaders.importer import REPORT_DIR, ImportFailed, ImportReport, import_folder
from loaders.synthetic import generate, write_network

OpenStore = Callable[[], AbstractContextManager[GraphStore]]
console = Console(stderr=True)


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    GRAPHML = "graphml"


def _counts_table(title: str, counts: dict[str, int]) -> Table:
    table = Table(title=title)
    table.add_column("type")
    table.add_column("records", justify="right")
    for kind, number in counts.items():
        table.add_row(kind, f"{number:,}")
    table.add_row("[bold]total", f"[bold]{sum(counts.values()):,}")
    return table


def _report_table(report: ImportReport) -> Table:
    title = (
        f"imported in {report.seconds:.1f}s ({report.rows_per_second:,.0f} rows/s; "
        f"checking {report.validate_seconds:.1f}s, writing {report.write_seconds:.1f}s)"
    )
    table = Table(title=title)
    table.add_column("type")
    table.add_column("written", justify="right")
    table.add_column("of which updated", justify="right")
    table.add_column("unchanged", justify="right")
    table.add_column("rejected", justify="right")
    for kind, number in report.rows.items():
        table.add_row(
            kind,
            f"{number:,}",
            f"{report.updated.get(kind, 0):,}",
            f"{report.unchanged.get(kind, 0):,}",
            f"{report.rejected.get(kind, 0):,}",
        )
    return table


def register(app: typer.Typer, open_store: OpenStore) -> None:
    """Add ``generate``, ``load`` and ``export`` to ``app``."""

    @app.command("generate")
    def generate_command(
        out: Annotated[Path, typer.Option("--out", help="Folder to write the files to.")],
        families: Annotated[
            int, typer.Option("--families", "-n", min=1, help="Number of families.")
        ] = 1_000,
        seed: Annotated[int, typer.Option(help="Random seed; same seed, same network.")] = 42,
        fmt: Annotated[
            Format, typer.Option("--format", help="csv (one file per type) or jsonl.")
        ] = Format.CSV,
    ) -> None:
        """Generate a synthetic network (see the README, "Synthetic data") in the import format.

        Load it with `graph-service load OUT`."""
        began = time.monotonic()
        network = generate(families, seed)
        made = time.monotonic() - began
        counts = write_network(network, out, fmt)
        console.print(_counts_table(f"{out} ({fmt})", counts))
        console.print(
            f"generated in {made:.1f}s, written in {time.monotonic() - began - made:.1f}s"
        )

    @app.command("load")
    def load_command(
        folder: Annotated[
            Path,
            typer.Argument(
                exists=True,
                file_okay=False,
                help="Folder with regions.csv, families.csv, ... and/or *.jsonl files.",
            ),
        ],
        batch_size: Annotated[
            int | None,
            typer.Option(min=1, help="Rows per transaction (default: GS_BATCH_SIZE)."),
        ] = None,
        skip_invalid: Annotated[
            bool,
            typer.Option(
                help="Write the valid rows and put rejected ones in REPORT_DIR/rejected.jsonl "
                "(default: any problem refuses the whole import, writing nothing)."
            ),
        ] = False,
        update: Annotated[
            bool,
            typer.Option(
                help="Let a record replace a different one stored under the same id "
                "(default: that is a conflict; identical records are always skipped)."
            ),
        ] = False,
        report_dir: Annotated[
            Path | None,
            typer.Option(
                help="Where rejected.jsonl and import-summary.json go (default: FOLDER/_import)."
            ),
        ] = None,
        bulk: Annotated[
            bool,
            typer.Option(
                help="First load into an EMPTY Neo4j database with neo4j-admin (validated "
                "exactly as a normal load; see README, 'Bulk first load')."
            ),
        ] = False,
        neo4j_home: Annotated[
            Path | None,
            typer.Option(
                help="With --bulk: the home folder of the project's Neo4j engine to load "
                "(created if missing); serve it after with "
                "`python -m graph_service.neo4j_engine --home DIR`."
            ),
        ] = None,
        bulk_files: Annotated[
            Path | None,
            typer.Option(
                help="With --bulk and NEO4J_URI (a server you run): where the import files "
                "and import.sh go (default: FOLDER/_import/neo4j-admin)."
            ),
        ] = None,
    ) -> None:
        """Import a folder in the import format into the configured store.

        The whole input is checked before anything is written: every row, every reference,
        duplicates, and conflicts with the stored records. A problem is reported with file,
        line, field and reason (the first 100; the rest are counted) and nothing is written.
        Safe to run again: identical records are skipped, so an interrupted load completes
        with the same contents."""
        if bulk:
            if skip_invalid or update:
                raise typer.BadParameter("--bulk refuses any bad row and replaces nothing")
            _bulk(folder, neo4j_home, bulk_files)
            return
        with open_store() as store:
            try:
                report = import_folder(
                    store,
                    folder,
                    batch_size=batch_size,
                    skip_invalid=skip_invalid,
                    update=update,
                    report_dir=report_dir,
                )
            except ImportFailed as error:
                console.print(error.message, style="red", highlight=False, markup=False)
                raise typer.Exit(1) from None
        console.print(_report_table(report))
        if report.rejected_path:
            console.print(f"[yellow]rejected rows:[/] {report.rejected_path}")

    def _bulk(folder: Path, home: Path | None, files_to: Path | None) -> None:
        from graph_service.neo4j_engine import start_engine
        from graph_service.settings import get_settings
        from graph_service.stores.neo4j_store import Neo4jStore
        from loaders import neo4j_bulk
        from models import DomainError

        settings = get_settings()
        try:
            if home is not None:
                engine = start_engine(home=home)
                try:
                    engine, done = neo4j_bulk.bulk_load(engine, folder)
                finally:
                    engine.stop()
                console.print(_counts_table(f"bulk-loaded into {home}", done.counts))
                console.print(
                    f"{done.rows:,} rows in {done.seconds:.1f}s ({done.rows_per_second:,.0f} "
                    f"rows/s): validating and writing the files {done.validate_seconds:.1f}s, "
                    f"neo4j-admin with the engine's stop and start {done.import_seconds:.1f}s, "
                    f"constraints, indexes and counts {done.schema_seconds:.1f}s\n"
                    f"serve it: python -m graph_service.neo4j_engine --home {home}"
                )
                return
            if not settings.neo4j_uri:
                raise typer.BadParameter("--bulk needs Neo4j: --neo4j-home DIR or NEO4J_URI")
            store = Neo4jStore.from_settings(settings)
            try:
                store.open()
                out = files_to or folder / REPORT_DIR / "neo4j-admin"
                files, _ = neo4j_bulk.prepare_files(
                    store, folder, out, database=settings.neo4j_database
                )
            finally:
                store.close()
            script = neo4j_bulk.write_import_script(files, settings.neo4j_database)
            console.print(_counts_table(f"validated; import files in {out}", files.counts()))
            console.print(
                f"Next, on the server's machine: stop Neo4j, run {script} (NEO4J_HOME set to the "
                "server's home), start Neo4j; the service creates the constraints and indexes "
                "when it opens the store."
            )
        except ImportFailed as error:
            console.print(error.message, style="red", highlight=False, markup=False)
            raise typer.Exit(1) from None
        except DomainError as error:
            console.print(error.message, style="red", highlight=False, markup=False)
            raise typer.Exit(1) from None

    @app.command("export")
    def export_command(
        out: Annotated[Path, typer.Option("--out", help="Folder (or .graphml file) to write.")],
        fmt: Annotated[
            ExportFormat,
            typer.Option("--format", help="csv or jsonl (the import format), or graphml."),
        ] = ExportFormat.CSV,
    ) -> None:
        """Export the whole store (admin only: it contains names and ids).

        csv/jsonl give the import format, so `graph-service load OUT` rebuilds the same graph;
        graphml gives the family graph with cohort and region nodes for Gephi or networkx."""
        import getpass

        from graph_service.stores.audit import AuditAction, record

        with open_store() as store:
            # accountability: whole-store exports hold private data (graph_service/stores/audit.py)
            record(
                store, f"cli:{getpass.getuser()}", AuditAction.EXPORT, "store", f"{fmt} to {out}"
            )
            if fmt is ExportFormat.GRAPHML:
                path = export_graphml(store, out)
                console.print(f"wrote {path}")
                return
            counts = export_store(store, out, Format(fmt.value))
        console.print(_counts_table(f"exported to {out} ({fmt})", counts))
