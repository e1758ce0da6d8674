"""The write pass of an import (:mod:`loaders.importer`): the spooled batches, each prepared
by the store on a reading thread (:func:`prefetched`), written one transaction per batch,
several at once into a store that takes concurrent writes (``Settings.import_writers``)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from queue import Full, Queue
from typing import IO, Any, TypeVar

from graph_service.errors import Conflict, DomainError, NotFound
from graph_service.kinds import KIND_OF_MODEL
from graph_service.settings import get_settings
from graph_service.stores.base import ChangeSet, GraphStore, PreparedWrite
from loaders.formats import SPEC_BY_TYPE, RawRow
from loaders.import_report import ImportFailed, ImportReport, Rejections, RowProblem
from loaders.spool import spooled_batches
from models import DomainModel, FieldProblem, ValidationFailed

T = TypeVar("T")


def prefetched(batches: Iterator[T], depth: int = 2) -> Iterator[T]:
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


def write_pass(
    store: GraphStore,
    spool: IO[bytes],
    skip_invalid: bool,
    report: ImportReport,
    rejections: Rejections,
    advance: Callable[[int], None],
) -> None:
    """Write the spooled batches. Into a store that takes concurrent writes, up to
    ``Settings.import_writers`` batches that only create new help
    (:meth:`ChangeSet.creates_concurrently`) are in flight at once, each its own transaction
    on a thread of a small pool; any other batch is written alone. A type's batches are all
    written before the next type's begin, so a relationship never waits for a node written
    beside it. Each batch
    is settled here, in spool order: counted, or its problem handled (see :func:`_settle`),
    then ``advance`` is called with its rows (the progress bar, the young collections)."""
    writers = get_settings().import_writers if store.takes_concurrent_writes else 1
    batches = prefetched(_prepared(store, spool), depth=writers + 1)
    if writers == 1:
        for batch in batches:
            _settle(store, batch, _outcome(store, batch[4]), skip_invalid, report, rejections)
            advance(len(batch[2]))
        return
    in_flight: deque[tuple[Prepared, Future[DomainError | None]]] = deque()
    with ThreadPoolExecutor(writers, thread_name_prefix="import-writer") as pool:
        try:
            for batch in batches:
                # Batches of other kinds take the writers' lock first: one at a time.
                limit = writers if batch[4].changes.creates_concurrently() else 1
                while in_flight and (len(in_flight) >= limit or in_flight[0][0][0] != batch[0]):
                    done, outcome = in_flight.popleft()
                    _settle(store, done, outcome.result(), skip_invalid, report, rejections)
                    advance(len(done[2]))
                in_flight.append((batch, pool.submit(_outcome, store, batch[4])))
            while in_flight:
                done, outcome = in_flight.popleft()
                _settle(store, done, outcome.result(), skip_invalid, report, rejections)
                advance(len(done[2]))
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
    rejections: Rejections,
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
    for name, places, models, new in spooled_batches(spool):
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
    rejections: Rejections,
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
