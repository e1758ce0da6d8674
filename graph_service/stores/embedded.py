"""``EmbeddedStore``: the zero-setup store — one durable SQLite file plus an in-memory graph.

Every record is a row (its camelCase JSON) in a table keyed by its external id(s). A batch is one
SQLite transaction in WAL mode with ``synchronous=FULL``: a process killed mid-batch leaves the
file with whole batches only (SQLite rolls back the unfinished transaction on the next open).
The in-memory side holds the validated records and a networkx ``MultiDiGraph`` of help and
referral ties for traversal; it changes only after the transaction commits, so a failed write
leaves memory and file identical. Reopening the file gives the identical graph.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx

from graph_service.errors import NotFound, StoreUnavailable
from graph_service.kinds import KINDS, referenced_ids
from graph_service.stores.audit import SqliteAuditLog
from graph_service.stores.base import (
    NODE_LABELS,
    RELATIONSHIP_TYPES,
    Change,
    ChangeFeed,
    ChangeSet,
    FamilyFilter,
    FamilyPage,
    UpsertsViaWrite,
)
from graph_service.stores.preconditions import check_in_sqlite
from graph_service.stores.privacy_ledger import SqliteLedger
from models import (
    Cohort,
    DomainModel,
    Family,
    Goal,
    Helped,
    MemberOf,
    MembershipStatus,
    Pursues,
    Referred,
    Region,
    check_referrals,
)

REFERRED = "referred"
M = TypeVar("M", bound=DomainModel)

# Tables come from the registry: each kind's key columns (its primary key) plus extra indexed
# columns, and a ``data`` column with the record's camelCase JSON.
# All SQL is fixed text built once from the registry's constants; no input ever reaches it.
_CREATE = [
    f"CREATE TABLE IF NOT EXISTS {k.table} "
    f"({', '.join(f'{c} TEXT' for c in (*k.key_fields, *k.extra_columns))}, "
    f"data TEXT NOT NULL, PRIMARY KEY ({', '.join(k.key_fields)}))"
    for k in KINDS
] + [
    "CREATE INDEX IF NOT EXISTS help_from ON help (from_id)",
    "CREATE INDEX IF NOT EXISTS help_to ON help (to_id)",
    "CREATE INDEX IF NOT EXISTS referrals_from ON referrals (from_id)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS change_log (version INTEGER PRIMARY KEY, at TEXT NOT NULL, "
    "body TEXT NOT NULL)",
]
_SELECT = {k.part: f"SELECT data FROM {k.table} ORDER BY rowid" for k in KINDS}  # noqa: S608 - registry constants
_UPSERT = {
    k.part: f"INSERT OR REPLACE INTO {k.table} VALUES "  # noqa: S608 - registry constants
    f"({', '.join('?' * (len(k.key_fields) + len(k.extra_columns) + 1))})"
    for k in KINDS
}
_DELETE_FAMILY = (
    ("DELETE FROM families WHERE id = ?", 1),
    ("DELETE FROM memberships WHERE family_id = ?", 1),
    ("DELETE FROM pursuits WHERE family_id = ?", 1),
    ("DELETE FROM help WHERE from_id = ? OR to_id = ?", 2),
    ("DELETE FROM referrals WHERE to_id = ? OR from_id = ?", 2),
)
_BUMP_VERSION = (
    "INSERT INTO meta VALUES ('dataVersion', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1 "
    "RETURNING value"
)
_LOG_CHANGE = "INSERT INTO change_log VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?)"
_PRUNE_LOG = "DELETE FROM change_log WHERE version <= ?"
_CHANGES_SINCE = "SELECT version, body FROM change_log WHERE version > ? ORDER BY version LIMIT ?"
_OLDEST_CHANGE = "SELECT min(version) FROM change_log"
_INSTANCE = (
    "INSERT INTO info VALUES ('instanceId', lower(hex(randomblob(16)))) "
    "ON CONFLICT(key) DO UPDATE SET value = value RETURNING value"
)
# Entries of the change feed kept (older ones are pruned every PRUNE_EVERY writes).
FEED_KEEP = 100_000
PRUNE_EVERY = 256


def _json(record: DomainModel) -> str:
    return json.dumps(record.to_record(), separators=(",", ":"), sort_keys=True)


class EmbeddedStore(UpsertsViaWrite):
    """SQLite-backed :class:`~graph_service.stores.base.GraphStore` with in-memory traversal."""

    name = "embedded"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._version = 0
        self._instance = ""
        self._reset_memory()

    # ------------------------------------------------------------------ life cycle
    def _reset_memory(self) -> None:
        self.regions: dict[str, Region] = {}
        self.goals: dict[str, Goal] = {}
        self.families: dict[str, Family] = {}
        self.cohorts: dict[str, Cohort] = {}
        self.memberships: dict[tuple[str, str], MemberOf] = {}
        self.pursuits: dict[tuple[str, str], Pursues] = {}
        self.helps: dict[str, Helped] = {}
        self.referrals: dict[str, Referred] = {}  # keyed by the referred family
        self._by_family: dict[str, set[tuple[str, str]]] = defaultdict(set)  # memberships
        self._by_cohort: dict[str, set[str]] = defaultdict(set)
        self._goals_of: dict[str, set[str]] = defaultdict(set)
        self._graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()

    def open(self) -> None:
        with self._lock:
            if self._conn is not None:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA foreign_keys=OFF")
                for statement in _CREATE:
                    conn.execute(statement)
            except sqlite3.Error as error:
                raise StoreUnavailable(f"cannot open embedded store {self.path}: {error}") from None
            self._conn = conn
            self._load()

    def _load(self) -> None:
        assert self._conn is not None
        self._reset_memory()
        row = self._conn.execute("SELECT value FROM meta WHERE key='dataVersion'").fetchone()
        self._version = int(row[0]) if row else 0
        for kind in KINDS:
            records = [
                kind.model.model_validate_json(data)
                for (data,) in self._conn.execute(_SELECT[kind.part])
            ]
            self._apply(kind.part, records)
        self._instance = str(self._conn.execute(_INSTANCE).fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def ping(self) -> bool:
        with self._lock:
            if self._conn is None:
                return False
            try:
                self._conn.execute("SELECT 1").fetchone()
            except sqlite3.Error:
                return False
            return True

    def data_version(self) -> int:
        return self._version

    # ------------------------------------------------------------------ writing
    def _write_tables(
        self,
        changes: ChangeSet,
        rows: Sequence[tuple[str, Sequence[tuple[Any, ...]]]],
        deleted: Sequence[str],
    ) -> int:
        """One transaction: delete ``deleted`` families, upsert each part's rows
        (keys..., data), bump the version and log the change under it; the new version."""
        if self._conn is None:
            raise StoreUnavailable("the embedded store is not open")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            check_in_sqlite(self._conn, changes.preconditions)  # under the write lock
            for family_id in deleted:
                for statement, n in _DELETE_FAMILY:
                    self._conn.execute(statement, (family_id,) * n)
            for part, part_rows in rows:
                self._conn.executemany(_UPSERT[part], part_rows)
            version = int(self._conn.execute(_BUMP_VERSION).fetchone()[0])
            self._conn.execute(_LOG_CHANGE, (version, Change.feed_body(changes)))
            if version % PRUNE_EVERY == 0:
                self._conn.execute(_PRUNE_LOG, (version - FEED_KEEP,))
            self._conn.execute("COMMIT")
        except sqlite3.Error as error:
            self._rollback()
            raise StoreUnavailable(f"embedded store write failed: {error}") from None
        except BaseException:
            self._rollback()
            raise
        self._version = version
        return version

    def _rollback(self) -> None:
        if self._conn is not None and self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def write(self, changes: ChangeSet) -> None:
        with self._lock:
            deleted = [f for f in dict.fromkeys(changes.deleted_families) if f in self.families]
            if deleted != list(changes.deleted_families):
                changes = replace(changes, deleted_families=deleted)
            if changes.is_empty():
                return
            if self._conn is not None:  # rules first, as on Neo4j; again under BEGIN IMMEDIATE
                check_in_sqlite(self._conn, changes.preconditions)
            for family_id in deleted:
                self._check_deletable(family_id, changes)
            known = _Known(self, deleted)
            rows: list[tuple[str, list[tuple[Any, ...]]]] = []
            for kind, records in changes.parts():
                known.check(kind.part, records)
                rows.append((kind.part, [(*kind.columns(r), _json(r)) for r in records]))
            version = self._write_tables(changes, rows, deleted)
            for family_id in deleted:
                self._forget(family_id)
            for kind, records in changes.parts():
                self._apply(kind.part, records)
        # Outside the lock: a listener may read the change feed (which takes the lock).
        self._committed(version, changes)

    def _check_deletable(self, family_id: str, changes: ChangeSet) -> None:
        """Nothing in the same change set may refer to a family it deletes."""
        for kind, records in changes.parts():
            for field_name, target in kind.references:
                if target != "family":
                    continue
                if any(family_id in referenced_ids(kind, field_name, r) for r in records):
                    raise NotFound(f"family {family_id!r} is deleted", field=field_name)

    # ------------------------------------------------------------------ change feed
    def changes_since(self, version: int, *, limit: int = 1000) -> ChangeFeed:
        with self._lock:
            if self._conn is None:
                raise StoreUnavailable("the embedded store is not open")
            rows = self._conn.execute(_CHANGES_SINCE, (version, limit)).fetchall()
            current = self._version
        changes = [Change.from_feed(int(v), body) for v, body in rows]
        complete = changes[0].version == version + 1 if changes else current <= version
        return ChangeFeed(changes, complete, current)

    def instance_id(self) -> str:
        return self._instance

    def scan(self, part: str) -> Iterator[DomainModel]:
        with self._lock:
            stored: dict[Any, DomainModel] = getattr(self, part)
            records = [stored[k] for k in sorted(stored)]
        yield from records

    # ------------------------------------------------------------------ memory
    def _apply(self, table: str, records: Sequence[Any]) -> None:
        apply = getattr(self, f"_apply_{table}")
        for record in records:
            apply(record)

    def _apply_regions(self, r: Region) -> None:
        self.regions[r.id] = r

    def _apply_goals(self, g: Goal) -> None:
        self.goals[g.id] = g

    def _apply_families(self, f: Family) -> None:
        self.families[f.id] = f
        self._graph.add_node(f.id)

    def _apply_cohorts(self, c: Cohort) -> None:
        self.cohorts[c.id] = c

    def _apply_memberships(self, m: MemberOf) -> None:
        self.memberships[(m.family_id, m.cohort_id)] = m
        self._by_family[m.family_id].add((m.family_id, m.cohort_id))
        self._by_cohort[m.cohort_id].add(m.family_id)

    def _apply_pursuits(self, p: Pursues) -> None:
        self.pursuits[(p.family_id, p.goal_id)] = p
        self._goals_of[p.family_id].add(p.goal_id)

    def _apply_helps(self, h: Helped) -> None:
        old = self.helps.get(h.id)
        if old is not None and self._graph.has_edge(old.from_id, old.to_id, key=h.id):
            self._graph.remove_edge(old.from_id, old.to_id, key=h.id)
        self.helps[h.id] = h
        self._graph.add_edge(h.from_id, h.to_id, key=h.id, kind="helped")

    def _apply_referrals(self, r: Referred) -> None:
        self.referrals[r.to_id] = r
        self._graph.add_edge(r.from_id, r.to_id, key=REFERRED, kind=REFERRED)

    # ------------------------------------------------------------------ reads
    def get_families(self, ids: Sequence[str]) -> dict[str, Family]:
        with self._lock:
            return {i: self.families[i] for i in ids if i in self.families}

    def _matching_ids(self, filter: FamilyFilter) -> list[str]:
        ids: Iterable[str]
        if filter.cohort_id is not None:
            ids = [
                f
                for f in self._by_cohort.get(filter.cohort_id, ())
                if self.memberships[(f, filter.cohort_id)].status is MembershipStatus.ACTIVE
            ]
        else:
            ids = self.families
        regions = set(filter.region_ids) if filter.region_ids is not None else None
        out = []
        for family_id in ids:
            family = self.families[family_id]
            if regions is not None and family.region_id not in regions:
                continue
            if filter.goal_id is not None and filter.goal_id not in self._goals_of[family_id]:
                continue
            if (
                filter.consent_matching is not None
                and family.consent.matching != filter.consent_matching
            ):
                continue
            out.append(family_id)
        return sorted(out)

    def list_families(self, filter: FamilyFilter, *, after: str | None, limit: int) -> FamilyPage:
        with self._lock:
            ids = [i for i in self._matching_ids(filter) if after is None or i > after]
            return FamilyPage([self.families[i] for i in ids[:limit]], len(ids) > limit)

    def count_families(self, filter: FamilyFilter) -> int:
        with self._lock:
            return len(self._matching_ids(filter))

    def get_cohorts(self, ids: Sequence[str]) -> dict[str, Cohort]:
        with self._lock:
            return {i: self.cohorts[i] for i in ids if i in self.cohorts}

    def list_cohorts(
        self, region_ids: tuple[str, ...] | None, *, after: str | None, limit: int
    ) -> list[Cohort]:
        with self._lock:
            chosen = sorted(
                c.id
                for c in self.cohorts.values()
                if (region_ids is None or c.region_id in region_ids)
                and (after is None or c.id > after)
            )
            return [self.cohorts[i] for i in chosen[:limit]]

    def list_goals(self) -> list[Goal]:
        with self._lock:
            return [self.goals[i] for i in sorted(self.goals)]

    def list_regions(self) -> list[Region]:
        with self._lock:
            return [self.regions[i] for i in sorted(self.regions)]

    def memberships_of_families(self, family_ids: Sequence[str]) -> dict[str, list[MemberOf]]:
        with self._lock:
            return {
                f: [self.memberships[k] for k in sorted(self._by_family.get(f, ()))]
                for f in family_ids
                if f in self.families
            }

    def members_of_cohorts(self, cohort_ids: Sequence[str]) -> dict[str, list[MemberOf]]:
        with self._lock:
            return {
                c: [self.memberships[(f, c)] for f in sorted(self._by_cohort.get(c, ()))]
                for c in cohort_ids
                if c in self.cohorts
            }

    def pursuits_of(self, family_ids: Sequence[str]) -> dict[str, list[Pursues]]:
        with self._lock:
            return {
                f: [self.pursuits[(f, g)] for g in sorted(self._goals_of.get(f, ()))]
                for f in family_ids
                if f in self.families
            }

    def help_of(self, family_ids: Sequence[str]) -> dict[str, list[Helped]]:
        with self._lock:
            out: dict[str, list[Helped]] = {}
            for f in family_ids:
                if f not in self.families:
                    continue
                keys = {
                    k
                    for _, _, k, d in self._graph.out_edges(f, keys=True, data=True)
                    if d["kind"] == "helped"
                } | {
                    k
                    for _, _, k, d in self._graph.in_edges(f, keys=True, data=True)
                    if d["kind"] == "helped"
                }
                out[f] = sorted((self.helps[k] for k in keys), key=lambda h: (h.at, h.id))
            return out

    def referrer_of(self, family_ids: Sequence[str]) -> dict[str, Referred]:
        with self._lock:
            return {f: self.referrals[f] for f in family_ids if f in self.referrals}

    def _recruits(self, family_id: str) -> list[str]:
        return sorted(v for _, v, k in self._graph.out_edges(family_id, keys=True) if k == REFERRED)

    def referral_subtree(self, root_id: str, *, max_depth: int | None = None) -> list[Referred]:
        with self._lock:
            if root_id not in self.families:
                raise NotFound(f"family {root_id!r} does not exist", field="rootId")
            edges: list[Referred] = []
            queue = deque([(root_id, 0)])
            while queue:
                node, depth = queue.popleft()
                if max_depth is not None and depth >= max_depth:
                    continue
                for child in self._recruits(node):
                    edges.append(self.referrals[child])
                    queue.append((child, depth + 1))
            return edges

    def _cohort_mates(self, family_id: str) -> set[str]:
        mates: set[str] = set()
        for _, cohort in self._by_family.get(family_id, ()):
            if self.memberships[(family_id, cohort)].status is not MembershipStatus.ACTIVE:
                continue
            mates |= {
                f
                for f in self._by_cohort[cohort]
                if self.memberships[(f, cohort)].status is MembershipStatus.ACTIVE
            }
        return mates

    def neighbourhood(self, family_id: str, *, hops: int = 1) -> set[str]:
        with self._lock:
            if family_id not in self.families:
                raise NotFound(f"family {family_id!r} does not exist", field="familyId")
            seen = {family_id}
            frontier = {family_id}
            for _ in range(hops):
                step: set[str] = set()
                for node in frontier:
                    step |= set(self._graph.successors(node)) | set(self._graph.predecessors(node))
                    step |= self._cohort_mates(node)
                frontier = step - seen
                seen |= frontier
            return seen - {family_id}

    def counts(self) -> dict[str, int]:
        with self._lock:
            counts = dict.fromkeys((*NODE_LABELS, *RELATIONSHIP_TYPES), 0)
            counts.update(
                Family=len(self.families),
                Cohort=len(self.cohorts),
                Goal=len(self.goals),
                Region=len(self.regions),
                LIVES_IN=len(self.families),
                MEMBER_OF=len(self.memberships),
                PURSUES=len(self.pursuits),
                HELPED=len(self.helps),
                REFERRED=len(self.referrals),
            )
            return counts

    # ------------------------------------------------------------------ delete
    def _forget(self, family_id: str) -> None:
        del self.families[family_id]
        for key in self._by_family.pop(family_id, set()):
            del self.memberships[key]
            self._by_cohort[key[1]].discard(family_id)
        for goal in self._goals_of.pop(family_id, set()):
            del self.pursuits[(family_id, goal)]
        for _, _, key, data in list(self._graph.out_edges(family_id, keys=True, data=True)) + list(
            self._graph.in_edges(family_id, keys=True, data=True)
        ):
            if data["kind"] == "helped":
                self.helps.pop(key, None)
        for child in self._recruits(family_id):
            self.referrals.pop(child, None)
        self.referrals.pop(family_id, None)
        self._graph.remove_node(family_id)

    # ------------------------------------------------------------------ privacy ledger
    def privacy_ledger(self) -> SqliteLedger:
        """The researchers' privacy-loss ledger, a table in this store's file."""
        return SqliteLedger(self.path)

    # audit log (graph_service/stores/audit.py) ------------------------------------------
    def audit_log(self) -> SqliteAuditLog:
        """The append-only audit table in this store's SQLite file."""
        log: SqliteAuditLog | None = getattr(self, "_audit_log", None)
        if log is None:
            log = self._audit_log = SqliteAuditLog(self.path)
        return log


