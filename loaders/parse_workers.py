"""The parse of an import's rows on worker processes, while the import checks the batches.

Reading rows (:mod:`loaders.formats`) and parsing them into models (pydantic) is most of the
validate pass's CPU and needs no state (but the vocabulary): :class:`ParseWorkers` runs it on
``n`` worker processes, and the import (:func:`loaders.importer._validate_pass`) keeps every
check that needs state (keys, duplicates, references, referrals, the store's records, the
fingerprints, which are salted per process and so computed there from the values), consuming
the batches in file order; a batch of new records is decided on its encoded values without
its models being built (:mod:`loaders.validation`).

The batches are dealt round robin: worker ``w`` of ``n`` owns the batches ``w, w + n, ...``
of every type. Each worker reads every file of the folder itself, building (and parsing) only
the rows of its own batches (the others' rows are read by the C ``csv`` module but not turned
into records), so the batches are exactly those of the in-process pass and nothing but the
results crosses between processes: per batch, the models encoded as :mod:`loaders.spool`
writes them, the (file, line) of each, the rows rejected with their problems, and (only when
rejected rows are reported) the records. A worker is at most :data:`DEPTH` batches ahead of
the import (a bounded queue), so memory holds a few batches, never the input.

The processes are started with ``spawn`` (a fresh interpreter: the importing process may
hold a Neo4j driver and its threads, which a ``fork`` would copy in an undefined state). A
worker that fails or dies ends the pass with :class:`ParseWorkerFailed`; as the validate pass
precedes every write, nothing has been written then.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from graph_service.settings import get_settings
from loaders.formats import (
    SPECS,
    RawRow,
    TypeSpec,
    csv_paths,
    jsonl_paths,
    read_csv_skipping,
    read_jsonl_lines,
)
from loaders.spool import load_values
from loaders.validation import Parsed, parse_rows
from models import extend_vocabulary, vocabulary

DEPTH = 2  # batches a worker may have parsed ahead of the import
_POLL_S = 0.5  # how often a waiting import checks that the worker is alive
_COLLECT_EVERY_BATCHES = 10  # a worker's collections of the young generations

JsonlIndex = dict[Path, dict[str, list[tuple[int, int]]]]


class ParseWorkerFailed(RuntimeError):
    """A parse worker process failed or died; the import stops, nothing written."""


def _own_batches(
    folder: Path, spec: TypeSpec, index: JsonlIndex, size: int, workers: int, me: int
) -> Iterator[list[RawRow]]:
    """The batches of ``spec``'s rows (as :func:`loaders.importer.iter_rows` gives them, in
    batches of ``size``) that worker ``me`` of ``workers`` owns."""
    seen = 0  # rows of the type so far, own or not

    def skip() -> bool:
        nonlocal seen
        own = (seen // size) % workers == me
        seen += 1
        return not own

    batch: list[RawRow] = []
    path = csv_paths(folder).get(spec.name)
    if path is not None:
        for row in read_csv_skipping(spec, path, folder=folder, skip=skip):
            if row is not None:
                batch.append(row)
                if seen % size == 0:  # the last row of its batch
                    yield batch
                    batch = []
    for jsonl, places in index.items():
        pending: list[tuple[int, int]] = []  # own lines of this file, not read yet
        for place in places.get(spec.name, []):
            if skip():
                continue
            pending.append(place)
            if seen % size == 0:  # the last row of its batch
                batch.extend(read_jsonl_lines(jsonl, spec.name, pending, folder=folder))
                pending = []
                yield batch
                batch = []
        batch.extend(read_jsonl_lines(jsonl, spec.name, pending, folder=folder))
    if batch:
        yield batch


def _work(
    folder: Path,
    index: JsonlIndex,
    size: int,
    workers: int,
    me: int,
    keep_records: bool,
    terms: dict[str, dict[str, str]],
    out: Any,
) -> None:
    """A worker process: every batch it owns, parsed, then ``("end",)`` after each type."""
    try:
        extend_vocabulary(**terms)
        # As in the importing process, no automatic collections (they cost a quarter of a
        # worker's time: every batch allocates its rows' records and models), only of the
        # young generations every few batches, for the cycles a rejected row's exception
        # leaves; the modules' objects are frozen out of every collection.
        gc.freeze()
        gc.disable()
        parsed_batches = 0
        for spec in SPECS:
            for batch in _own_batches(folder, spec, index, size, workers, me):
                parsed_batches += 1
                if parsed_batches % _COLLECT_EVERY_BATCHES == 0:
                    gc.collect(1)
                parsed = parse_rows(spec, batch, keep_records=keep_records)
                out.put(
                    (
                        "batch",
                        parsed.rows,
                        parsed.places,
                        parsed.encoded,
                        parsed.rejected,
                        parsed.records,
                    )
                )
            out.put(("end",))
    except BaseException:  # reported to the import, which stops
        out.put(("error", traceback.format_exc()))


class ParseWorkers:
    """``n`` parse worker processes for one validate pass over ``folder``; use as a context
    manager (leaving it ends the processes), :meth:`batches` once per type in import order."""

    def __init__(
        self, folder: Path, index: JsonlIndex, size: int, n: int, *, keep_records: bool
    ) -> None:
        context = multiprocessing.get_context("spawn")
        terms = {k: dict(v) for k, v in asdict(vocabulary()).items()}
        self.queues: list[Any] = [context.Queue(maxsize=DEPTH) for _ in range(n)]
        self.processes: list[BaseProcess] = [
            context.Process(
                target=_work,
                args=(folder, index, size, n, me, keep_records, terms, self.queues[me]),
                name=f"import-parse-{me}",
                daemon=True,
            )
            for me in range(n)
        ]
        for process in self.processes:
            process.start()

    def __enter__(self) -> ParseWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the workers (those still parsing ahead, when the pass stopped early)."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join()
        for q in self.queues:
            q.close()
            q.cancel_join_thread()

    def _next(self, me: int, spec: TypeSpec) -> tuple[Any, ...]:
        while True:
            try:
                message: tuple[Any, ...] = self.queues[me].get(timeout=_POLL_S)
            except queue.Empty:
                process = self.processes[me]
                if not process.is_alive():
                    raise ParseWorkerFailed(
                        f"parse worker {me} died (exit code {process.exitcode}) while the "
                        f"{spec.name} rows were checked"
                    ) from None
                continue
            if message[0] == "error":
                raise ParseWorkerFailed(f"parse worker {me} failed:\n{message[1]}")
            return message

    def batches(self, spec: TypeSpec) -> Iterator[Parsed]:
        """The parsed batches of ``spec``, in file order (call for each type of SPECS in
        order, consuming each to its end)."""
        n = len(self.processes)
        k = 0
        while True:
            message = self._next(k % n, spec)
            if message[0] == "end":
                for other in range(n):
                    if other != k % n and self._next(other, spec)[0] != "end":
                        raise ParseWorkerFailed(
                            f"parse workers disagree on the {spec.name} batches"
                        )
                return
            _, rows, places, encoded, rejected, records = message
            model, values = load_values(encoded)
            if model is not spec.model:
                raise ParseWorkerFailed(f"parse worker {k % n} sent {model.__name__} rows")
            yield Parsed(rows, model, places, values, rejected, records, known_encoded=encoded)
            k += 1


@contextmanager
def parse_workers(
    folder: Path, index: JsonlIndex, size: int, *, keep_records: bool
) -> Iterator[ParseWorkers | None]:
    """The parse worker processes of a validate pass (``settings.import_workers``), or None
    (parse in this process) when they are 0 or 1 or the input has fewer than
    ``settings.import_workers_min_rows`` rows."""
    settings = get_settings()
    n = settings.import_workers
    if n <= 1 or not has_rows(folder, settings.import_workers_min_rows):
        yield None
        return
    with ParseWorkers(folder, index, size, n, keep_records=keep_records) as workers:
        yield workers


def has_rows(folder: Path, at_least: int) -> bool:
    """Whether the folder's files have ``at_least`` lines (counted in blocks, up to there)."""
    lines = 0
    for path in [*csv_paths(folder).values(), *jsonl_paths(folder)]:
        with path.open("rb") as handle:
            while lines < at_least and (block := handle.read(1 << 20)):
                lines += block.count(b"\n")
    return lines >= at_least
