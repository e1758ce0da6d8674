"""Sign-in codes and web sessions, kept in the configured store beside the family graph.

Only hashes are stored: a code or a session token is never written in clear. A code is taken
(redeemed) by one atomic statement that checks it is unused and unexpired and marks it used
in the same step, so two concurrent sign-ins with the same code cannot both succeed.

- Embedded store: two SQLite tables in the store's file (``signin_codes``, ``web_sessions``),
  written through a connection of their own (SQLite serialises writers across connections).
- Neo4j: nodes ``(:SignInCode {hash})`` and ``(:WebSession {hash})`` with uniqueness
  constraints (``queries/schema.cypher``) and the statements ``queries/credential_*.cypher``.

Neither touches the family graph or its data version.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from graph_service.errors import StoreUnavailable
from queries import cypher


@dataclass(frozen=True)
class Grant:
    """What a code or a session lets its holder act as."""

    role: str
    subject: str
    regions: tuple[str, ...] = ()


class CredentialStore(Protocol):
    """Persistence of sign-in codes and sessions (hashes only)."""

    def put_code(self, code_hash: str, grant: Grant, expires_at: datetime) -> None: ...

    def take_code(self, code_hash: str, now: datetime) -> Grant | None:
        """Mark the code used and return its grant, if it exists, is unused and unexpired."""
        ...

    def put_session(self, session_hash: str, grant: Grant, expires_at: datetime) -> None: ...

    def get_session(self, session_hash: str, now: datetime) -> Grant | None: ...

    def end_session(self, session_hash: str) -> None: ...


@runtime_checkable
class HasCredentials(Protocol):
    def credentials(self) -> CredentialStore: ...


def credentials_for(store: object) -> CredentialStore:
    """The credential store that lives beside ``store`` (the embedded file, or Neo4j)."""
    if isinstance(store, HasCredentials):
        return store.credentials()
    path = getattr(store, "path", None)
    if isinstance(path, Path):
        return SqliteCredentials(path)
    raise TypeError(f"{type(store).__name__} keeps no credentials")


def _iso(moment: datetime) -> str:
    """A fixed-width UTC text, so that comparing texts compares moments."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS signin_codes (hash TEXT PRIMARY KEY, grant_json TEXT NOT NULL, "
    "expires_at TEXT NOT NULL, used_at TEXT)",
    "CREATE TABLE IF NOT EXISTS web_sessions (hash TEXT PRIMARY KEY, grant_json TEXT NOT NULL, "
    "expires_at TEXT NOT NULL)",
)


def _grant_json(grant: Grant) -> str:
    return json.dumps({"role": grant.role, "subject": grant.subject, "regions": grant.regions})


def _grant_of(text: str) -> Grant:
    data = json.loads(text)
    return Grant(str(data["role"]), str(data["subject"]), tuple(data.get("regions", ())))


class SqliteCredentials:
    """Credentials in the embedded store's SQLite file (one connection per instance)."""

    _instances: ClassVar[dict[Path, SqliteCredentials]] = {}
    _instances_lock: ClassVar[threading.Lock] = threading.Lock()

    def __new__(cls, path: Path) -> SqliteCredentials:
        # One connection per file and process: the store hands out the same object each time.
        with cls._instances_lock:
            key = Path(path).resolve()
            found = cls._instances.get(key)
            if found is None:
                found = super().__new__(cls)
                found._init(key)
                cls._instances[key] = found
            return found

    def _init(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    self.path, check_same_thread=False, isolation_level=None, timeout=10
                )
                conn.execute("PRAGMA journal_mode=WAL")
                for statement in _SQLITE_SCHEMA:
                    conn.execute(statement)
            except sqlite3.Error as error:
                raise StoreUnavailable(f"cannot open {self.path}: {error}") from error
            self._conn = conn
        return self._conn

    def _run(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return list(self._connection().execute(sql, params).fetchall())
            except sqlite3.Error as error:
                raise StoreUnavailable(f"credentials in {self.path}: {error}") from error

    def put_code(self, code_hash: str, grant: Grant, expires_at: datetime) -> None:
        self._run(
            "INSERT INTO signin_codes VALUES (?, ?, ?, NULL)",
            (code_hash, _grant_json(grant), _iso(expires_at)),
        )

    def take_code(self, code_hash: str, now: datetime) -> Grant | None:
        rows = self._run(
            "UPDATE signin_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL "
            "AND expires_at > ? RETURNING grant_json",
            (_iso(now), code_hash, _iso(now)),
        )
        return _grant_of(rows[0][0]) if rows else None

    def put_session(self, session_hash: str, grant: Grant, expires_at: datetime) -> None:
        self._run(
            "INSERT INTO web_sessions VALUES (?, ?, ?)",
            (session_hash, _grant_json(grant), _iso(expires_at)),
        )

    def get_session(self, session_hash: str, now: datetime) -> Grant | None:
        rows = self._run(
            "SELECT grant_json FROM web_sessions WHERE hash = ? AND expires_at > ?",
            (session_hash, _iso(now)),
        )
        return _grant_of(rows[0][0]) if rows else None

    def end_session(self, session_hash: str) -> None:
        self._run("DELETE FROM web_sessions WHERE hash = ?", (session_hash,))


class Neo4jCredentials:
    """Credentials as ``SignInCode`` / ``WebSession`` nodes (statements in ``queries/``)."""

    def __init__(self, driver: Any, database: str) -> None:
        self._driver = driver
        self._database = database

    def _query(self, name: str, **params: Any) -> list[Any]:
        import neo4j

        try:
            records, _, _ = self._driver.execute_query(
                cypher(name), params, database_=self._database
            )
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired) as error:
            raise StoreUnavailable(f"Neo4j is unavailable ({type(error).__name__})") from error
        return list(records)

    def put_code(self, code_hash: str, grant: Grant, expires_at: datetime) -> None:
        self._query(
            "credential_code_put",
            hash=code_hash,
            grant=_grant_json(grant),
            expiresAt=_iso(expires_at),
        )

    def take_code(self, code_hash: str, now: datetime) -> Grant | None:
        rows = self._query("credential_code_take", hash=code_hash, now=_iso(now))
        return _grant_of(rows[0]["grant"]) if rows else None

    def put_session(self, session_hash: str, grant: Grant, expires_at: datetime) -> None:
        self._query(
            "credential_session_put",
            hash=session_hash,
            grant=_grant_json(grant),
            expiresAt=_iso(expires_at),
        )

    def get_session(self, session_hash: str, now: datetime) -> Grant | None:
        rows = self._query("credential_session_get", hash=session_hash, now=_iso(now))
        return _grant_of(rows[0]["grant"]) if rows else None

    def end_session(self, session_hash: str) -> None:
        self._query("credential_session_end", hash=session_hash)
