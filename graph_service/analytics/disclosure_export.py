"""Suppressed tables out of the service: flat records (the API), CSV and Parquet files (the
research report), and JSON-ready dicts (kept releases). Every writer refuses a table that
breaks the disclosure rule (:func:`~graph_service.analytics.disclosure.assert_safe`).

Examples
--------
>>> from graph_service.analytics.disclosure import Cell, make_table, suppress
>>> t = suppress(make_table("demo", "group", "measure", [("a", [Cell(30)])], ["families"]))
>>> to_records(t)[0]["count"], table_from_dict(table_to_dict(t)) == t
(30, True)
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from graph_service.analytics.disclosure import (
    DEFAULT_THRESHOLD,
    TOTAL,
    Cell,
    Table,
    assert_safe,
    cells_by_position,
)

Record = dict[str, Any]


def _measures(table: Table) -> list[str]:
    grid = cells_by_position(table)
    return sorted({name for c in grid.values() if c is not None for name in c.derived})


def _record(table: Table, row: str, column: str, cell: Cell, measures: list[str]) -> Record:
    record: Record = {
        "table": table.name,
        "row_variable": table.row_header,
        "row": row,
        "column_variable": table.column_header,
        "column": column,
        "count": cell.count,
        "suppressed": cell.suppressed,
    }
    for name in measures:
        value = cell.derived.get(name)
        record[name] = None if value is None or math.isnan(value) else float(value)
    return record


def to_records(table: Table) -> list[Record]:
    """One flat record per published cell (margins use the key ``"total"``).

    Parameters
    ----------
    table : Table
        A published table.

    Returns
    -------
    list of Record
        One record per cell and per published margin.

    Examples
    --------
    >>> from graph_service.analytics.disclosure import Cell, make_table, suppress
    >>> from graph_service.analytics.examples import one_table
    >>> t = one_table()
    >>> len(to_records(t))  # three cells and two totals (the column's, the grand one)
    5
    """
    measures = _measures(table)
    records: list[Record] = []
    for i, row_key in enumerate(table.row_keys):
        for j, column_key in enumerate(table.column_keys):
            records.append(_record(table, row_key, column_key, table.cells[i][j], measures))
        if table.row_totals is not None:
            records.append(_record(table, row_key, TOTAL, table.row_totals[i], measures))
    if table.column_totals is not None:
        for j, column_key in enumerate(table.column_keys):
            records.append(_record(table, TOTAL, column_key, table.column_totals[j], measures))
    if table.total is not None:
        records.append(_record(table, TOTAL, TOTAL, table.total, measures))
    return records


_BASE_FIELDS = ["table", "row_variable", "row", "column_variable", "column", "count", "suppressed"]


def _checked(tables: Iterable[Table], threshold: int) -> list[Table]:
    checked = list(tables)
    for table in checked:
        assert_safe(table, threshold)
    return checked


def write_csv(
    tables: Iterable[Table], directory: Path, *, threshold: int = DEFAULT_THRESHOLD
) -> list[Path]:
    """Write each (already suppressed) table to ``<directory>/<name>.csv``; refuses unsafe ones.

    Parameters
    ----------
    tables : iterable of Table
        Suppressed tables.
    directory : pathlib.Path
        Where to write.
    threshold : int, default 10
        Counts from 1 to this are small cells.

    Returns
    -------
    list of pathlib.Path
        The files written. Raises :class:`DisclosureError` for an unsafe table.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from graph_service.analytics.disclosure import suppress
    >>> from graph_service.analytics.examples import one_table
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     [p.name for p in write_csv([suppress(one_table())], Path(folder))]
    ['demo.csv']
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in _checked(tables, threshold):
        path = directory / f"{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=_BASE_FIELDS + _measures(table))
            writer.writeheader()
            writer.writerows(to_records(table))
        paths.append(path)
    return paths


def _pandas_metadata(fields: Sequence[tuple[str, str, str]]) -> bytes:
    """pandas' schema metadata: ``count`` reads back as the nullable ``Int64`` dtype (a
    suppressed count is ``<NA>``, never a ``NaN`` that turns the column into floats)."""
    import json

    columns = [
        {"name": n, "field_name": n, "pandas_type": p, "numpy_type": t, "metadata": None}
        for n, p, t in fields
    ]
    return json.dumps(
        {
            "index_columns": [],
            "column_indexes": [],
            "columns": columns,
            "creator": {"library": "pyarrow", "version": "16"},
            "pandas_version": "2.2.0",
        }
    ).encode("utf-8")


