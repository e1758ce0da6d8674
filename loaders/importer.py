"""Import a folder in the import format (:mod:`loaders.formats`) into a :class:`GraphStore`.

Order: regions, goals, families, cohorts, then memberships, pursuits, help, referrals, so a
relationship may name a node that comes later in the same folder. Rows are validated with
:func:`models.parse` and references are checked against the nodes of this import and of the
store before a batch is written; each batch is one store transaction.

- Default: the first batch with a bad row stops the import with :class:`ImportFailed`, which
  names file, line, field and reason of every bad row in that batch; nothing of that batch is
  written (earlier batches are).
- ``skip_invalid=True``: valid rows are written; rejected rows go to
  ``<report_dir>/rejected.jsonl`` (with file, line and problems) and a summary to
  ``<report_dir>/import-summary.json``.

Batches are idempotent (the stores ``MERGE`` on external ids), so an import that was killed
can simply be run again: it completes without duplicates.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from graph_service.errors import DomainError, NotFound
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
from models import (
    Cohort,
    DomainModel,
    Family,
    FieldProblem,
    Helped,
    MemberOf,
    Pursues,
    Referred,
    ValidationFailed,
    parse,
)

REJECTED_FILE = "rejected.jsonl"
SUMMARY_FILE = "import-summary.json"
REPORT_DIR = "_import"  # default report folder, inside the import folder (never read as data)


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one row of one file."""

    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


class ImportFailed(DomainError):
    """A batch had bad rows; ``rows`` names each (file, line, field, reason)."""

    code = "BAD_USER_INPUT"

    def __init__(self, rows: list[RowProblem]) -> None:
        self.rows = rows
        shown = "\n".join(f"  {p}" for p in rows[:20])
        more = f"\n  ... and {len(rows) - 20} more" if len(rows) > 20 else ""
        first = rows[0] if rows else RowProblem("", 0, "", "")
        super().__init__(
            f"import stopped: {len(rows)} bad row(s); nothing of their batch was written\n"
            f"{shown}{more}",
            field=first.field,
        )


@dataclass
class ImportReport:
    """What an import did: rows written and rejected per type, and how long it took."""

    rows: dict[str, int] = field(default_factory=lambda: {s.name: 0 for s in SPECS})
    rejected: dict[str, int] = field(default_factory=lambda: {s.name: 0 for s in SPECS})
    seconds: float = 0.0
    rejected_path: Path | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "rejected": self.rejected,
            "totalRows": self.total_rows,
            "totalRejected": self.total_rejected,
            "seconds": round(self.seconds, 3),
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


# ---------------------------------------------------------------------------- references
Reference = tuple[str, str, str]  # (field, id, kind of node: region, goal, family, cohort)


def _references(model: DomainModel) -> list[Reference]:
    """The nodes a record names, with the field that names them."""
    if isinstance(model, Family):
        return [("regionId", model.region_id, "region")]
    if isinstance(model, Cohort):
        return [("regionId", model.region_id, "region")] + [
            ("focusGoals", g, "goal") for g in model.focus_goals
        ]
    if isinstance(model, MemberOf):
        refs = [("familyId", model.family_id, "family"), ("cohortId", model.cohort_id, "cohort")]
        if model.invited_by is not None:
            refs.append(("invitedBy", model.invited_by, "family"))
        return refs
    if isinstance(model, Pursues):
        return [("familyId", model.family_id, "family"), ("goalId", model.goal_id, "goal")]
    if isinstance(model, Helped | Referred):
        return [("fromId", model.from_id, "family"), ("toId", model.to_id, "family")]
    return []