class _Known:
    """Ids that exist for the purpose of validating one change set: the store's plus those
    written earlier in the same change set."""

    def __init__(self, store: EmbeddedStore, deleted: Sequence[str] = ()) -> None:
        self.store = store
        self.pending: dict[str, set[str]] = defaultdict(set)
        self.deleted = set(deleted)

    def _exists(self, kind: str, value: str) -> bool:
        if kind == "families" and value in self.deleted:
            return False
        stored: dict[str, Any] = getattr(self.store, kind)
        return value in stored or value in self.pending[kind]

    def _require(self, kind: str, pairs: Iterable[tuple[str, str]]) -> None:
        what = {"regions": "region", "families": "family", "cohorts": "cohort", "goals": "goal"}
        for field, value in pairs:
            if not self._exists(kind, value):
                raise NotFound(f"{what[kind]} {value!r} does not exist", field=field)

    def check(self, table: str, records: Sequence[Any]) -> None:
        if table == "families":
            self._require("regions", (("regionId", f.region_id) for f in records))
        elif table == "cohorts":
            self._require("regions", (("regionId", c.region_id) for c in records))
            self._require("goals", (("focusGoals", g) for c in records for g in c.focus_goals))
        elif table == "memberships":
            self._require("families", (("familyId", m.family_id) for m in records))
            self._require("cohorts", (("cohortId", m.cohort_id) for m in records))
        elif table == "pursuits":
            self._require("families", (("familyId", p.family_id) for p in records))
            self._require("goals", (("goalId", p.goal_id) for p in records))
        elif table in ("helps", "referrals"):
            self._require("families", (("fromId", r.from_id) for r in records))
            self._require("families", (("toId", r.to_id) for r in records))
        if table == "referrals":
            existing = {
                k: r.from_id
                for k, r in self.store.referrals.items()
                if k not in self.deleted and r.from_id not in self.deleted
            }
            check_referrals(existing, records)
        if table in ("regions", "goals", "families", "cohorts"):
            self.pending[table].update(r.id for r in records)
