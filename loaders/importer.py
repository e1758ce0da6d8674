"""Import a folder in the import format (:mod:`loaders.formats`) into a :class:`GraphStore`.

Order: regions, goals, families, cohorts, then memberships, pursuits, help, referrals, so a
relationship may name a node that comes later in the same folder.

An import has two passes. The *validate* pass reads every row once, a batch at a time, and
checks it (:class:`loaders.validation.Checker`: the model, every reference, duplicates inside
the input, conflicts with what the store holds); the rows to write go, already validated, to a
temporary spool file on disk, so memory holds only keys and fingerprints, never the records.
Only when the whole input is good does the *write* pass send the spooled batches to the
store, one transaction per batch.

- Default: any problem anywhere stops the import before its first write, with
  :class:`ImportFailed`, which names file, line, field and reason of every problem up to
  :data:`MAX_PROBLEMS` (and counts the rest). Nothing is written.
- ``skip_invalid=True``: valid rows are written; rejected rows go to
  ``<report_dir>/rejected.jsonl`` (with file, line and problems) and a summary to
  ``<report_dir>/import-summary.json``.
- A record identical to the stored one is skipped (re-importing is a no-op); a different
  record under a stored key is a ``CONFLICT`` unless ``update=True``.

Batches are idempotent (the stores ``MERGE`` on external ids), so an import that was killed
can simply be run again: it completes with the same contents.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from graph_service.errors import NotFound
from graph_service.settings import get_settings
from graph_service.stores.base import GraphStore
from loaders.formats import (
    SPECS,
    RawRow,
    TypeSpec,
    csv_paths,
    index_jsonl,
    jsonl_paths,
    read_csv,
    read_jsonl_lines,
)
from loaders.import_report import (
    MAX_PROBLEMS,
    ImportFailed,
    ImportReport,
    ImportStopped,
    Rejections,
    RowProblem,
)
from loaders.parse_workers import ParseWorkerFailed, parse_workers
from loaders.spool import Sink, SpoolWriter
from loaders.validation import Checker, Parsed, Rejected, parse_rows
from loaders.write_pass import write_pass
from models import FieldProblem

# The import's outcomes live in loaders.import_report; they are named here too, where callers
# of import_folder look for them.
__all__ = [
    "MAX_PROBLEMS",
    "ImportFailed",
    "ImportReport",
    "ImportStopped",
    "RowProblem",
    "count_rows",
    "import_folder",
    "index_folder",
    "iter_rows",
    "show_progress",
    "validate_folder",
]

REJECTED_FILE = "rejected.jsonl"
SUMMARY_FILE = "import-summary.json"
REPORT_DIR = "_import"  # default report folder, inside the import folder (never read as data)
COLLECT_EVERY_ROWS = 50_000  # rows between two collections of the young generations
T = TypeVar("T")


JsonlIndex = dict[Path, dict[str, list[tuple[int, int]]]]


def index_folder(folder: Path) -> JsonlIndex:
    """Where each type's lines are in the folder's JSON Lines files (one pass each)."""
    return {path: index_jsonl(path) for path in jsonl_paths(folder)}


def iter_rows(folder: Path, spec: TypeSpec, index: JsonlIndex) -> Iterator[RawRow]:
    """Every row of one type in ``folder``: its CSV file, then its lines in JSON Lines files."""
    path = csv_paths(folder).get(spec.name)
    if path is not None:
        yield from read_csv(spec, path, folder=folder)
    for jsonl, places in index.items():
        yield from read_jsonl_lines(jsonl, spec.name, places.get(spec.name, []), folder=folder)


def unreadable_rows(folder: Path, index: JsonlIndex) -> list[RawRow]:
    """JSON Lines lines without a known type (they belong to no type's pass)."""
    known = {s.name for s in SPECS}
    out: list[RawRow] = []
    for jsonl, places in index.items():
        for kind, lines in places.items():
            if kind not in known:
                out.extend(read_jsonl_lines(jsonl, kind, lines, folder=folder))
    return out


def count_rows(folder: Path) -> int:
    """Data rows in the folder (for the progress bar)."""
    total = 0
    for path in csv_paths(folder).values():
        with path.open("rb") as handle:
            total += max(0, sum(1 for _ in handle) - 1)
    for path in jsonl_paths(folder):
        with path.open("rb") as handle:
            total += sum(1 for line in handle if line.strip())
    return total


def _batches(rows: Iterable[RawRow], size: int) -> Iterator[list[RawRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


# ---------------------------------------------------------------------------- reporting
class _Problems:
    """Problems of a refused import: the first :data:`MAX_PROBLEMS` kept, the rest counted."""

    def __init__(self) -> None:
        self.rows: list[RowProblem] = []
        self.more = 0

    def add(self, rejected: Rejected) -> None:
        for p in rejected.problems:
            if len(self.rows) < MAX_PROBLEMS:
                row = rejected.row
                self.rows.append(RowProblem(row.file, row.line, p.field, p.reason, rejected.code))
            else:
                self.more += 1

    def __bool__(self) -> bool:
        return bool(self.rows)


def show_progress() -> bool:
    """A progress bar only for a person watching: stderr is a TTY and not under CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")


class _Bar:
    """A progress bar per pass (``checking``, then ``writing``) or nothing."""

    def __init__(self, enabled: bool) -> None:
        self.progress: Progress | None = None
        if enabled:
            self.progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]} rows/s"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
            )
        self._task: Any = None
        self._done = 0
        self._began = 0.0

    def context(self) -> AbstractContextManager[Any]:
        return self.progress if self.progress is not None else nullcontext()

    def begin(self, label: str, total: int) -> None:
        if self.progress is not None:
            self._task = self.progress.add_task(label, total=total, rate="-")
            self._done, self._began = 0, time.monotonic()

    def advance(self, n: int) -> None:
        if self.progress is not None:
            self._done += n
            rate = self._done / max(time.monotonic() - self._began, 1e-9)
            self.progress.update(self._task, advance=n, rate=f"{rate:,.0f}")


# ---------------------------------------------------------------------------- the import
@contextmanager
def _young_collections_only() -> Iterator[None]:
    """No automatic (full) garbage collections while importing; the passes collect the young
    generations after each batch (:func:`_collect_young`), so short-lived cycles are still
    freed. A full collection walks every object of the process (an embedded store's graph
    at 100,000 families is millions), and an import allocates enough to trigger dozens."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _YoungCollections:
    """Collects the young generations every :data:`COLLECT_EVERY_ROWS` rows (automatic
    collections are off: :func:`_young_collections_only`). What it frees are the cycles an
    import leaves behind (a rejected row's exception and its traceback, a store read's
    result), so collecting every few batches still bounds that garbage to the rows between
    two collections; collecting after every batch cost ~0.7 s of 12 at 20,000 families, most
    of it walking the live objects of the batch at hand again and again."""

    def __init__(self) -> None:
        self.rows = 0

    def after(self, rows: int) -> None:
        self.rows += rows
        if self.rows >= COLLECT_EVERY_ROWS:
            self.rows = 0
            _collect_young()


def _collect_young() -> None:
    if not gc.isenabled():
        gc.collect(1)


def import_folder(
    store: GraphStore,
    folder: Path,
    *,
    batch_size: int | None = None,
    skip_invalid: bool = False,
    update: bool = False,
    report_dir: Path | None = None,
    progress: bool | None = None,
) -> ImportReport:
    """Import every CSV and JSON Lines file of ``folder`` into ``store``.

    ``batch_size`` defaults to ``settings.batch_size``; ``report_dir`` (for the rejected rows
    and the summary when ``skip_invalid``) defaults to ``<folder>/_import``; ``progress``
    defaults to :func:`show_progress`. Raises :class:`ImportFailed`, having written nothing,
    if any row has a problem, unless ``skip_invalid``; ``update`` lets a record replace a
    different stored one under the same key."""
    size = batch_size or get_settings().batch_size
    if size < 1:
        raise ValueError("batch_size must be at least 1")
    if not folder.is_dir():
        raise NotFound(f"import folder {folder} does not exist", field="folder")
    out = report_dir or folder / REPORT_DIR
    report = ImportReport()
    rejections = Rejections(out / REJECTED_FILE)
    began = time.monotonic()
    bar = _Bar(show_progress() if progress is None else progress)
    try:
        with (
            bar.context(),
            tempfile.TemporaryFile(prefix="graph-import-") as spool,
            _young_collections_only(),
        ):
            bar.begin("checking", count_rows(folder) if bar.progress else 0)
            spooled = _validate_pass(
                store, folder, size, update, skip_invalid, report, rejections, spool, bar
            )
            report.validate_seconds = time.monotonic() - began
            if not skip_invalid and spooled.problems:
                raise ImportFailed(spooled.problems.rows, more=spooled.problems.more)
            bar.begin("writing", spooled.rows)
            spool.seek(0)
            young = _YoungCollections()

            def advance(rows: int) -> None:
                bar.advance(rows)
                young.after(rows)

            write_pass(store, spool, skip_invalid, report, rejections, advance)
    finally:
        rejections.close()
        report.seconds = time.monotonic() - began
        report.write_seconds = report.seconds - report.validate_seconds
    if skip_invalid:
        if report.total_rejected:
            report.rejected_path = rejections.path
        out.mkdir(parents=True, exist_ok=True)
        (out / SUMMARY_FILE).write_text(json.dumps(report.to_json(), indent=2) + "\n")
    return report


def _pickler(spool: IO[bytes]) -> SpoolWriter:
    """The :data:`Sink` spooling the accepted batches to ``spool`` (:mod:`loaders.spool`)."""
    return SpoolWriter(spool)


def validate_folder(
    store: GraphStore, folder: Path, sink: Sink, *, batch_size: int | None = None
) -> ImportReport:
    """The validate pass of :func:`import_folder` alone: every row checked exactly as an
    import checks it (against ``store``), each accepted batch handed to ``sink``. Raises
    :class:`ImportFailed` if any row has a problem (``sink`` may then have seen batches of the
    rows before the first problem; nothing is written to ``store``)."""
    size = batch_size or get_settings().batch_size
    if not folder.is_dir():
        raise NotFound(f"import folder {folder} does not exist", field="folder")
    report = ImportReport()
    began = time.monotonic()
    rejections = Rejections(folder / REPORT_DIR / REJECTED_FILE)  # unused: never skip_invalid
    with _young_collections_only():
        spooled = _validate_pass(
            store, folder, size, False, False, report, rejections, sink, _Bar(False)
        )
    report.validate_seconds = report.seconds = time.monotonic() - began
    if spooled.problems:
        raise ImportFailed(spooled.problems.rows, more=spooled.problems.more)
    return report


@dataclass
class _Spooled:
    rows: int = 0
    problems: _Problems = field(default_factory=_Problems)


def _validate_pass(
    store: GraphStore,
    folder: Path,
    size: int,
    update: bool,
    skip_invalid: bool,
    report: ImportReport,
    rejections: Rejections,
    spool: IO[bytes] | Sink,
    bar: _Bar,
) -> _Spooled:
    """Check every row; hand the batches to write, as (type, places, models), to ``spool``: a
    temporary file (:mod:`loaders.spool`) or a :data:`Sink` (the bulk load writes them as its
    files). The rows are parsed on worker processes (:mod:`loaders.parse_workers`) or here; a
    worker's failure is an :class:`ImportStopped`."""
    sink: Sink = spool if callable(spool) else _pickler(spool)
    checker = Checker(store, update=update)
    index = index_folder(folder)
    spooled = _Spooled()

    def reject(rejected: Rejected) -> None:
        report.rejected[rejected.row.type] = report.rejected.get(rejected.row.type, 0) + 1
        if skip_invalid:
            rejections.write(rejected.row, rejected.problems)
        spooled.problems.add(rejected)

    for row in unreadable_rows(folder, index):
        reject(Rejected(row, list(row.problems) or [FieldProblem("(line)", row.problem)]))
    young = _YoungCollections()
    try:
        with parse_workers(folder, index, size, keep_records=skip_invalid) as workers:
            for spec in SPECS:
                batches: Iterable[Parsed] = (
                    workers.batches(spec)
                    if workers is not None
                    else (
                        parse_rows(spec, b) for b in _batches(iter_rows(folder, spec, index), size)
                    )
                )
                for parsed in batches:
                    checked = checker.check_parsed(spec, parsed)
                    for rejected in checked.rejected:
                        reject(rejected)
                    report.unchanged[spec.name] += checked.unchanged
                    report.updated[spec.name] += checked.updated
                    refused = spooled.problems and not skip_invalid  # then only check the rest
                    if checked.places and not refused:
                        new = checked.updated == 0
                        if checked.written is not None and isinstance(sink, SpoolWriter):
                            sink.encoded(spec.name, checked.places, checked.written.encoded, new)
                        else:
                            sink(spec.name, checked.places, checked.models, new)
                        spooled.rows += len(checked.places)
                    bar.advance(parsed.rows)
                    young.after(parsed.rows)
    except ParseWorkerFailed as error:
        raise ImportStopped(str(error)) from None
    return spooled
