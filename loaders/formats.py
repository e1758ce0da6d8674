"""The import/export format: CSV (one file per type) or JSON Lines (one record a line).

CSV: one file per node or relationship type with a header row of the model's camelCase field
names (``regions.csv``, ``goals.csv``, ``families.csv``, ``cohorts.csv``, ``memberships.csv``,
``pursuits.csv``, ``help.csv``, ``referrals.csv``). List fields (``languages``, ``strengths``,
``needs``, ``focusGoals``) are ``;``-separated; a family's consent is three boolean columns
``consentMatching``, ``consentCrossRegion``, ``consentResearch`` (``true``/``false``); its
private household facts are ``householdFactsAdultAges``, ``householdFactsMarried``,
``householdFactsChildAges``, ``householdFactsChildAgeBands`` (ages and bands ``;``-separated).
An empty cell means "not given" (the model's default applies).

JSON Lines: every line is an object with a ``"type"`` (``region``, ``goal``, ``family``,
``cohort``, ``membership``, ``pursuit``, ``help``, ``referral``) and the camelCase fields; a
family's consent may be nested (``"consent": {"matching": true, ...}``, as written by the
exporter) or flat like the CSV columns.

Records are validated by :func:`models.parse` on import, never here: this module only turns
cells into the plain values the models accept, after checking that they are text at all.
Reading never raises on bad bytes; a row that is not acceptable text carries its problems
(:attr:`RawRow.problems`), each naming the field:

- text must be valid UTF-8 and may not contain NUL characters (``\\0``, also not as the JSON
  escape ``\\u0000``; nor lone surrogates such as ``\\udc80``);
- a cell (a CSV field, a JSON string) is at most :data:`MAX_CELL_CHARS` characters;
- a JSON Lines line is at most :data:`MAX_LINE_BYTES` bytes and nests at most
  :data:`MAX_JSON_DEPTH` levels (the record is level 1, its ``consent`` object or a list is 2);
- a CSV field over 128 KiB (the ``csv`` module's limit) makes its row unreadable.

>>> spec = SPEC_BY_TYPE["family"]
>>> spec.file, spec.upsert
('families.csv', 'upsert_families')
>>> record_from_cells(spec, {"id": "a", "languages": "en;es", "consentResearch": "true"})
{'id': 'a', 'languages': ['en', 'es'], 'consent': {'research': 'true'}}
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, cast

from models import (
    Cohort,
    DomainModel,
    Family,
    FieldProblem,
    Goal,
    Helped,
    MemberOf,
    Pursues,
    Referred,
    Region,
)

LIST_SEPARATOR = ";"
CONSENT_COLUMNS = {
    "consentMatching": "matching",
    "consentCrossRegion": "crossRegion",
    "consentResearch": "research",
}

HOUSEHOLD_COLUMNS = {
    "householdFactsAdultAges": "adultAges",
    "householdFactsMarried": "married",
    "householdFactsChildAges": "childAges",
    "householdFactsChildAgeBands": "childAgeBands",
}
HOUSEHOLD_LISTS = frozenset({"adultAges", "childAges", "childAgeBands"})


MAX_CELL_CHARS = 4096  # a CSV cell or JSON string; the longest model field allows 500
MAX_LINE_BYTES = 1 << 20  # one JSON Lines line (1 MiB)
MAX_JSON_DEPTH = 4  # record (1) > consent object or list (2) > ... (a record needs 2)


class Format(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


@dataclass(frozen=True)
class TypeSpec:
    """One node or relationship type of the format."""

    name: str  # the JSON Lines "type" value
    model: type[DomainModel]
    file: str  # the CSV file name
    columns: tuple[str, ...]  # CSV header, camelCase
    upsert: str  # the GraphStore method that writes a batch of this type
    is_node: bool


def _columns(model: type[DomainModel]) -> tuple[str, ...]:
    names: list[str] = []
    for name, info in model.model_fields.items():
        alias = info.alias or name
        if alias == "consent":
            names.extend(CONSENT_COLUMNS)
        elif alias == "householdFacts":
            names.extend(HOUSEHOLD_COLUMNS)
        else:
            names.append(alias)
    return tuple(names)


def _spec(type_: str, model: type[DomainModel], file: str, upsert: str, node: bool) -> TypeSpec:
    return TypeSpec(type_, model, file, _columns(model), upsert, node)


# Import order: nodes before relationships, so relationships may name nodes from later files.
SPECS: tuple[TypeSpec, ...] = (
    _spec("region", Region, "regions.csv", "upsert_regions", True),
    _spec("goal", Goal, "goals.csv", "upsert_goals", True),
    _spec("family", Family, "families.csv", "upsert_families", True),
    _spec("cohort", Cohort, "cohorts.csv", "upsert_cohorts", True),
    _spec("membership", MemberOf, "memberships.csv", "upsert_memberships", False),
    _spec("pursuit", Pursues, "pursuits.csv", "upsert_pursuits", False),
    _spec("help", Helped, "help.csv", "upsert_help", False),
    _spec("referral", Referred, "referrals.csv", "upsert_referrals", False),
)
SPEC_BY_TYPE: dict[str, TypeSpec] = {s.name: s for s in SPECS}
SPEC_BY_MODEL: dict[type[DomainModel], TypeSpec] = {s.model: s for s in SPECS}
LIST_FIELDS = frozenset({"languages", "strengths", "needs", "focusGoals"})
# The columns :func:`record_from_cells` folds or splits (the others are kept as they are).
_FOLDED = frozenset(CONSENT_COLUMNS) | frozenset(HOUSEHOLD_COLUMNS) | LIST_FIELDS
JSONL_FILE = "graph.jsonl"


# ---------------------------------------------------------------------------- cells <-> records
def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def cells_of(model: DomainModel) -> dict[str, str]:
    """The CSV cells of a record (its type's columns)."""
    record = model.to_record()
    consent = record.pop("consent", None)
    if isinstance(consent, dict):
        for column, key in CONSENT_COLUMNS.items():
            record[column] = consent[key]
    household = record.pop("householdFacts", None)
    if isinstance(household, dict):
        for column, key in HOUSEHOLD_COLUMNS.items():
            record[column] = household[key]
    return {column: _cell(value) for column, value in record.items()}


def record_from_cells(spec: TypeSpec, cells: Mapping[str, str | None]) -> dict[str, Any]:
    """The plain camelCase record of a CSV row, ready for :func:`models.parse`.

    Empty cells are left out (the model's default applies, or it reports the field missing);
    unknown columns are kept so that validation names them."""
    if _FOLDED.isdisjoint(cells):  # plain columns only (help, memberships...): each as it is
        return {column: value for column, raw in cells.items() if (value := (raw or "").strip())}
    record: dict[str, Any] = {}
    consent: dict[str, str] = {}
    household: dict[str, Any] = {}
    for column, raw in cells.items():
        value = (raw or "").strip()
        if column in CONSENT_COLUMNS:
            if value:
                consent[CONSENT_COLUMNS[column]] = value
        elif column in HOUSEHOLD_COLUMNS:
            key = HOUSEHOLD_COLUMNS[column]
            if key in HOUSEHOLD_LISTS:
                household[key] = [v.strip() for v in value.split(LIST_SEPARATOR) if v.strip()]
            elif value:
                household[key] = value
        elif column in LIST_FIELDS:
            record[column] = [v.strip() for v in value.split(LIST_SEPARATOR) if v.strip()]
        elif value:
            record[column] = value
    if consent:
        record["consent"] = consent
    if any(household.values()):
        record["householdFacts"] = household
    return record


def record_from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON Lines object without its ``type``; flat consent columns folded into ``consent``."""
    record = {k: v for k, v in data.items() if k != "type"}
    flat = {CONSENT_COLUMNS[k]: record.pop(k) for k in list(record) if k in CONSENT_COLUMNS}
    if flat:
        nested = record.get("consent")
        record["consent"] = {**(nested if isinstance(nested, dict) else {}), **flat}
    return record


def json_line_of(model: DomainModel) -> str:
    """One JSON Lines record (``type`` first, then the camelCase fields)."""
    spec = SPEC_BY_MODEL[type(model)]
    return json.dumps({"type": spec.name, **model.to_record()}, ensure_ascii=False)


# ---------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class RawRow:
    """One row as read: where it came from and the plain record to validate."""

    type: str
    file: str  # file name relative to the import folder
    line: int  # 1-based line number in the file (the CSV header is line 1)
    record: dict[str, Any] | None  # None if the line could not be read at all
    problem: str = ""  # why the line could not be read
    problems: tuple[FieldProblem, ...] = ()  # text that is not acceptable, by field


def text_problem(value: str) -> str:
    r"""Why ``value`` is not acceptable text ("" if it is).

    >>> text_problem("caf\u00e9"), text_problem("a\x00b"), text_problem("x" * 5000)[:18]
    ('', 'contains a NUL character', 'is 5000 characters')
    """
    if len(value) > MAX_CELL_CHARS:
        return f"is {len(value)} characters; the limit is {MAX_CELL_CHARS}"
    if "\x00" in value:
        return "contains a NUL character"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            return f"is not valid UTF-8 (bad byte or lone surrogate at character {error.start})"
    return ""


def _cell_problems(cells: Mapping[str, str | None]) -> tuple[FieldProblem, ...]:
    joined = "\x1f".join(v or "" for v in cells.values())
    if len(joined) <= MAX_CELL_CHARS and not text_problem(joined):
        return ()  # the common case: one check for the whole row
    found = []
    for column, value in cells.items():
        reason = text_problem(value) if value else ""
        if reason:
            found.append(FieldProblem(column, reason))
    return tuple(found)


def _json_problems(value: Any, where: str, depth: int, out: list[FieldProblem]) -> None:
    if isinstance(value, str):
        reason = text_problem(value)
        if reason:
            out.append(FieldProblem(where, reason))
    elif isinstance(value, dict | list):
        if depth > MAX_JSON_DEPTH:
            out.append(FieldProblem(where, f"nests deeper than {MAX_JSON_DEPTH} levels"))
            return
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and (reason := text_problem(key)):
                out.append(FieldProblem(f"{where}.{key[:40]}" if where else key[:40], reason))
            _json_problems(item, f"{where}.{key}" if where else str(key), depth + 1, out)


def csv_paths(folder: Path) -> dict[str, Path]:
    """The CSV files of ``folder`` that exist, by type."""
    return {s.name: folder / s.file for s in SPECS if (folder / s.file).is_file()}


def jsonl_paths(folder: Path) -> list[Path]:
    """The JSON Lines files directly in ``folder`` (sub-folders, e.g. reports, are ignored)."""
    return sorted(p for p in folder.glob("*.jsonl") if p.is_file())


def read_csv(spec: TypeSpec, path: Path, *, folder: Path) -> Iterator[RawRow]:
    """The rows of one CSV file. Bytes that are not UTF-8 are kept as lone surrogates
    (``surrogateescape``) so that the row, not the file, is reported."""
    return cast(Iterator[RawRow], read_csv_skipping(spec, path, folder=folder, skip=None))


def read_csv_skipping(
    spec: TypeSpec, path: Path, *, folder: Path, skip: Callable[[], bool] | None
) -> Iterator[RawRow | None]:
    """:func:`read_csv`, asking ``skip()`` once per row (in order) whether to build it: a
    skipped row comes out as None, its cells read but not turned into a record (a parse
    worker reads the whole file and builds only the rows of its own batches)."""
    name = str(path.relative_to(folder))
    with path.open(newline="", encoding="utf-8", errors="surrogateescape") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, [])
        except csv.Error as error:
            yield (
                None
                if skip and skip()
                else RawRow(spec.name, name, 1, None, f"unreadable CSV header ({error})")
            )
            return
        bad_header = _cell_problems({c: c for c in header})
        if bad_header:
            reason = f"header column {bad_header[0].reason}"
            named = (FieldProblem("(header)", reason),)
            yield None if skip and skip() else RawRow(spec.name, name, 1, None, reason, named)
            return
        unknown = [c for c in header if c not in spec.columns]
        width = len(header)
        ended = 1  # the line the previous row ended on
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:  # e.g. a field over the csv module's 128 KiB limit
                reason = f"unreadable CSV row ({error})"
                yield None if skip and skip() else RawRow(spec.name, name, ended + 1, None, reason)
                ended = reader.line_num
                continue
            line = ended = reader.line_num
            if not cells:
                continue  # a blank line
            if skip is not None and skip():
                yield None
                continue
            if len(cells) > width:
                yield RawRow(spec.name, name, line, None, "more cells than header columns")
                continue
            by_column = dict(zip(header, cells, strict=False))
            joined = "\x1f".join(cells)  # one check for the whole row in the common case
            ok = len(joined) <= MAX_CELL_CHARS and "\x00" not in joined and joined.isascii()
            problems = () if ok else _cell_problems(by_column)
            if problems:
                yield RawRow(spec.name, name, line, None, problems[0].reason, problems)
                continue
            record = record_from_cells(spec, by_column)
            if unknown:  # keep unknown columns so that validation names them
                record.update({c: by_column[c] for c in unknown if c in by_column})
            yield RawRow(spec.name, name, line, record)


def _read_line(handle: IO[bytes]) -> bytes | None:
    """The next line, or None if it is longer than MAX_LINE_BYTES (then skipped to its end)."""
    raw = handle.readline(MAX_LINE_BYTES + 1)
    if len(raw) <= MAX_LINE_BYTES or raw.endswith(b"\n"):
        return raw
    while raw and not raw.endswith(b"\n"):
        raw = handle.readline(MAX_LINE_BYTES)
    return None


def index_jsonl(path: Path) -> dict[str, list[tuple[int, int]]]:
    """(line number, byte offset) of every line of each type; unreadable lines under ``""``."""
    index: dict[str, list[tuple[int, int]]] = {}
    with path.open("rb") as handle:
        offset, number = 0, 0
        while True:
            raw = _read_line(handle)
            number += 1
            if raw == b"":
                return index
            if raw is None or raw.strip():
                index.setdefault(_json_type(raw), []).append((number, offset))
            offset = handle.tell()


def _json_type(raw: bytes | None) -> str:
    if raw is None:
        return ""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return ""
    kind = data.get("type") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else ""


def _json_row(type_: str, name: str, number: int, raw: bytes | None) -> RawRow:
    if raw is None:
        return RawRow(type_, name, number, None, f"line longer than {MAX_LINE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return RawRow(type_, name, number, None, f"not valid UTF-8 (byte {error.start + 1})")
    try:
        data = json.loads(text)
    except RecursionError:
        return RawRow(type_, name, number, None, f"nests deeper than {MAX_JSON_DEPTH} levels")
    except ValueError as error:
        return RawRow(type_, name, number, None, f"not valid JSON ({error})")
    if not isinstance(data, dict) or data.get("type") not in SPEC_BY_TYPE:
        reason = f"needs a 'type', one of: {', '.join(SPEC_BY_TYPE)}"
        return RawRow(type_, name, number, None, reason, (FieldProblem("type", reason),))
    problems: list[FieldProblem] = []
    _json_problems(data, "", 1, problems)
    if problems:
        return RawRow(type_, name, number, None, problems[0].reason, tuple(problems))
    return RawRow(type_, name, number, record_from_json(data))


def read_jsonl_lines(
    path: Path, type_: str, places: list[tuple[int, int]], *, folder: Path
) -> Iterator[RawRow]:
    """The rows of one type at ``places`` (from :func:`index_jsonl`)."""
    name = str(path.relative_to(folder))
    with path.open("rb") as handle:
        for number, offset in places:
            handle.seek(offset)
            yield _json_row(type_, name, number, _read_line(handle))


# ---------------------------------------------------------------------------- writing
class RecordWriter:
    """Writes records to a folder in one format; use as a context manager."""

    def __init__(self, folder: Path, fmt: Format) -> None:
        self.folder = folder
        self.format = fmt
        self._handles: dict[str, IO[str]] = {}
        self._csv: dict[str, csv.DictWriter[str]] = {}
        self.counts: dict[str, int] = {s.name: 0 for s in SPECS}
        folder.mkdir(parents=True, exist_ok=True)
        if fmt is Format.CSV:  # every file with its header, even when empty
            for spec in SPECS:
                self._csv_writer(spec)

    def _csv_writer(self, spec: TypeSpec) -> csv.DictWriter[str]:
        writer = self._csv.get(spec.name)
        if writer is None:
            handle = (self.folder / spec.file).open("w", newline="", encoding="utf-8")
            self._handles[spec.name] = handle
            writer = csv.DictWriter(handle, fieldnames=list(spec.columns), lineterminator="\n")
            writer.writeheader()
            self._csv[spec.name] = writer
        return writer

    def _jsonl_handle(self) -> IO[str]:
        handle = self._handles.get("jsonl")
        if handle is None:
            handle = (self.folder / JSONL_FILE).open("w", encoding="utf-8")
            self._handles["jsonl"] = handle
        return handle

    def write(self, model: DomainModel) -> None:
        spec = SPEC_BY_MODEL[type(model)]
        if self.format is Format.CSV:
            self._csv_writer(spec).writerow(cells_of(model))
        else:
            self._jsonl_handle().write(json_line_of(model) + "\n")
        self.counts[spec.name] += 1

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
