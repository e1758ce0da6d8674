"""``EmbeddedStore``: the zero-setup store — one durable SQLite file, read straight from disk.

Every record is a row (its camelCase JSON) in a table keyed by its external id(s). A batch is one
SQLite transaction in WAL mode with ``synchronous=FULL``: a process killed mid-batch leaves the
file with whole batches only (SQLite rolls back the unfinished transaction on the next open).
References and the referral rules are checked with SQL inside that same ``BEGIN IMMEDIATE``
transaction, so two writers (threads or processes) cannot both pass a check that only one of
them may pass.

The store keeps no records in memory: every read is an indexed query (statements in
:mod:`graph_service.stores.embedded_sql`), traversals are recursive or hop-by-hop SQL, and
opening a file only checks its schema, so it takes milliseconds at any size. Reads run on one
connection per thread in WAL mode: they see the last committed state and never wait for a
writer. The live read model (:mod:`graph_service.readmodel`) is what holds the network in
memory, as compact columns, for the analytics.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from graph_service.errors import Conflict, NotFound, StoreUnavailable
from graph_service.kinds import KIND_OF_PART, referenced_ids
from graph_service.stores import audit
from graph_service.stores import embedded_sql as sql
from graph_service.stores.audit import SqliteAuditLog
from graph_service.stores.base import (
    CREATED_WHEN_NEW,
    NODE_LABELS,
    RELATIONSHIP_TYPES,
    WRITTEN_MEANWHILE,
    Change,
    ChangeFeed,
    ChangeSet,
    FamilyFilter,
    FamilyPage,
    PreparedWrite,
    UpsertsViaWrite,
)
from graph_service.stores.payments import SqlitePaymentLedger
from graph_service.stores.preconditions import check_in_sqlite
from graph_service.stores.privacy_ledger import SqliteLedger
from graph_service.stores.projection_rows import ROW_FIELDS, Row
from models import (
    Cohort,
    CohortProposal,
    DomainModel,
    Family,
    FieldProblem,
    Goal,
    Helped,
    Introduction,
    MemberOf,
    Pursues,
    Referred,
    Region,
    ValidationFailed,
)
from models.journal import MonthlyReport

M = TypeVar("M", bound=DomainModel)

# Entries of the change feed kept (older ones are pruned every PRUNE_EVERY writes).
FEED_KEEP = 100_000
PRUNE_EVERY = 256
# Rows fetched from SQLite at a time while a scan streams a table.
SCAN_FETCH = 2_000
ROWS_FETCH = 20_000
# Row fields holding lists (JSON text in SQLite).
LIST_FIELDS = frozenset({"languages", "strengths", "needs", "focusGoals"})


def _json(record: DomainModel) -> str:
    return json.dumps(record.to_record(), separators=(",", ":"), sort_keys=True)


def _check_limit(limit: int) -> None:
    """A page size below 0 is refused (SQLite would read ``LIMIT -1`` as "no limit")."""
    if limit < 0:
        raise ValidationFailed([FieldProblem("limit", "must be 0 or more")])


class EmbeddedStore(UpsertsViaWrite):
    """SQLite-backed :class:`~graph_service.stores.base.GraphStore`; no records in memory."""

    name = "embedded"
    takes_concurrent_writes = False  # SQLite has one writer at a time

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()  # one writer at a time in this process
        self._conn: sqlite3.Connection | None = None  # the writer's connection
        self._instance = ""
        self._local = threading.local()  # each thread's reading connection
        self._readers: list[sqlite3.Connection] = []
        self._generation = 0  # bumped by close(): readers of an earlier open are not reused

    # ------------------------------------------------------------------ life cycle
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
                for statement in (*sql.CREATE, *audit.SQLITE_SCHEMA):
                    conn.execute(statement)
                self._instance = str(conn.execute(sql.INSTANCE).fetchone()[0])
            except sqlite3.Error as error:
                raise StoreUnavailable(f"cannot open embedded store {self.path}: {error}") from None
            self._conn = conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._generation += 1
            readers, self._readers = self._readers, []
        for reader in readers:
            reader.close()

    def ping(self) -> bool:
        try:
            with self._reading() as conn:
                conn.execute("SELECT 1").fetchone()
        except StoreUnavailable:
            return False
        return True

    def data_version(self) -> int:
        with self._reading() as conn:
            return int(conn.execute(sql.DATA_VERSION).fetchone()[0])

    def _connect_reader(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA query_only=ON")
        return conn

    @contextmanager
    def _reading(self, *, snapshot: bool = False) -> Iterator[sqlite3.Connection]:
        """This thread's reading connection; with ``snapshot``, every statement inside the
        block reads the same committed state (one read transaction)."""
        if self._conn is None:
            raise StoreUnavailable("the embedded store is not open")
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        try:
            if conn is None or local.generation != self._generation:
                with self._lock:
                    conn = self._connect_reader()
                    self._readers.append(conn)
                    local.conn, local.generation = conn, self._generation
            if snapshot:
                conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if snapshot and conn.in_transaction:
                    conn.execute("COMMIT")
        except sqlite3.Error as error:
            raise StoreUnavailable(f"embedded store read failed: {error}") from None

    # ------------------------------------------------------------------ writing
    def prepare(self, changes: ChangeSet) -> PreparedWrite:
        """``changes`` with the table rows of every part built (key columns and JSON)."""
        rows = {
            kind.part: [(*kind.columns(r), _json(r)) for r in rs] for kind, rs in changes.parts()
        }
        return PreparedWrite(changes, self, rows)

    def write(self, changes: ChangeSet | PreparedWrite) -> None:
        prepared = self._prepared(changes)
        if self._nothing_to_write(prepared.changes):
            return
        with self._lock:
            done = self._write_tables(prepared.changes, prepared.work)
        # Outside the lock: a listener may read the store.
        if done is not None:
            self._committed(*done)

    def _write_tables(
        self, changes: ChangeSet, rows_of: dict[str, list[tuple[Any, ...]]]
    ) -> tuple[int, ChangeSet] | None:
        """One transaction: delete the (existing) ``deleted_families``, then check and upsert
        each part in write order, bump the version, log the change under it and append the
        change's audit entries. The new version and the change as logged; None (nothing
        written) if nothing was left to do."""
        conn = self._conn
        if conn is None:
            raise StoreUnavailable("the embedded store is not open")
        try:
            conn.execute("BEGIN IMMEDIATE")
            check_in_sqlite(conn, changes.preconditions)  # the program rules, under the lock
            changes = self._deleting_existing(conn, changes)
            if changes.is_empty():
                conn.execute("ROLLBACK")
                return None
            for family_id in changes.deleted_families:
                _check_deletable(family_id, changes)
                for statement, n in sql.DELETE_FAMILY:
                    conn.execute(statement, (family_id,) * n)
            for kind, records in changes.parts():
                sql.require_references(conn, kind, records)
                if kind.part == "referrals":
                    sql.check_referral_rules(conn, records)
                rows = rows_of[kind.part]
                create = changes.new_records and kind.part in CREATED_WHEN_NEW
                conn.executemany((sql.INSERT if create else sql.UPSERT)[kind.part], rows)
            version = int(conn.execute(sql.BUMP_VERSION).fetchone()[0])
            conn.execute(sql.LOG_CHANGE, (version, Change.feed_body(changes)))
            if version % PRUNE_EVERY == 0:
                conn.execute(sql.PRUNE_LOG, (version - FEED_KEEP,))
            audit.append_in_sqlite(conn, changes.audit)  # with the write, or not at all
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as error:
            self._rollback()
            if changes.new_records:  # a key said to be new is stored (written meanwhile)
                raise Conflict(WRITTEN_MEANWHILE, field="id") from None
            raise StoreUnavailable(f"embedded store write failed: {error}") from None
        except sqlite3.Error as error:
            self._rollback()
            raise StoreUnavailable(f"embedded store write failed: {error}") from None
        except BaseException:
            self._rollback()
            raise
        return version, changes

    @staticmethod
    def _deleting_existing(conn: sqlite3.Connection, changes: ChangeSet) -> ChangeSet:
        """``changes`` deleting only the families that exist now, each once, in order."""
        if not changes.deleted_families:
            return changes
        ids = sql.ids_param(changes.deleted_families)
        existing = {row[0] for row in conn.execute(sql.EXISTING_FAMILIES, (ids,))}
        deleted = [f for f in dict.fromkeys(changes.deleted_families) if f in existing]
        if deleted == list(changes.deleted_families):
            return changes
        return replace(changes, deleted_families=deleted)

    def _rollback(self) -> None:
        if self._conn is not None and self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    # ------------------------------------------------------------------ change feed
    def changes_since(self, version: int, *, limit: int = 1000) -> ChangeFeed:
        with self._reading(snapshot=True) as conn:
            rows = conn.execute(sql.CHANGES_SINCE, (version, limit)).fetchall()
            current = int(conn.execute(sql.DATA_VERSION).fetchone()[0])
        changes = [Change.from_feed(int(v), body) for v, body in rows]
        complete = changes[0].version == version + 1 if changes else current <= version
        return ChangeFeed(changes, complete, current)

    def instance_id(self) -> str:
        return self._instance

    def scan(self, part: str) -> Iterator[DomainModel]:
        """Every record of one kind in key order, streamed from one read transaction on a
        connection of its own (so the caller may read the store while it iterates)."""
        kind = KIND_OF_PART[part]
        for rows in self._pages(sql.SCAN[part], SCAN_FETCH):
            for (data,) in rows:
                yield kind.model.model_validate_json(data)

    def scan_rows(self, part: str) -> Iterator[list[Row]]:
        """The read model's rows of ``part`` (:mod:`~graph_service.stores.projection_rows`)
        in key order, ``ROWS_FETCH`` at a time, from one read transaction (a snapshot) on a
        connection of its own; the JSON values picked by SQLite, lists decoded here."""
        lists = [i for i, name in enumerate(ROW_FIELDS[part]) if name in LIST_FIELDS]
        decoded: dict[str | None, tuple[str, ...] | None] = {None: None}
        for rows in self._pages(sql.ROWS[part], ROWS_FETCH):
            if not lists:
                yield rows
                continue
            page: list[Row] = []
            for row in rows:
                values = list(row)
                for i in lists:
                    text = values[i]
                    found = decoded.get(text)
                    if found is None and text is not None:
                        found = decoded[text] = tuple(json.loads(text))
                    values[i] = found
                page.append(values)
            yield page

    def _pages(self, statement: str, size: int) -> Iterator[list[Any]]:
        if self._conn is None:
            raise StoreUnavailable("the embedded store is not open")
        try:
            conn = self._connect_reader()
        except sqlite3.Error as error:
            raise StoreUnavailable(f"embedded store read failed: {error}") from None
        try:
            conn.execute("BEGIN")
            cursor = conn.execute(statement)
            while rows := cursor.fetchmany(size):
                yield rows
        except sqlite3.Error as error:
            raise StoreUnavailable(f"embedded store read failed: {error}") from None
        finally:
            conn.close()

    # ------------------------------------------------------------------ reads
    def _by_id(self, model: type[M], statement: str, ids: Sequence[str]) -> dict[str, M]:
        with self._reading() as conn:
            rows = dict(conn.execute(statement, (sql.ids_param(ids),)).fetchall())
        return {i: model.model_validate_json(rows[i]) for i in dict.fromkeys(ids) if i in rows}

    def _models(self, model: type[M], statement: str, params: Any = ()) -> list[M]:
        with self._reading() as conn:
            rows = conn.execute(statement, params).fetchall()
        return [model.model_validate_json(data) for (data,) in rows]

    def _grouped(self, model: type[M], statement: str, ids: Sequence[str]) -> dict[str, list[M]]:
        """``{owner: [records]}`` for every existing owner among ``ids`` (in ``ids`` order),
        from a statement giving (owner, record JSON or NULL) in record order."""
        with self._reading() as conn:
            rows = conn.execute(statement, (sql.ids_param(ids),)).fetchall()
        found: dict[str, list[M]] = {}
        for owner, data in rows:
            records = found.setdefault(owner, [])
            if data is not None:
                records.append(model.model_validate_json(data))
        return {i: found[i] for i in dict.fromkeys(ids) if i in found}

    def get_families(self, ids: Sequence[str]) -> dict[str, Family]:
        return self._by_id(Family, sql.GET_FAMILIES, ids)

    @staticmethod
    def _filter_params(filter: FamilyFilter) -> dict[str, Any]:
        regions = filter.region_ids
        consent = filter.consent_matching
        return {
            "regions": None if regions is None else sql.ids_param(regions),
            "goal": filter.goal_id,
            "cohort": filter.cohort_id,
            "consent": None if consent is None else int(consent),
        }

    @staticmethod
    def _driver(filter: FamilyFilter, *, counting: bool) -> str:
        """The statement variant led by the most selective filter given."""
        if filter.cohort_id is not None:
            return "cohort"
        if filter.goal_id is not None:
            return "goal"
        # A page in id order is found soonest by walking ids; a count uses the region index.
        return "region" if counting and filter.region_ids is not None else "all"

    def list_families(self, filter: FamilyFilter, *, after: str | None, limit: int) -> FamilyPage:
        _check_limit(limit)
        params = {**self._filter_params(filter), "after": after or "", "limit": limit + 1}
        statement = sql.FAMILY_PAGE[self._driver(filter, counting=False)]
        found = self._models(Family, statement, params)
        return FamilyPage(found[:limit], len(found) > limit)

    def count_families(self, filter: FamilyFilter) -> int:
        statement = sql.COUNT_FAMILIES[self._driver(filter, counting=True)]
        with self._reading() as conn:
            return int(conn.execute(statement, self._filter_params(filter)).fetchone()[0])

    def get_cohorts(self, ids: Sequence[str]) -> dict[str, Cohort]:
        return self._by_id(Cohort, sql.GET_COHORTS, ids)

    def list_cohorts(
        self, region_ids: tuple[str, ...] | None, *, after: str | None, limit: int
    ) -> list[Cohort]:
        _check_limit(limit)
        regions = None if region_ids is None else sql.ids_param(region_ids)
        params = {"regions": regions, "after": after or "", "limit": limit}
        return self._models(Cohort, sql.COHORT_PAGE, params)

    def get_proposals(self, ids: Sequence[str]) -> dict[str, CohortProposal]:
        return self._by_id(CohortProposal, sql.GET_PROPOSALS, ids)

    def list_proposals(self, region_id: str) -> list[CohortProposal]:
        return self._models(CohortProposal, sql.PROPOSALS_OF_REGION, (region_id,))

    def list_goals(self) -> list[Goal]:
        return self._models(Goal, sql.LIST_GOALS)

    def list_regions(self) -> list[Region]:
        return self._models(Region, sql.LIST_REGIONS)

    def memberships_of_families(self, family_ids: Sequence[str]) -> dict[str, list[MemberOf]]:
        """Memberships (any status) of each existing family, in cohort-id order."""
        return self._grouped(MemberOf, sql.MEMBERSHIPS_OF_FAMILIES, family_ids)

    def members_of_cohorts(self, cohort_ids: Sequence[str]) -> dict[str, list[MemberOf]]:
        """Memberships (any status) of each existing cohort, in family-id order."""
        return self._grouped(MemberOf, sql.MEMBERS_OF_COHORTS, cohort_ids)

    def pursuits_of(self, family_ids: Sequence[str]) -> dict[str, list[Pursues]]:
        """Goals pursued by each existing family, in goal-id order."""
        return self._grouped(Pursues, sql.PURSUITS_OF, family_ids)

    def introductions_of(self, family_ids: Sequence[str]) -> dict[str, list[Introduction]]:
        """Introductions each existing family asked for or was asked about."""
        ids = sql.ids_param(family_ids)
        with self._reading(snapshot=True) as conn:
            existing = [row[0] for row in conn.execute(sql.EXISTING_FAMILIES, (ids,))]
            rows = conn.execute(sql.INTRODUCTIONS_OF, {"ids": ids}).fetchall()
        found: dict[str, list[Introduction]] = {f: [] for f in existing}
        for owner, data in rows:
            found[owner].append(Introduction.model_validate_json(data))
        for records in found.values():
            records.sort(key=lambda i: (i.requested_on, i.id))
        return {f: found[f] for f in dict.fromkeys(family_ids) if f in found}

    def help_of(self, family_ids: Sequence[str]) -> dict[str, list[Helped]]:
        """Every help exchange given or received by each existing family, by (at, id)."""
        ids = sql.ids_param(family_ids)
        with self._reading(snapshot=True) as conn:
            existing = [row[0] for row in conn.execute(sql.EXISTING_FAMILIES, (ids,))]
            rows = conn.execute(sql.HELP_OF, {"ids": ids}).fetchall()
        found: dict[str, list[Helped]] = {f: [] for f in existing}
        for owner, data in rows:
            found[owner].append(Helped.model_validate_json(data))
        for helps in found.values():
            helps.sort(key=lambda h: (h.at, h.id))
        return {f: found[f] for f in dict.fromkeys(family_ids) if f in found}

    def referrer_of(self, family_ids: Sequence[str]) -> dict[str, Referred]:
        """The referral of each family that has a referrer (others are absent)."""
        return self._by_id(Referred, sql.REFERRER_OF, family_ids)

    def _require_family(self, conn: sqlite3.Connection, family_id: str, field: str) -> None:
        if not conn.execute(sql.EXISTING_FAMILIES, (sql.ids_param([family_id]),)).fetchone():
            raise NotFound(f"family {family_id!r} does not exist", field=field)

    def referral_subtree(self, root_id: str, *, max_depth: int | None = None) -> list[Referred]:
        """REFERRED edges below ``root_id``, breadth-first (level by level; within a level by
        the referrer's position in the level before, then referred id)."""
        levels: dict[int, list[Referred]] = defaultdict(list)
        with self._reading(snapshot=True) as conn:
            self._require_family(conn, root_id, "rootId")
            params = {"root": root_id, "max_depth": max_depth}
            for data, depth in conn.execute(sql.REFERRAL_SUBTREE, params):
                levels[int(depth)].append(Referred.model_validate_json(data))
        return sql.breadth_first(root_id, levels)

    def neighbourhood(self, family_id: str, *, hops: int = 1) -> set[str]:
        """Families within ``hops`` help/referral/active-cohort ties of ``family_id``
        (excluded); :class:`NotFound` (``familyId``) if there is no such family."""
        with self._reading(snapshot=True) as conn:
            self._require_family(conn, family_id, "familyId")
            seen, frontier = {family_id}, [family_id]
            for _ in range(hops):
                reached = {
                    row[0] for row in conn.execute(sql.NEIGHBOURS, (sql.ids_param(frontier),))
                }
                frontier = sorted(reached - seen)
                seen.update(frontier)
                if not frontier:
                    break
        return seen - {family_id}

    def counts(self) -> dict[str, int]:
        """Nodes per label and relationships per type, every label and type present."""
        with self._reading() as conn:
            row = conn.execute(sql.COUNTS).fetchone()
        counts = dict.fromkeys((*NODE_LABELS, *RELATIONSHIP_TYPES), 0)
        counts.update(zip(sql.COUNT_KEYS, (int(n) for n in row), strict=True))
        counts["LIVES_IN"] = counts["Family"]
        return counts

    # ------------------------------------------------------------------ the journal
    def journal_of(self, part: str, family_ids: Sequence[str]) -> dict[str, list[DomainModel]]:
        """Records of a journal kind (``reports``, ``actions``, ``verifications``) of each
        family among ``family_ids`` that has any, in id order."""
        kind = KIND_OF_PART[part]
        if kind.projected:
            raise ValueError(f"{part} is not a journal kind")
        with self._reading() as conn:
            rows = conn.execute(sql.JOURNAL_OF[part], (sql.ids_param(family_ids),)).fetchall()
        found: dict[str, list[DomainModel]] = {}
        for owner, data in rows:
            found.setdefault(owner, []).append(kind.model.model_validate_json(data))
        return found

    def reports_between(self, first: str, last: str) -> list[MonthlyReport]:
        """Every report version of the months ``first`` to ``last`` (``YYYY-MM``)."""
        params = {"first": first, "last": last}
        return self._models(MonthlyReport, sql.REPORTS_BETWEEN, params)

    # ------------------------------------------------------------------ payment ledger
    def payment_ledger(self) -> SqlitePaymentLedger:
        """The payments for reporting (graph_service/stores/payments.py), in this file."""
        ledger: SqlitePaymentLedger | None = getattr(self, "_payment_ledger", None)
        if ledger is None:
            ledger = self._payment_ledger = SqlitePaymentLedger(self.path)
        return ledger

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


def _check_deletable(family_id: str, changes: ChangeSet) -> None:
    """Nothing in the same change set may refer to a family it deletes."""
    for kind, records in changes.parts():
        for field_name, target in kind.references:
            if target != "family":
                continue
            if any(family_id in referenced_ids(kind, field_name, r) for r in records):
                raise NotFound(f"family {family_id!r} is deleted", field=field_name)
