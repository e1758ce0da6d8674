"""A first load into an empty Neo4j database at the engine's own speed: ``load DIR --bulk``.

1. The database must hold nothing but the ``Meta`` counters (anything else would be destroyed:
   :class:`NotEmpty` refuses before any work).
2. The input is checked exactly as :func:`loaders.importer.import_folder` checks it (the same
   validate pass, against the same store); a bad input raises
   :class:`~loaders.importer.ImportFailed` and nothing is written.
3. The accepted records are written, as they are validated, to the CSV files that
   ``neo4j-admin database import full`` reads (:class:`AdminFiles`): one header and one body
   file per record kind of the registry (:data:`graph_service.kinds.KINDS`), with the stored
   shape of :mod:`graph_service.stores.records` (typed columns: ``long``, ``double``,
   ``boolean``, ``date``, ``string[]``), plus ``LIVES_IN`` from each family's ``regionId``
   (as ``queries/upsert_families.cypher`` writes it).
4. The project's engine (:mod:`graph_service.neo4j_engine`) is stopped, the import tool
   (``org.neo4j.cli.AdminTool`` from ``neo4j-command-line``, among the engine's jars) replaces
   the database, the engine starts again on the same home and port, the store's own schema
   (``queries/schema.cypher``: constraints and indexes) is created and awaited, and the counts
   are checked against what was validated (:class:`CountMismatch` otherwise).

For a server the user runs (``NEO4J_URI``), :func:`prepare_files` does steps 1-3 and writes
``import.sh`` with the ``neo4j-admin`` command to run while that server is stopped.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

import neo4j

from graph_service.errors import ConfigurationError, Conflict
from graph_service.kinds import KIND, KINDS, RecordKind
from graph_service.neo4j_engine import Neo4jEngine, ensure_engine_built, start_engine
from graph_service.stores.base import NODE_LABELS, RELATIONSHIP_TYPES
from graph_service.stores.neo4j_store import Neo4jStore
from graph_service.stores.records import ENDPOINTS
from loaders.importer import ImportReport, validate_folder
from models import DomainModel
from queries import cypher

ARRAY_DELIMITER = "\x1f"  # unit separator: never in an id or a vocabulary term (checked)
# Relationships the Neo4j store derives from a node's reference (queries/upsert_families.cypher).
DERIVED_RELATIONSHIPS: dict[str, tuple[str, str]] = {"family": ("region_id", "LIVES_IN")}


class NotEmpty(Conflict):
    """The database holds data a bulk load would destroy; nothing was done."""


class CountMismatch(ConfigurationError):
    """After the import the database does not hold what was validated."""


class AdminImportFailed(ConfigurationError):
    """``neo4j-admin database import`` exited with an error (its output's tail is in the
    message)."""


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def _endpoint_labels(kind: RecordKind) -> tuple[str, str]:
    """Labels of the start and end nodes of a relationship kind, from its references."""
    start, end = ENDPOINTS[kind.model]
    by_field = {_camel(name): KIND[target].graph_name for name, target in kind.references}
    return by_field[start], by_field[end]


def _neo4j_type(kind: type) -> str | None:
    """The import tool's column type for values of ``kind`` (None: no value, no property)."""
    if kind is type(None):
        return None
    if issubclass(kind, Enum):
        return "string"  # the vocabularies are string enums
    names = {bool: "boolean", int: "long", float: "double", date: "date", datetime: "datetime"}
    if kind in names:
        return names[kind]
    return "string[]" if kind in (tuple, list) else "string"


def _column_type(seen: set[type], column: str) -> str:
    types = {t for t in map(_neo4j_type, seen) if t is not None}
    if not types:
        return "string"  # no value in any row: the property is never set
    if len(types) == 1:
        return next(iter(types))
    if types == {"long", "double"}:
        return "double"
    raise ConfigurationError(f"column {column!r} mixes value types {sorted(types)}")


@dataclass(frozen=True)
class _Plan:
    """How a model's attributes become the columns of its file: the same names and values as
    :func:`graph_service.stores.records.to_record` (nested models flattened with their field
    name as prefix), read straight from the model (no dump of every record)."""

    ids: tuple[Callable[[Any], Any], ...]
    props: list[str]
    getters: tuple[Callable[[Any], Any], ...]


