"""The privacy-loss ledger: what each researcher has spent of their budget, per period.

Every research release (:mod:`graph_service.services.privacy_budget`) is recorded with its
epsilon and the noisy answer itself, atomically with the check that the budget allows it:

- :class:`SqliteLedger`: a ``privacy_spend`` table in the embedded store's own SQLite file
  (its own connection; ``BEGIN IMMEDIATE`` serialises concurrent writers, also across
  processes);
- :class:`Neo4jLedger`: ``:PrivacyBudget`` and ``:PrivacySpend`` nodes
  (``queries/privacy_*.cypher``); the budget node's write lock serialises concurrent
  releases, uniqueness constraints keep one node per key.

A release key already recorded for the researcher returns the stored answer without spending
again: asking the same question twice gives the same noisy answer, so repeating it cannot
average the noise away, and it costs nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from queries import cypher, statements

if TYPE_CHECKING:
    import neo4j

EPSILON_SLACK = 1e-9  # floating-point sums of epsilons


class BudgetExceeded(Exception):
    """The release would take the researcher's spending over the limit (nothing recorded)."""

    def __init__(self, spent: float, limit: float) -> None:
        super().__init__(f"spent {spent:g} of {limit:g}")
        self.spent = spent
        self.limit = limit


@dataclass(frozen=True)
class Spend:
    """One release to record: ``payload`` is the answer (JSON), stored with the spend."""

    researcher: str
    period: str  # the budget period, e.g. "2026Q4"
    release: str  # what was asked (report, parameters, data version)
    epsilon: float
    limit: float
    at: str  # ISO time of the release
    payload: str


class PrivacyLedger(Protocol):
    def find(self, researcher: str, release: str) -> str | None:
        """The stored payload of an earlier identical release, or None."""

    def record(self, spend: Spend) -> tuple[str, float]:
        """Record ``spend`` unless the same release exists; return the payload that holds
        (the earlier one when it exists) and the total spent in the period afterwards.
        Raises :class:`BudgetExceeded` (recording nothing) when the limit would be passed."""

    def spent(self, researcher: str, period: str) -> float: ...


_CREATE = (
    "CREATE TABLE IF NOT EXISTS privacy_spend (researcher TEXT NOT NULL, period TEXT NOT NULL,"
    " release TEXT NOT NULL, epsilon REAL NOT NULL, at TEXT NOT NULL, payload TEXT NOT NULL,"
    " PRIMARY KEY (researcher, release))"
)
_FIND = "SELECT payload FROM privacy_spend WHERE researcher = ? AND release = ?"
_SPENT = "SELECT COALESCE(SUM(epsilon), 0) FROM privacy_spend WHERE researcher = ? AND period = ?"
_INSERT = "INSERT INTO privacy_spend VALUES (?, ?, ?, ?, ?, ?)"


class SqliteLedger:
    """The ledger in a SQLite file (the embedded store's)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                self._path, check_same_thread=False, isolation_level=None, timeout=30
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(_CREATE)
            self._conn = conn
        return self._conn

    def find(self, researcher: str, release: str) -> str | None:
        with self._lock:
            row = self._connection().execute(_FIND, (researcher, release)).fetchone()
            return None if row is None else str(row[0])

    def record(self, spend: Spend) -> tuple[str, float]:
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(_FIND, (spend.researcher, spend.release)).fetchone()
                spent = float(conn.execute(_SPENT, (spend.researcher, spend.period)).fetchone()[0])
                if row is not None:
                    conn.execute("ROLLBACK")
                    return str(row[0]), spent
                if spent + spend.epsilon > spend.limit + EPSILON_SLACK:
                    conn.execute("ROLLBACK")
                    raise BudgetExceeded(spent, spend.limit)
                conn.execute(
                    _INSERT,
                    (
                        spend.researcher,
                        spend.period,
                        spend.release,
                        spend.epsilon,
                        spend.at,
                        spend.payload,
                    ),
                )
                conn.execute("COMMIT")
                return spend.payload, spent + spend.epsilon
            except sqlite3.Error:
                conn.execute("ROLLBACK")
                raise

    def spent(self, researcher: str, period: str) -> float:
        with self._lock:
            return float(self._connection().execute(_SPENT, (researcher, period)).fetchone()[0])


def _keys(researcher: str, period: str, release: str) -> dict[str, str]:
    return {
        "budgetKey": f"{researcher}\x1f{period}",
        "spendKey": f"{researcher}\x1f{release}",
    }


class Neo4jLedger:
    """The ledger as ``:PrivacyBudget`` / ``:PrivacySpend`` nodes in the Neo4j database."""

    def __init__(self, driver: neo4j.Driver, database: str) -> None:
        self._driver = driver
        self._database = database
        self._ready = False

    def _schema(self) -> None:
        if not self._ready:
            for statement in statements("privacy_schema"):
                self._driver.execute_query(statement, database_=self._database)
            self._ready = True

    def find(self, researcher: str, release: str) -> str | None:
        self._schema()
        records, _, _ = self._driver.execute_query(
            cypher("privacy_find"),
            {"spendKey": _keys(researcher, "", release)["spendKey"]},
            database_=self._database,
        )
        return None if not records else str(records[0]["payload"])

    def record(self, spend: Spend) -> tuple[str, float]:
        self._schema()
        keys = _keys(spend.researcher, spend.period, spend.release)

        def work(tx: neo4j.ManagedTransaction) -> tuple[str, float]:
            base: dict[str, Any] = {
                **keys,
                "researcher": spend.researcher,
                "period": spend.period,
                "at": spend.at,
            }
            spent = float(tx.run(cypher("privacy_lock"), base).single(strict=True)["spent"])
            found = tx.run(cypher("privacy_find"), base).single()
            if found is not None:
                return str(found["payload"]), spent
            if spent + spend.epsilon > spend.limit + EPSILON_SLACK:
                raise BudgetExceeded(spent, spend.limit)
            row = tx.run(
                cypher("privacy_spend"),
                {
                    **base,
                    "release": spend.release,
                    "epsilon": spend.epsilon,
                    "payload": spend.payload,
                },
            ).single(strict=True)
            return spend.payload, float(row["spent"])

        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)

    def spent(self, researcher: str, period: str) -> float:
        self._schema()
        records, _, _ = self._driver.execute_query(
            cypher("privacy_spent"),
            {"budgetKey": _keys(researcher, period, "")["budgetKey"]},
            database_=self._database,
        )
        return float(records[0]["spent"])
