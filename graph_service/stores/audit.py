"""The audit log: an append-only record, in the store, of who did what to whom.

Recorded (``AuditAction``): consent changes, reads of private fields by organizers and
admins, exports, token issuance and erasures. An entry names the actor (``role:subject``),
the action, the target (a family id, or a report name) and a short detail that never holds
a private value (field *names*, never their contents; an erased family's id only). Only
admins read it (``auditLog`` in the API). The service has no operation that changes or
removes an entry: the SQLite table refuses ``UPDATE`` and ``DELETE`` by trigger, and the
Neo4j statements only ``CREATE`` (``queries/audit_*.cypher``).

Audited *writes* (consent changes, erasures, report verifications and corrections) carry their
entries in the change set (``ChangeSet.audit``): the store appends them inside the write
transaction, after the records and the change-feed entry, with :func:`append_in_sqlite` or
:func:`append_in_neo4j`. A write that is refused (a broken rule, a missing reference) or fails
therefore leaves no entry, a failed append rolls the write back, and a committed write always
has its entry. Audited *reads* (private-field reads, exports, token issuance) have no write
to share a transaction with: :meth:`AuditLog.append` records them in a transaction of their
own, before the answer is returned.

:func:`audit_log_of` gives the log of a store: a table in the embedded store's SQLite file,
``:AuditEntry`` nodes in Neo4j.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from graph_service.errors import StoreUnavailable
from queries import cypher, statements

if TYPE_CHECKING:
    from neo4j import ManagedTransaction


class AuditAction(StrEnum):
    CONSENT_CHANGED = "consent_changed"
    PRIVATE_READ = "private_read"
    EXPORT = "export"
    TOKEN_ISSUED = "token_issued"
    FAMILY_ERASED = "family_erased"
    REPORT_VERIFIED = "report_verified"
    REPORT_CORRECTED = "report_corrected"


@dataclass(frozen=True)
class AuditEntry:
    id: str
    seq: str  # sortable: zero-padded microseconds since 1970 (UTC)
    at: datetime
    actor: str
    action: AuditAction
    target: str
    detail: str = ""

    @property
    def cursor_key(self) -> str:
        return f"{self.seq}|{self.id}"

    @staticmethod
    def new(actor: str, action: AuditAction, target: str, detail: str = "") -> AuditEntry:
        now = datetime.now(UTC)
        micros = int(now.timestamp() * 1_000_000)
        return AuditEntry(
            id=f"a-{secrets.token_hex(8)}",
            seq=f"{micros:020d}",
            at=now,
            actor=actor,
            action=action,
            target=target,
            detail=detail,
        )

    def to_row(self) -> dict[str, str]:
        return {
            "id": self.id,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action.value,
            "target": self.target,
            "detail": self.detail,
        }

    @staticmethod
    def from_row(row: dict[str, Any]) -> AuditEntry:
        return AuditEntry(
            id=str(row["id"]),
            seq=str(row["seq"]),
            at=datetime.fromisoformat(str(row["at"])),
            actor=str(row["actor"]),
            action=AuditAction(str(row["action"])),
            target=str(row["target"]),
            detail=str(row["detail"]),
        )


class AuditLog(Protocol):
    def append(self, entries: Sequence[AuditEntry]) -> None:
        """Entries of an audited *read*, in a transaction of their own (a write's entries go
        in its change set instead: ``ChangeSet.audit``)."""
        ...

    def page(
        self, after: str | None = None, limit: int = 50, action: AuditAction | None = None
    ) -> list[AuditEntry]:
        """Entries oldest first, after the cursor key ``after``."""
        ...


SQLITE_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audit_log (
        seq TEXT NOT NULL, id TEXT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS audit_log_seq ON audit_log (seq, id)",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
)
_COLUMNS = ("seq", "id", "at", "actor", "action", "target", "detail")
_INSERT = "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?)"


def _rows(entries: Sequence[AuditEntry]) -> list[tuple[str, ...]]:
    return [tuple(e.to_row()[c] for c in _COLUMNS) for e in entries]


def append_in_sqlite(conn: sqlite3.Connection, entries: Sequence[AuditEntry]) -> None:
    """Append ``entries`` on ``conn`` inside the caller's open write transaction (the embedded
    store's ``BEGIN IMMEDIATE``): they commit or roll back with it."""
    if entries:
        conn.executemany(_INSERT, _rows(entries))


def append_in_neo4j(tx: ManagedTransaction, entries: Sequence[AuditEntry]) -> None:
    """Append ``entries`` inside the caller's write transaction (``Neo4jStore.write``)."""
    if entries:
        tx.run(cypher("audit_append"), entries=[e.to_row() for e in entries]).consume()


class SqliteAuditLog:
    """The audit table in the embedded store's SQLite file (a connection of its own)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                conn = sqlite3.connect(
                    self.path, check_same_thread=False, isolation_level=None, timeout=10
                )
                conn.execute("PRAGMA synchronous=FULL")
                for statement in SQLITE_SCHEMA:
                    conn.execute(statement)
            except sqlite3.Error as error:
                raise StoreUnavailable(f"cannot open the audit log: {error}") from None
            self._conn = conn
        return self._conn

    def append(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                append_in_sqlite(conn, entries)
            except sqlite3.Error:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def page(
        self, after: str | None = None, limit: int = 50, action: AuditAction | None = None
    ) -> list[AuditEntry]:
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    "SELECT seq, id, at, actor, action, target, detail FROM audit_log "
                    "WHERE seq || '|' || id > ? AND (? IS NULL OR action = ?) "
                    "ORDER BY seq, id LIMIT ?",
                    (after or "", action, action, limit),
                )
                .fetchall()
            )
        return [AuditEntry.from_row(dict(zip(_COLUMNS, row, strict=True))) for row in rows]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class Neo4jAuditLog:
    """``:AuditEntry`` nodes, written and read only by ``queries/audit_*.cypher``."""

    def __init__(self, driver: Any, database: str) -> None:
        self.driver = driver
        self.database = database
        self._schema_ready = False

    def _ensure_schema(self) -> None:
        if not self._schema_ready:
            for statement in statements("audit_schema"):
                self.driver.execute_query(statement, database_=self.database)
            self._schema_ready = True

    def append(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        self._ensure_schema()
        rows = [e.to_row() for e in entries]
        self.driver.execute_query(cypher("audit_append"), entries=rows, database_=self.database)

    def page(
        self, after: str | None = None, limit: int = 50, action: AuditAction | None = None
    ) -> list[AuditEntry]:
        self._ensure_schema()
        records, _, _ = self.driver.execute_query(
            cypher("audit_page"),
            after=after or "",
            action=action.value if action else None,
            limit=limit,
            database_=self.database,
            routing_="r",
        )
        return [AuditEntry.from_row(dict(r["record"])) for r in records]


def audit_log_of(store: Any) -> AuditLog:
    """The audit log kept in ``store`` (each store class gives its own, see above)."""
    log: AuditLog = store.audit_log()
    return log


def record(store: Any, actor: str, action: AuditAction, target: str, detail: str = "") -> None:
    """Append one entry of an audited read (an export, a token) to the audit log of
    ``store``, in a transaction of its own."""
    audit_log_of(store).append([AuditEntry.new(actor, action, target, detail)])