@cache
def _plan(model_type: type[DomainModel], is_node: bool) -> _Plan:
    columns: list[tuple[str, Callable[[Any], Any]]] = []
    for name, info in model_type.model_fields.items():
        alias = info.alias or name
        nested = info.annotation
        if isinstance(nested, type) and issubclass(nested, DomainModel):
            for inner, inner_info in nested.model_fields.items():
                inner_alias = inner_info.alias or inner
                column = alias + inner_alias[:1].upper() + inner_alias[1:]
                columns.append((column, attrgetter(f"{name}.{inner}")))
        else:
            columns.append((alias, attrgetter(name)))
    id_names = ("id",) if is_node else ENDPOINTS[model_type]
    by_name = dict(columns)
    return _Plan(
        tuple(by_name[n] for n in id_names),
        [c for c, _ in columns if c not in id_names],
        tuple(get for c, get in columns if c not in id_names),
    )


@dataclass
class _KindFile:
    """The header and body of one node label or relationship type."""

    name: str  # file stem
    graph_name: str
    is_node: bool
    id_column: str  # header of the first column(s): "id:ID(Family)" or ":START_ID(A),:END_ID(B)"
    body: IO[str]
    columns: list[str] | None = None
    seen: dict[str, set[type]] = field(default_factory=dict)
    rows: int = 0

    def add(self, ids: list[str], columns: list[str], values: list[Any], admin: AdminFiles) -> None:
        if self.columns is None:
            self.columns = columns
            self.seen = {c: set() for c in self.columns}
        cells = [admin.quoted(i) for i in ids]
        for column, value in zip(columns, values, strict=True):
            cells.append(admin.cell(value, self.seen[column]))
        self.body.write(",".join(cells))
        self.body.write("\n")
        self.rows += 1

    def header(self) -> str:
        columns = self.columns or []
        typed = [f"{c}:{_column_type(self.seen[c], c)}" for c in columns]
        return ",".join([self.id_column, *typed])


