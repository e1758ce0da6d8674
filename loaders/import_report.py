"""What an import reports: a problem of a row, the refusal of an import, the report of one
that ran, and the rejected rows' file (``--skip-invalid``). Shared by the two passes
(:mod:`loaders.importer`, :mod:`loaders.write_pass`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from loaders.formats import SPECS, RawRow
from loaders.validation import CONFLICT
from models import DomainError, FieldProblem

MAX_PROBLEMS = 100  # problems an ImportFailed lists; the rest are counted


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
        outcome = (
            "the batches before this one (and any written beside it) were written"
            if written
            else "nothing was written"
        )
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


class Rejections:
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