def write_parquet(
    tables: Iterable[Table], directory: Path, *, threshold: int = DEFAULT_THRESHOLD
) -> list[Path]:
    """Write each (already suppressed) table to ``<directory>/<name>.parquet``; ``count`` is a
    nullable 64-bit integer column (pandas reads it as ``Int64``).

    Parameters
    ----------
    tables, directory, threshold
        As :func:`write_csv`.

    Returns
    -------
    list of pathlib.Path
        The files written, as :func:`write_csv`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from graph_service.analytics.disclosure import suppress
    >>> from graph_service.analytics.examples import one_table
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_parquet([suppress(one_table())], pathlib.Path(folder))[0].suffix
    '.parquet'
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in _checked(tables, threshold):
        names = _measures(table)
        fields = [(name, pa.string()) for name in _BASE_FIELDS[:5]]
        fields += [("count", pa.int64()), ("suppressed", pa.bool_())]
        fields += [(name, pa.float64()) for name in names]
        described = [(n, "unicode", "object") for n in _BASE_FIELDS[:5]]
        described += [("count", "int64", "Int64"), ("suppressed", "bool", "bool")]
        described += [(n, "float64", "float64") for n in names]
        schema = pa.schema(fields, metadata={b"pandas": _pandas_metadata(described)})
        path = directory / f"{table.name}.parquet"
        pq.write_table(pa.Table.from_pylist(to_records(table), schema=schema), path)
        paths.append(path)
    return paths


# --- storage (a released table is kept with its release, graph_service.stores.privacy_ledger)


def _cell_to_dict(cell: Cell) -> dict[str, Any]:
    return {"count": cell.count, "derived": dict(cell.derived), "suppressed": cell.suppressed}


def _cell_from_dict(data: Mapping[str, Any]) -> Cell:
    return Cell(data["count"], dict(data["derived"]), bool(data["suppressed"]))


def table_to_dict(table: Table) -> dict[str, Any]:
    """A JSON-ready dict of ``table``; :func:`table_from_dict` reads it back unchanged.

    Parameters
    ----------
    table : Table
        Any table.

    Returns
    -------
    dict of str to Any
        Only JSON types.

    Examples
    --------
    >>> from graph_service.analytics.disclosure import Cell, make_table, suppress
    >>> from graph_service.analytics.examples import one_table
    >>> t = one_table()
    >>> table_to_dict(t)["name"]
    'demo'
    """

    def cells(row: Sequence[Cell] | None) -> list[dict[str, Any]] | None:
        return None if row is None else [_cell_to_dict(c) for c in row]

    return {
        "name": table.name,
        "rowHeader": table.row_header,
        "columnHeader": table.column_header,
        "rowKeys": list(table.row_keys),
        "columnKeys": list(table.column_keys),
        "cells": [cells(row) for row in table.cells],
        "rowTotals": cells(table.row_totals),
        "columnTotals": cells(table.column_totals),
        "total": None if table.total is None else _cell_to_dict(table.total),
        "noise": dict(table.noise),
        "epsilon": table.epsilon,
        "structural": table.structural,
    }


def table_from_dict(data: Mapping[str, Any]) -> Table:
    """The table that :func:`table_to_dict` wrote.

    Parameters
    ----------
    data : Mapping of str to Any
        A dict of :func:`table_to_dict`.

    Returns
    -------
    Table
        The table, equal to the one written.

    Examples
    --------
    >>> from graph_service.analytics.disclosure import Cell, make_table, suppress
    >>> from graph_service.analytics.examples import one_table
    >>> t = one_table()
    >>> table_from_dict(table_to_dict(t)) == t
    True
    """

    def cells(row: Sequence[Mapping[str, Any]] | None) -> tuple[Cell, ...] | None:
        return None if row is None else tuple(_cell_from_dict(c) for c in row)

    return Table(
        name=data["name"],
        row_header=data["rowHeader"],
        column_header=data["columnHeader"],
        row_keys=tuple(data["rowKeys"]),
        column_keys=tuple(data["columnKeys"]),
        cells=tuple(tuple(_cell_from_dict(c) for c in row) for row in data["cells"]),
        row_totals=cells(data["rowTotals"]),
        column_totals=cells(data["columnTotals"]),
        total=None if data["total"] is None else _cell_from_dict(data["total"]),
        noise=dict(data["noise"]),
        epsilon=data["epsilon"],
        structural=bool(data["structural"]),
    )