class AdminFiles:
    """The CSV files of ``neo4j-admin database import full`` for the records handed to
    :meth:`add` (a :data:`loaders.importer.Sink`), written as they come."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.multiline = False  # a string with a line break needs --multiline-fields
        self._formats: dict[type, Callable[[Any], str]] = {type(None): lambda _: ""}
        self._files: dict[str, _KindFile] = {}
        self._derived: dict[str, tuple[str, _KindFile]] = {}
        for kind in KINDS:
            if kind.is_node:
                if kind.key_fields != ("id",):
                    raise ConfigurationError(f"node kind {kind.name} is not keyed by its id")
                column = f"id:ID({kind.graph_name})"
            else:
                start, end = _endpoint_labels(kind)
                column = f":START_ID({start}),:END_ID({end})"
            self._files[kind.name] = self._open(kind.name, kind.graph_name, kind.is_node, column)
        for name, (reference, rel_type) in DERIVED_RELATIONSHIPS.items():
            kind = KIND[name]
            target = dict(kind.references)[reference]
            column = f":START_ID({kind.graph_name}),:END_ID({KIND[target].graph_name})"
            derived = self._open(rel_type.lower(), rel_type, False, column)
            self._derived[name] = (reference, derived)

    def _open(self, name: str, graph_name: str, is_node: bool, column: str) -> _KindFile:
        body = (self.folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
        return _KindFile(name, graph_name, is_node, column, body)

    # a Sink ----------------------------------------------------------------------------
    def __call__(
        self, name: str, places: list[tuple[str, int]], models: list[DomainModel], new: bool
    ) -> None:
        self.add(name, models)  # into an empty database: every record is new

    def add(self, name: str, models: list[DomainModel]) -> None:
        file = self._files[name]
        derived = self._derived.get(name)
        for model in models:
            plan = _plan(type(model), file.is_node)
            ids = [str(get(model)) for get in plan.ids]
            file.add(ids, plan.props, [get(model) for get in plan.getters], self)
            if derived is not None:
                reference, rel = derived
                rel.add([ids[0], str(getattr(model, reference))], [], [], self)

    # cells -------------------------------------------------------------------------------
    def quoted(self, text: str) -> str:
        if "\n" in text or "\r" in text:
            self.multiline = True
        return '"' + text.replace('"', '""') + '"'

    def cell(self, value: Any, seen: set[type]) -> str:
        kind = type(value)
        seen.add(kind)
        format = self._formats.get(kind)
        if format is None:
            format = self._formats[kind] = self._format_of(kind)
        return format(value)

    def _format_of(self, kind: type) -> Callable[[Any], str]:
        """How a value of ``kind`` is written (see :func:`_neo4j_type` for its column type)."""
        if issubclass(kind, Enum):
            return lambda value: self.cell(value.value, set())
        if kind is bool:
            return lambda value: "true" if value else "false"
        if kind is int:
            return str
        if kind is float:
            return repr
        if kind in (date, datetime):
            return lambda value: str(value.isoformat())
        if kind is str:
            return self.quoted
        if kind in (tuple, list):
            return self._array
        raise ConfigurationError(f"a value of type {kind.__name__} cannot be bulk loaded")

    def _array(self, items: Any) -> str:
        texts = [item.value if isinstance(item, Enum) else item for item in items]
        for text in texts:
            if not isinstance(text, str) or ARRAY_DELIMITER in text:
                raise ConfigurationError(f"list item {text!r} cannot be bulk loaded")
        return self.quoted(ARRAY_DELIMITER.join(texts))

    # the command ---------------------------------------------------------------------------
    def close(self) -> None:
        for file in self.all_files():
            file.body.close()
            (self.folder / f"{file.name}.header.csv").write_text(file.header() + "\n", "utf-8")

    def all_files(self) -> Iterator[_KindFile]:
        yield from self._files.values()
        for _, derived in self._derived.values():
            yield derived

    def counts(self) -> dict[str, int]:
        """Nodes per label and relationships per type in the files (as ``store.counts()``)."""
        return {file.graph_name: file.rows for file in self.all_files()}

    def arguments(self, database: str) -> list[str]:
        """``neo4j-admin database import full`` arguments after ``full``."""
        args = [
            database,  # first: the file lists after --nodes/--relationships take every word
            "--overwrite-destination=true",
            f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}",
            '--quote="',
            "--normalize-types=false",
            f"--max-off-heap-memory={os.environ.get('GS_NEO4J_IMPORT_MEMORY', '2g')}",
            f"--threads={max(1, os.cpu_count() or 1)}",
            f"--report-file={self.folder / 'import.report'}",  # not in the working directory
        ]
        if self.multiline:
            args.append("--multiline-fields=true")
        for file in self.all_files():
            option = "--nodes" if file.is_node else "--relationships"
            header, body = self.folder / f"{file.name}.header.csv", self.folder / f"{file.name}.csv"
            args.append(f"{option}={file.graph_name}={header},{body}")
        return args


@dataclass
class BulkReport:
    """What a bulk load did and how long each step took."""

    counts: dict[str, int]
    validate_seconds: float = 0.0  # validating and writing the files (one pass)
    import_seconds: float = 0.0  # stopping the engine, neo4j-admin, restarting it
    schema_seconds: float = 0.0  # constraints and indexes, awaited, and the counts checked
    seconds: float = 0.0
    files: Path | None = None
    store_mib: float = 0.0  # the database's files on disk after the import (indexes included)
    files_mib: float = 0.0  # the import files

    @property
    def rows(self) -> int:
        return sum(self.counts.values()) - self.counts.get("LIVES_IN", 0)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def other_nodes(driver: neo4j.Driver, database: str = "neo4j") -> dict[str, int]:
    """Nodes other than the ``Meta`` counters, by label (at most 1,000 looked at)."""
    quiet = [neo4j.NotificationDisabledClassification.UNRECOGNIZED]  # no Meta label yet: fine
    with driver.session(database=database, notifications_disabled_classifications=quiet) as s:
        rows = list(s.run(cypher("bulk_other_nodes"), limit=1000))
    return {str(r["label"]): int(r["nodes"]) for r in rows}


def _require_empty(driver: neo4j.Driver, database: str, where: str) -> None:
    found = other_nodes(driver, database)
    if found:
        held = ", ".join(f"{n:,}{'+' if n >= 1000 else ''} {label}" for label, n in found.items())
        raise NotEmpty(
            f"--bulk replaces the whole database and needs an empty one; {where} holds {held} "
            "(use `graph-service load` without --bulk to add to it)",
            field="database",
        )


def prepare_files(
    store: Neo4jStore, folder: Path, out: Path, *, database: str = "neo4j"
) -> tuple[AdminFiles, ImportReport]:
    """Refuse a non-empty database, validate ``folder`` against ``store`` and write the
    import files to ``out``. Raises :class:`NotEmpty` or :class:`ImportFailed`."""
    _require_empty(store._driver, database, store.uri or "the database")
    files = AdminFiles(out)
    try:
        report = validate_folder(store, folder, files)
    finally:
        files.close()
    return files, report


def admin_command(files: AdminFiles, database: str = "neo4j") -> list[str]:
    """``java ... AdminTool database import full ...`` on the project's engine jars."""
    cache = ensure_engine_built()
    heap = os.environ.get("GS_NEO4J_HEAP", "1g")
    return [
        "java",
        f"-Xmx{heap}",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "-cp",
        f"{cache / 'lib'}/*",
        "org.neo4j.cli.AdminTool",
        "database",
        "import",
        "full",
        *files.arguments(database),
    ]


