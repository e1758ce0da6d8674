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
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from queue import Full, Queue
from typing import IO, Any, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from graph_service.errors import Conflict, DomainError, NotFound
from graph_service.kinds import KIND_OF_MODEL
from graph_service.settings import get_settings
from graph_service.stores.base import ChangeSet, GraphStore, PreparedWrite
from loaders.formats import (
    SPEC_BY_TYPE,
    SPECS,
    RawRow,
    TypeSpec,
    csv_paths,
    index_jsonl,
    jsonl_paths,
    read_csv,
    read_jsonl_lines,
)
from loaders.parse_workers import ParseWorkerFailed, parse_workers
from loaders.spool import Sink, Spooled, SpoolWriter, spooled_batches
from loaders.validation import CONFLICT, Checker, Parsed, Rejected, parse_rows
from models import DomainModel, FieldProblem, ValidationFailed

REJECTED_FILE = "rejected.jsonl"
SUMMARY_FILE = "import-summary.json"
REPORT_DIR = "_import"  # default report folder, inside the import folder (never read as data)
MAX_PROBLEMS = 100  # problems an ImportFailed lists; the rest are counted
COLLECT_EVERY_ROWS = 50_000  # rows between two collections of the young generations
T = TypeVar("T")


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one row of one file."""

    file: str
    line: int
    field: str
    reason: str
    code: str = "BAD_USER_INPUT"  # CONFLICT: clashes with what the store holds

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


class ImportFailed(DomainError):
    """The input had problems and nothing was written. ``rows`` names each (file, line,
    field, reason), at most :data:`MAX_PROBLEMS`; ``more`` counts the problems left out.
    ``code`` is ``CONFLICT`` when every problem is a clash with the store."""

    def __init__(self, rows: list[RowProblem], *, more: int = 0, written: bool = False) -> None:
        self.rows = rows
        self.more = more
        self.code = CONFLICT if rows and all(r.code == CONFLICT for r in rows) else "BAD_USER_INPUT"
        shown = "\n".join(f"  {p}" for p in rows)
        rest = f"\n  ... and {more} more problem(s)" if more else ""
        first = rows[0] if rows else RowProblem("", 0, "", "")
        outcome = "the batches before this one were written" if written else "nothing was written"
        super().__init__(
            f"import refused: {len(rows) + more} problem(s); {outcome}\n{shown}{rest}",
            field=first.field,
        )


class ImportStopped(ImportFailed):
    """The import stopped before its first write for a reason that is not the input's (a
    parse worker process failed or died); nothing was written."""

    def __init__(self, reason: str) -> None:
        DomainError.__init__(self, f"import stopped: {reason}\nnothing was written")
        self.rows, self.more, self.code = [], 0, "INTERNAL_SERVER_ERROR"


@dataclass
class ImportReport:
    """What an import did per type: rows written (``rows``, of which ``updated`` replaced a
    different stored record), rows skipped as already stored or repeated (``unchanged``),
    rows rejected; and how long the validate and write passes took."""

    rows: dict[str, int] = field(default_factory=lambda: {s.name: 0 for s in SPECS})
    unchanged: dict[str, int] = field(default_factory=lambda: {s.name: 0 for s in SPECS})
    updated: dict[str, int] = field(default_factory=lambda: {s.name: 0 for s in SPECS})
    rejected: dict[str, int] = field(default_factory=lambda: {s.name: 0 for s in SPECS})
    seconds: float = 0.0
    validate_seconds: float = 0.0
    write_seconds: float = 0.0
    rejected_path: Path | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_unchanged(self) -> int:
        return sum(self.unchanged.values())

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())

    @property
    def rows_per_second(self) -> float:
        """Rows read (written, unchanged or rejected) per second of the whole import."""
        read = self.total_rows + self.total_unchanged + self.total_rejected
        return read / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "unchanged": self.unchanged,
            "updated": self.updated,
            "rejected": self.rejected,
            "totalRows": self.total_rows,
            "totalUnchanged": self.total_unchanged,
            "totalRejected": self.total_rejected,
            "seconds": round(self.seconds, 3),
            "validateSeconds": round(self.validate_seconds, 3),
            "writeSeconds": round(self.write_seconds, 3),
            "rowsPerSecond": round(self.rows_per_second, 1),
            "rejectedPath": str(self.rejected_path) if self.rejected_path else None,
        }


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
class _Rejections:
    """Writes rejected rows to ``rejected.jsonl`` (opened on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def write(self, row: RawRow, problems: Sequence[FieldProblem]) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", encoding="utf-8")
        entry = {
            "file": row.file,
            "line": row.line,
            "type": row.type,
            "problems": [{"field": p.field, "reason": p.reason} for p in problems],
            "record": row.record,
        }
        self._handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


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
    rejections = _Rejections(out / REJECTED_FILE)
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
            _write_pass(store, spool, skip_invalid, report, rejections, bar)
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
    rejections = _Rejections(folder / REPORT_DIR / REJECTED_FILE)  # unused: never skip_invalid
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
    rejections: _Rejections,
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
                    if checked.models and not refused:
                        new = checked.updated == 0
                        if checked.whole and parsed.encoded and isinstance(sink, SpoolWriter):
                            sink.encoded(spec.name, checked.places, parsed.encoded, new)
                        else:
                            sink(spec.name, checked.places, checked.models, new)
                        spooled.rows += len(checked.models)
                    bar.advance(parsed.rows)
                    young.after(parsed.rows)
    except ParseWorkerFailed as error:
        raise ImportStopped(str(error)) from None
    return spooled


def _spooled_batches(spool: IO[bytes]) -> Iterator[Spooled]:
    """The batches :func:`_pickler` spooled (our own temporary file)."""
    return spooled_batches(spool)


def _prefetched(batches: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``batches``, each read (unpickled) on a thread of its own while the one before it is
    being written: the store's round trip and the decoding of the next batch overlap."""
    done = object()
    queue: Queue[Any] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        """Queue ``item`` unless the consumer has stopped (then never block on a full queue)."""
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            put(error)
            return
        put(done)

    reader = threading.Thread(target=produce, name="import-prefetch", daemon=True)
    reader.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


Prepared = tuple[str, list[tuple[str, int]], list[DomainModel], bool, PreparedWrite]


def _write_pass(
    store: GraphStore,
    spool: IO[bytes],
    skip_invalid: bool,
    report: ImportReport,
    rejections: _Rejections,
    bar: _Bar,
) -> None:
    """Write the spooled batches. Into a store that takes concurrent writes, up to
    ``Settings.import_writers`` batches of one type are in flight at once (each its own
    transaction, on a thread of a small pool); a type's batches are all written before the
    next type's begin, so a relationship never waits for a node written beside it. Each batch
    is settled here, in spool order: counted, or its problem handled (see :func:`_settle`)."""
    writers = get_settings().import_writers if store.takes_concurrent_writes else 1
    batches = _prefetched(_prepared(store, spool), depth=writers + 1)
    if writers == 1:
        for batch in batches:
            _settle(store, batch, _outcome(store, batch[4]), skip_invalid, report, rejections)
            bar.advance(len(batch[2]))
            _collect_young()
        return
    in_flight: deque[tuple[Prepared, Future[DomainError | None]]] = deque()
    with ThreadPoolExecutor(writers, thread_name_prefix="import-writer") as pool:
        try:
            for batch in batches:
                while in_flight and (len(in_flight) >= writers or in_flight[0][0][0] != batch[0]):
                    done, outcome = in_flight.popleft()
                    _settle(store, done, outcome.result(), skip_invalid, report, rejections)
                    bar.advance(len(done[2]))
                    _collect_young()
                in_flight.append((batch, pool.submit(_outcome, store, batch[4])))
            while in_flight:
                done, outcome = in_flight.popleft()
                _settle(store, done, outcome.result(), skip_invalid, report, rejections)
                bar.advance(len(done[2]))
        finally:
            for _, outcome in in_flight:  # an import that stops waits for what is in flight
                outcome.cancel()
            wait([outcome for _, outcome in in_flight])


def _outcome(store: GraphStore, prepared: PreparedWrite) -> DomainError | None:
    """Write one batch; the store's refusal of it (a problem the validate pass could not see)
    is returned, to be settled in spool order; any other error is raised."""
    try:
        store.write(prepared)
    except (NotFound, ValidationFailed, Conflict) as error:
        return error
    return None


def _settle(
    store: GraphStore,
    batch: Prepared,
    refused: DomainError | None,
    skip_invalid: bool,
    report: ImportReport,
    rejections: _Rejections,
) -> None:
    """Count a written batch. One the store refused (e.g. a referral cycle through stored
    edges, or a key a concurrent writer stored meanwhile; nothing of it was written) stops
    the import with :class:`ImportFailed`, or with ``skip_invalid`` is written record by
    record, each refused one rejected."""
    name, places, models, new, _ = batch
    written = len(models)
    if refused is not None:
        if not skip_invalid:
            raise ImportFailed(_store_problems(name, places, refused), written=True) from None
        upsert = _writer(store, name, new)
        written = _write_one_by_one(upsert, name, places, models, report, rejections)
    report.rows[name] += written


def _prepared(store: GraphStore, spool: IO[bytes]) -> Iterator[Prepared]:
    """The spooled batches, each with its write prepared by the store (its parameter rows
    built: :meth:`GraphStore.prepare`). Run on the prefetch thread, this overlaps the
    store's writing of one batch."""
    for name, places, models, new in _spooled_batches(spool):
        yield name, places, models, new, store.prepare(_changes(name, models, new))


def _changes(name: str, models: Sequence[DomainModel], new: bool) -> ChangeSet:
    """The one-part change set writing a batch of type ``name``."""
    part = KIND_OF_MODEL[SPEC_BY_TYPE[name].model].part
    return ChangeSet.of_part(part, models, new_records=new)


def _writer(store: GraphStore, name: str, new: bool) -> Callable[[Sequence[DomainModel]], None]:
    """Writes a batch of type ``name`` in one transaction. A batch whose keys were all new
    when checked is written with ``new_records`` (created, not merged: the engine's rate); if
    one of them was stored meanwhile, by another writer, the store refuses the batch with
    CONFLICT and writes none of it."""

    def write(models: Sequence[DomainModel]) -> None:
        store.write(_changes(name, models, new))

    return write


def _store_problems(
    name: str, places: list[tuple[str, int]], error: DomainError
) -> list[RowProblem]:
    (file, first), (_, last) = places[0], places[-1]
    where = f"{first}-{last}" if first != last else str(first)
    reason = f"store rejected the {name} batch of lines {where}: {error.message}"
    return [RowProblem(file, first, error.field or "(batch)", reason, error.code)]


def _write_one_by_one(
    upsert: Callable[[Sequence[DomainModel]], None],
    name: str,
    places: list[tuple[str, int]],
    models: list[DomainModel],
    report: ImportReport,
    rejections: _Rejections,
) -> int:
    written = 0
    for (file, line), model in zip(places, models, strict=True):
        try:
            upsert([model])
        except (NotFound, ValidationFailed, Conflict) as error:
            problem = FieldProblem(error.field or "(record)", error.message)
            rejections.write(RawRow(name, file, line, model.to_record()), [problem])
            report.rejected[name] += 1
        else:
            written += 1
    return written