class _Known:
    """Ids that exist: written by this import or found in the store (looked up lazily)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.ids: dict[str, set[str]] = {
            "region": {r.id for r in store.list_regions()},
            "goal": {g.id for g in store.list_goals()},
            "family": set(),
            "cohort": set(),
        }
        self.referrer: dict[str, str] = {}

    def look_up(self, references: Sequence[list[Reference]], referrals: list[Referred]) -> None:
        """Fetch from the store the families, cohorts and referrers a batch names."""
        wanted: dict[str, set[str]] = {"family": set(), "cohort": set()}
        for refs in references:
            for _, value, kind in refs:
                if kind in wanted and value not in self.ids[kind]:
                    wanted[kind].add(value)
        if wanted["family"]:
            self.ids["family"] |= set(self.store.get_families(sorted(wanted["family"])))
        if wanted["cohort"]:
            self.ids["cohort"] |= set(self.store.get_cohorts(sorted(wanted["cohort"])))
        ends = {i for r in referrals for i in (r.from_id, r.to_id)} - set(self.referrer)
        if ends:
            stored = self.store.referrer_of(sorted(ends))
            self.referrer.update({k: r.from_id for k, r in stored.items()})

    def problems(self, references: list[Reference]) -> list[FieldProblem]:
        """Dangling references of one record."""
        return [
            FieldProblem(name, f"{kind} {value!r} does not exist")
            for name, value, kind in references
            if value not in self.ids[kind]
        ]

    def referral_problems(self, referral: Referred, pending: dict[str, str]) -> list[FieldProblem]:
        """Second referrer or a cycle, given stored referrals, this import's and ``pending``
        (accepted earlier in the same batch). The stores check again on write."""

        def parent(family: str) -> str | None:
            return pending.get(family) or self.referrer.get(family)

        current = parent(referral.to_id)
        if current is not None:
            if current == referral.from_id:
                return []
            reason = f"family {referral.to_id!r} already has referrer {current!r}"
            return [FieldProblem("toId", reason)]
        node: str | None = referral.from_id
        seen: set[str] = set()
        while node is not None and node not in seen:
            if node == referral.to_id:
                return [FieldProblem("toId", "would close a referral cycle")]
            seen.add(node)
            node = parent(node)
        return []

    def add(self, spec: TypeSpec, models: Sequence[DomainModel]) -> None:
        """Remember what a written batch created."""
        target = self.ids.get(spec.name)
        if target is not None:
            target.update(str(getattr(m, "id", "")) for m in models)
        for m in models:
            if isinstance(m, Referred):
                self.referrer[m.to_id] = m.from_id


# ---------------------------------------------------------------------------- checking a batch
@dataclass
class _Checked:
    good: list[tuple[RawRow, DomainModel]] = field(default_factory=list)
    bad: list[tuple[RawRow, list[FieldProblem]]] = field(default_factory=list)


def _validate(spec: TypeSpec, batch: list[RawRow], known: _Known) -> _Checked:
    parsed: list[tuple[RawRow, DomainModel]] = []
    checked = _Checked()
    for row in batch:
        if row.record is None:
            checked.bad.append((row, [FieldProblem("(line)", row.problem)]))
            continue
        try:
            parsed.append((row, parse(spec.model, row.record)))
        except ValidationFailed as error:
            checked.bad.append((row, error.problems))
    references = [_references(m) for _, m in parsed]
    known.look_up(references, [m for _, m in parsed if isinstance(m, Referred)])
    pending: dict[str, str] = {}  # referrals accepted earlier in this batch
    for (row, model), refs in zip(parsed, references, strict=True):
        problems = known.problems(refs)
        if not problems and isinstance(model, Referred):
            problems = known.referral_problems(model, pending)
            if not problems:
                pending[model.to_id] = model.from_id
        if problems:
            checked.bad.append((row, problems))
        else:
            checked.good.append((row, model))
    checked.bad.sort(key=lambda item: item[0].line)
    return checked


def _row_problems(bad: list[tuple[RawRow, list[FieldProblem]]]) -> list[RowProblem]:
    return [RowProblem(row.file, row.line, p.field, p.reason) for row, ps in bad for p in ps]


# ---------------------------------------------------------------------------- the import
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


def show_progress() -> bool:
    """A progress bar only for a person watching: stderr is a TTY and not under CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def _progress(
    total: int, enabled: bool
) -> tuple[AbstractContextManager[Any], Callable[[int], None]]:
    if not enabled:
        return nullcontext(), lambda _n: None
    progress = Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} rows/s"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    began = time.monotonic()
    task: TaskID = progress.add_task("import", total=total, rate="-")
    done = [0]

    def advance(n: int) -> None:
        done[0] += n
        rate = done[0] / max(time.monotonic() - began, 1e-9)
        progress.update(task, advance=n, rate=f"{rate:,.0f}")

    return progress, advance