def write_import_script(files: AdminFiles, database: str = "neo4j") -> Path:
    """``import.sh`` beside the files: the command for a server the user runs (stop it first;
    ``neo4j-admin`` is that server's own ``bin/neo4j-admin``)."""
    args = " ".join(shlex.quote(a) for a in files.arguments(database))
    script = files.folder / "import.sh"
    script.write_text(
        "#!/bin/sh\n# Stop the Neo4j server first; run on its machine, then start it again.\n"
        f'exec "${{NEO4J_HOME:?set NEO4J_HOME}}/bin/neo4j-admin" database import full {args}\n',
        "utf-8",
    )
    script.chmod(0o755)
    return script


def run_admin_import(files: AdminFiles, home: Path, database: str = "neo4j") -> None:
    """Run the import tool on the engine home ``home`` (the engine must be stopped)."""
    conf = home / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "neo4j.conf").touch()
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(conf)}
    done = subprocess.run(
        admin_command(files, database), env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise AdminImportFailed(f"neo4j-admin database import failed:\n{tail}")


def bulk_load(
    engine: Neo4jEngine, folder: Path, *, database: str = "neo4j", work: Path | None = None
) -> tuple[Neo4jEngine, BulkReport]:
    """Bulk-load ``folder`` into the project's engine ``engine`` (its database must be empty;
    its home is kept). Returns the restarted engine (same home, same port) and the report.
    The import files go to ``work`` (default: a folder in the engine's home, removed after)."""
    if not engine.keep_home:
        raise ConfigurationError("bulk_load needs an engine started with a home it keeps")
    began = time.monotonic()
    out = work or engine.home / "bulk-import"
    port = int(engine.uri.rsplit(":", 1)[1])
    driver = neo4j.GraphDatabase.driver(engine.uri, auth=("neo4j", "unused"))
    try:
        files, _ = prepare_files(Neo4jStore(driver, database), folder, out, database=database)
    finally:
        driver.close()
    report = BulkReport(files.counts(), files=out, files_mib=_mib(out))
    report.validate_seconds = time.monotonic() - began
    engine.stop()
    try:
        run_admin_import(files, engine.home, database)
    finally:
        engine = start_engine(port=port, home=engine.home)
        report.import_seconds = time.monotonic() - began - report.validate_seconds
    try:
        driver = neo4j.GraphDatabase.driver(engine.uri, auth=("neo4j", "unused"))
        store = Neo4jStore(driver, database)
        store.open()  # the project's constraints and indexes, awaited; the Meta counters
        store._write(lambda tx: None)  # a new data version, logged as "rebuild"
        check_counts(store, report.counts)
        driver.close()
        report.store_mib = _mib(engine.home / "data" / "databases" / database)
    finally:
        if work is None:
            shutil.rmtree(out, ignore_errors=True)
    report.seconds = time.monotonic() - began
    report.schema_seconds = report.seconds - report.validate_seconds - report.import_seconds
    return engine, report


def check_counts(store: Neo4jStore, expected: dict[str, int]) -> None:
    """Raise :class:`CountMismatch` unless the store holds exactly ``expected``."""
    stored = store.counts()
    wrong = {
        name: (expected.get(name, 0), stored.get(name, 0))
        for name in (*NODE_LABELS, *RELATIONSHIP_TYPES)
        if expected.get(name, 0) != stored.get(name, 0)
    }
    if wrong:
        told = ", ".join(
            f"{n}: {want:,} expected, {got:,} stored" for n, (want, got) in wrong.items()
        )
        raise CountMismatch(f"the bulk load left other counts than validated: {told}")


def _mib(folder: Path) -> float:
    """Size of the files under ``folder``, in MiB."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
