"""Saving the projection to a file and loading it back, so a restart does not re-read the store.

A snapshot is one ``.npz`` file (written to a temporary name, then renamed: a crash never
leaves half a snapshot): the projection's NumPy columns as arrays, a JSON document (the
version, regions, goals, cohorts and family ids) and the rest of the projection as one entry
per part (``body_attrs``, ``body_helpIds``, ...) of JSON lines of 2,000 items, each made and
written in turn: saving never holds the whole body in memory at once, and no single JSON call
(which holds the GIL) stalls the process's request threads for long. It records the store's :meth:`~graph_service.stores.base.GraphStore.instance_id`
and the data version it holds. :func:`load` refuses a snapshot of another database, of a
newer version than the store (the store was restored from a backup), or of another format;
the read model then catches up from the change feed after the snapshot's version, or rebuilds
from the store when the feed no longer reaches back that far.

The file also holds the match index (:mod:`.snapshot_index`), so a
restart can serve matches before the projection itself is rebuilt from the file: :func:`read`
opens the file and checks it, then :meth:`Saved.index` and :meth:`Saved.projection` give the
two parts, in the order the caller wants them.

What can be derived is not saved: row and help-id lookups, live exchanges per pair, the
families of each cohort.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from graph_service.analytics.family_graph import CohortInfo, GoalState, RegionInfo
from graph_service.analytics.matching import MatchIndex
from graph_service.readmodel import snapshot_index
from graph_service.readmodel.projection import FamilyAttrs, Projection, _Column, shared_terms
from models import GoalStatus, MembershipStatus

FORMAT = 7
_COLUMNS = (
    "ref_from",
    "ref_at",
    "joined",
    "h_from",
    "h_to",
    "h_kind",
    "h_at",
    "h_hours",
    "h_amount",
)
_COLUMNS_BOOL = ("h_confirmed", "h_alive")
_BODY = tuple(
    f"body_{part}"
    for part in ("attrs", "goalsOf", "cohortOf", "memberships", "helpIds", "helpKinds")
)


class SnapshotRefused(Exception):
    """The file is not a usable snapshot for this store (the reason is the message)."""


def save(
    projection: Projection, path: Path, instance: str, index: MatchIndex | None = None
) -> None:
    """Write ``projection`` (a frozen copy: it must not change meanwhile) to ``path``, with
    ``index``, the match index of the same version, if it is one that can be saved."""
    families = len(projection.ids)
    helps = len(projection.help_ids)
    document = {
        "format": FORMAT,
        "instance": instance,
        "version": projection.version,
        "regions": {k: [v.name, v.latitude, v.longitude] for k, v in projection.regions.items()},
        "goals": projection.goals,
        "cohorts": {
            k: [v.region, v.status, v.origin, list(v.focus_goals), list(v.members)]
            for k, v in projection.cohorts.items()
        },
        "ids": projection.ids,
    }
    # What only the projection needs (decoded after the index is serving), one entry per
    # part, each made just before it is written: the saving process never holds the whole
    # body as Python lists and JSON text at once.
    body: dict[str, Callable[[], Any]] = {
        "attrs": lambda: [_attrs_out(a) for a in projection.attrs],
        "goalsOf": lambda: [_goals_out(g) for g in projection.goals_of],
        "cohortOf": lambda: projection.cohort_of,
        "memberships": lambda: {
            f: {c: str(s) for c, s in mine.items()} for f, mine in projection.memberships.items()
        },
        "helpIds": lambda: projection.help_ids,
        "helpKinds": lambda: projection.help_kinds,
    }
    arrays: dict[str, Callable[[], np.ndarray]] = {"document": lambda: _json_array(document)}
    for part, make in body.items():
        arrays[f"body_{part}"] = lambda make=make: _json_chunks(make())  # type: ignore[misc]  # default binds the loop's callable
    for name in _COLUMNS + _COLUMNS_BOOL:
        column: _Column = getattr(projection, name)
        size = families if name in ("ref_from", "ref_at", "joined") else helps
        arrays[name] = lambda column=column, size=size: column.data[:size]  # type: ignore[misc]  # as above
    if index is not None and snapshot_index.savable(index):
        index_document, index_arrays = snapshot_index.index_parts(index)
        arrays["index_document"] = lambda: _json_array(index_document)
        for name, array in index_arrays.items():
            arrays[name] = lambda array=array: array  # type: ignore[misc]  # as above
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
                for name, make in arrays.items():  # the layout np.savez writes, np.load reads
                    with archive.open(f"{name}.npy", "w", force_zip64=True) as entry:
                        np.lib.format.write_array(entry, np.asanyarray(make()), allow_pickle=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class _Entries(Mapping[str, np.ndarray]):
    """The arrays of an open ``.npz`` file, each read from it when first asked for (a
    restart reads the match index's entries before the projection's), kept once read."""

    def __init__(self, saved: Any) -> None:
        self._saved = saved
        self._read: dict[str, np.ndarray] = {}
        self._names = [name for name in saved.files if name != "document"]

    def __getitem__(self, name: str) -> np.ndarray:
        array = self._read.get(name)
        if array is None:
            if name not in self._names:
                raise KeyError(name)
            try:
                array = self._read[name] = np.array(self._saved[name])
            except (OSError, ValueError, zipfile.BadZipFile) as error:
                raise SnapshotRefused(f"unreadable snapshot entry {name}: {error}") from None
        return array

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def close(self) -> None:
        self._saved.close()
        self._read.clear()


class Saved:
    """A snapshot file, opened and checked by :func:`read`; its parts are decoded on demand."""

    def __init__(self, document: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
        self.document = document
        self.arrays = arrays
        self.version = int(document["version"])

    @property
    def families(self) -> int:
        return sum(1 for family_id in self.document["ids"] if family_id)

    def index(self) -> MatchIndex | None:
        """The saved match index; None if the file has none or it must be rebuilt."""
        if "index_document" not in self.arrays:
            return None
        index_document = _json_of(self.arrays["index_document"])
        try:
            return snapshot_index.index_from(
                index_document, self.arrays, list(self.document["ids"])
            )
        except KeyError:  # an index of another shape: rebuilt from the projection
            return None

    def regions(self) -> frozenset[str]:
        return frozenset(self.document["regions"])

    def cohorts(self) -> dict[str, CohortInfo]:
        return _cohorts(self.document)

    def referral_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Referrer row, referral day and join day of each family row."""
        return self.arrays["ref_from"], self.arrays["ref_at"], self.arrays["joined"]

    def projection(self) -> Projection:
        """The saved projection."""
        columns = {name: self.arrays[name] for name in _COLUMNS + _COLUMNS_BOOL}
        projection = _projection(
            self.document, lambda part: _json_of_chunks(self.arrays[f"body_{part}"]), columns
        )
        if isinstance(self.arrays, _Entries):
            self.arrays.close()  # everything the projection needs is read
        return projection