def import_folder(
    store: GraphStore,
    folder: Path,
    *,
    batch_size: int | None = None,
    skip_invalid: bool = False,
    report_dir: Path | None = None,
    progress: bool | None = None,
) -> ImportReport:
    """Import every CSV and JSON Lines file of ``folder`` into ``store``.

    ``batch_size`` defaults to ``settings.batch_size``; ``report_dir`` (for the rejected rows
    and the summary when ``skip_invalid``) defaults to ``<folder>/_import``; ``progress``
    defaults to :func:`show_progress`. Raises :class:`ImportFailed` on a bad batch unless
    ``skip_invalid``."""
    size = batch_size or get_settings().batch_size
    if size < 1:
        raise ValueError("batch_size must be at least 1")
    if not folder.is_dir():
        raise NotFound(f"import folder {folder} does not exist", field="folder")
    out = report_dir or folder / REPORT_DIR
    report = ImportReport()
    rejections = _Rejections(out / "rejected.jsonl")
    began = time.monotonic()
    enabled = show_progress() if progress is None else progress
    bar, advance = _progress(count_rows(folder) if enabled else 0, enabled)
    known = _Known(store)
    index = index_folder(folder)
    try:
        with bar:
            for row in unreadable_rows(folder, index):
                problems = [FieldProblem("type", row.problem)]
                _reject_or_fail(report, rejections, skip_invalid, [(row, problems)])
            for spec in SPECS:
                for batch in _batches(iter_rows(folder, spec, index), size):
                    _import_batch(store, spec, batch, known, report, rejections, skip_invalid)
                    advance(len(batch))
    finally:
        rejections.close()
        report.seconds = time.monotonic() - began
    if skip_invalid:
        if report.total_rejected:
            report.rejected_path = rejections.path
        out.mkdir(parents=True, exist_ok=True)
        (out / SUMMARY_FILE).write_text(json.dumps(report.to_json(), indent=2) + "\n")
    return report


def _reject_or_fail(
    report: ImportReport,
    rejections: _Rejections,
    skip_invalid: bool,
    bad: list[tuple[RawRow, list[FieldProblem]]],
) -> None:
    if not bad:
        return
    if not skip_invalid:
        raise ImportFailed(_row_problems(bad))
    for row, problems in bad:
        rejections.write(row, problems)
        report.rejected[row.type] = report.rejected.get(row.type, 0) + 1


def _import_batch(
    store: GraphStore,
    spec: TypeSpec,
    batch: list[RawRow],
    known: _Known,
    report: ImportReport,
    rejections: _Rejections,
    skip_invalid: bool,
) -> None:
    checked = _validate(spec, batch, known)
    _reject_or_fail(report, rejections, skip_invalid, checked.bad)
    upsert: Callable[[Sequence[DomainModel]], int] = getattr(store, spec.upsert)
    models = [m for _, m in checked.good]
    try:
        upsert(models)
    except (NotFound, ValidationFailed) as error:
        # The store saw a problem the pre-check could not (e.g. a referral cycle through
        # stored edges). Nothing of the batch was written; find the rows at fault.
        if not skip_invalid:
            raise ImportFailed(_store_problems(checked.good, error)) from None
        models = _write_one_by_one(upsert, checked.good, report, rejections)
    known.add(spec, models)
    report.rows[spec.name] += len(models)


def _store_problems(good: list[tuple[RawRow, DomainModel]], error: DomainError) -> list[RowProblem]:
    first, last = good[0][0], good[-1][0]
    where = f"{first.line}-{last.line}" if first.line != last.line else str(first.line)
    return [
        RowProblem(
            first.file,
            first.line,
            error.field or "(batch)",
            f"store rejected the batch of lines {where}: {error.message}",
        )
    ]


def _write_one_by_one(
    upsert: Callable[[Sequence[DomainModel]], int],
    good: list[tuple[RawRow, DomainModel]],
    report: ImportReport,
    rejections: _Rejections,
) -> list[DomainModel]:
    written: list[DomainModel] = []
    for row, model in good:
        try:
            upsert([model])
        except (NotFound, ValidationFailed) as error:
            problem = FieldProblem(error.field or "(record)", error.message)
            _reject_or_fail(report, rejections, True, [(row, [problem])])
        else:
            written.append(model)
    return written