def read(path: Path, instance: str, store_version: int) -> Saved:
    """The snapshot in ``path``; :class:`SnapshotRefused` if it cannot be used."""
    if not path.exists():
        raise SnapshotRefused(f"no snapshot at {path}")
    try:
        saved = np.load(path, allow_pickle=False)  # the entries are read when first asked for
        document = _json_of(saved["document"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise SnapshotRefused(f"unreadable snapshot {path}: {error}") from None
    arrays = _Entries(saved)
    try:
        _check(path, document, arrays, instance, store_version)
    except SnapshotRefused:
        arrays.close()
        raise
    return Saved(document, arrays)


def _check(
    path: Path,
    document: dict[str, Any],
    arrays: Mapping[str, np.ndarray],
    instance: str,
    store_version: int,
) -> None:
    if document.get("format") != FORMAT:
        raise SnapshotRefused(f"snapshot format {document.get('format')} is not {FORMAT}")
    if document.get("instance") != instance:
        raise SnapshotRefused("the snapshot belongs to another database")
    if int(document["version"]) > store_version:
        raise SnapshotRefused("the snapshot is newer than the store (restored from a backup?)")
    missing = [name for name in (*_BODY, *_COLUMNS, *_COLUMNS_BOOL) if name not in arrays]
    if missing:
        raise SnapshotRefused(f"unreadable snapshot {path}: no column {missing[0]}")


def load(path: Path, instance: str, store_version: int) -> Projection:
    """The projection saved in ``path``; :class:`SnapshotRefused` if it cannot be used."""
    return read(path, instance, store_version).projection()


def _json_array(document: dict[str, Any]) -> np.ndarray:
    return np.frombuffer(json.dumps(document).encode("utf-8"), dtype=np.uint8)


# Items per JSON line of a body part. The C JSON coder holds the GIL for a whole call, so a
# body part written or read as one document (tens of MB at 100,000 families) stalled every
# request thread of the process (/health, the first match after a restart) for a second or
# more; lines of this many items each take a few milliseconds.
JSON_CHUNK = 2_000


def _json_chunks(value: list[Any] | dict[str, Any]) -> np.ndarray:
    """``value`` (a list or a dict) as JSON lines of :data:`JSON_CHUNK` items each."""
    if isinstance(value, dict):
        items = list(value.items())
        lines = [
            json.dumps(dict(items[i : i + JSON_CHUNK])) for i in range(0, len(items), JSON_CHUNK)
        ]
        lines = lines or ["{}"]
    else:
        lines = [json.dumps(value[i : i + JSON_CHUNK]) for i in range(0, len(value), JSON_CHUNK)]
        lines = lines or ["[]"]
    return np.frombuffer("\n".join(lines).encode("utf-8"), dtype=np.uint8)


def _json_of_chunks(array: np.ndarray) -> Any:
    """The list or dict written by :func:`_json_chunks`."""
    parts = [json.loads(line) for line in _yielding(bytes(array).split(b"\n"), every=1)]
    if isinstance(parts[0], dict):
        merged: dict[str, Any] = {}
        for part in parts:
            merged.update(part)
        return merged
    return [item for part in parts for item in part]


def _json_of(array: np.ndarray) -> Any:
    return json.loads(bytes(array).decode("utf-8"))


def _cohorts(document: dict[str, Any]) -> dict[str, CohortInfo]:
    return {
        k: CohortInfo(region, status, origin, tuple(focus), list(members))
        for k, (region, status, origin, focus, members) in document["cohorts"].items()
    }


def _projection(
    document: dict[str, Any], part: Callable[[str], Any], columns: dict[str, np.ndarray]
) -> Projection:
    """The projection of a snapshot's ``document``, its body parts (decoded one at a time
    by ``part``) and its ``columns``."""
    p = Projection()
    p.version = int(document["version"])
    p.regions = {k: RegionInfo(*v) for k, v in document["regions"].items()}
    p.goals = dict(document["goals"])
    p.cohorts = _cohorts(document)
    p.ids = list(document["ids"])
    p.row = {family_id: row for row, family_id in enumerate(p.ids) if family_id}
    p.attrs = [_attrs_in(a) for a in _yielding(part("attrs"))]
    p.goals_of = [_goals_in(g) for g in _yielding(part("goalsOf"))]
    p.cohort_of = list(part("cohortOf"))
    p.memberships = {
        f: {c: MembershipStatus(s) for c, s in mine.items()}
        for f, mine in _yielding(part("memberships").items())
    }
    for family_id, mine in p.memberships.items():
        for cohort in mine:
            p._in_cohort.setdefault(cohort, set()).add(family_id)
    p.help_ids = list(part("helpIds"))
    p.help_kinds = list(part("helpKinds"))
    p._kind_code = {kind: code for code, kind in enumerate(p.help_kinds)}
    for name, values in columns.items():
        column: _Column = getattr(p, name)
        column.ensure(len(values))
        column.data[: len(values)] = values
    alive = np.flatnonzero(p.h_alive.data[: len(p.help_ids)])
    p.help_row = {p.help_ids[at]: int(at) for at in _yielding(alive.tolist())}
    u, v = p.h_from.data[alive], p.h_to.data[alive]
    low, high = np.minimum(u, v), np.maximum(u, v)
    width = max(len(p.ids), 1)
    keys, counts = np.unique(low * width + high, return_counts=True)  # one int per pair
    p.pair_help = {
        (a, b): n
        for a, b, n in _yielding(
            zip((keys // width).tolist(), (keys % width).tolist(), counts.tolist(), strict=True)
        )
    }
    return p


T = TypeVar("T")
YIELD_EVERY = 2_000  # items between two pauses of :func:`_yielding`


def _yielding(items: Iterable[T], every: int = YIELD_EVERY) -> Iterator[T]:
    """``items``, with a pause of half a millisecond every ``every``: the decode runs
    on a thread beside the request threads (the restarted server serves matches meanwhile), and
    CPython hands the GIL to a waiting thread only every 5 ms otherwise, so a request's many
    small steps each waited that long (a first match took 0.8 s instead of 15 ms)."""
    for i, item in enumerate(items):
        if i % every == every - 1:
            time.sleep(0.0005)
        yield item


def _attrs_out(attrs: FamilyAttrs | None) -> list[Any] | None:
    if attrs is None:
        return None
    values = [getattr(attrs, name) for name in FamilyAttrs.__slots__]
    return [v.toordinal() if isinstance(v, date) else v for v in values]


def _attrs_in(values: list[Any] | None) -> FamilyAttrs | None:
    if values is None:
        return None
    named = dict(zip(FamilyAttrs.__slots__, values, strict=True))
    for name in ("languages", "strengths", "needs"):
        named[name] = shared_terms(named[name])
    named["region"] = sys.intern(named["region"])
    named["joined_at"] = date.fromordinal(named["joined_at"])
    return FamilyAttrs(**named)


def _goals_out(goals: dict[str, GoalState]) -> dict[str, list[Any]]:
    return {
        goal: [
            str(s.status),
            s.since.toordinal(),
            s.achieved_at.toordinal() if s.achieved_at else None,
            s.description,
        ]
        for goal, s in goals.items()
    }


def _goals_in(goals: dict[str, list[Any]]) -> dict[str, GoalState]:
    return {
        sys.intern(goal): GoalState(
            GoalStatus(status),
            date.fromordinal(since),
            date.fromordinal(achieved) if achieved is not None else None,
            description,
        )
        for goal, (status, since, achieved, description) in goals.items()
    }
