"""The payment ledger: payments for reporting, in integer cents, with an idempotency key.

Every payment is keyed by ``(family, period)`` (``ana:2026-Q1``): scheduling a key that is
already in the ledger does nothing, so a payout run twice pays nothing twice (the check is the
insert itself: ``INSERT OR IGNORE`` on the primary key in SQLite; ``MERGE`` on a uniqueness
constraint in Neo4j, both inside the write transaction). States move
``scheduled -> fulfilled | canceled | failed`` and only from ``scheduled`` (the transition is
one conditional update). Every state a payment enters is also appended to an append-only
event list with its time, so the ledger *balances*: the cents ever scheduled equal the cents
now fulfilled + canceled + failed + still scheduled (:meth:`PaymentLedger.balance`).

- :class:`SqlitePaymentLedger`: tables ``payments`` and ``payment_events`` in the embedded
  store's file (its own connection; ``BEGIN IMMEDIATE``).
- :class:`Neo4jPaymentLedger`: ``:Payment`` nodes and ``:PaymentEvent`` nodes
  (``queries/payment_*.cypher``).
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from queries import cypher, statements

if TYPE_CHECKING:
    import neo4j


class PaymentState(StrEnum):
    SCHEDULED = "scheduled"
    FULFILLED = "fulfilled"
    CANCELED = "canceled"
    FAILED = "failed"


SETTLED = (PaymentState.FULFILLED, PaymentState.CANCELED, PaymentState.FAILED)


def payment_key(family_id: str, period: str) -> str:
    """The idempotency key of a family's payment for a period.

    >>> payment_key("ana", "2026-Q1")
    'ana:2026-Q1'
    """
    return f"{family_id}:{period}"


@dataclass(frozen=True)
class Payment:
    """One payment: ``amount_cents`` for ``reports`` reports of ``period``."""

    key: str
    family_id: str
    period: str
    amount_cents: int
    reports: int
    state: PaymentState
    scheduled_at: str
    settled_at: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if type(self.amount_cents) is not int or self.amount_cents < 0:
            raise ValueError("amount_cents must be whole cents, 0 or more")

    def row(self) -> tuple[Any, ...]:
        return (
            self.key,
            self.family_id,
            self.period,
            self.amount_cents,
            self.reports,
            self.state.value,
            self.scheduled_at,
            self.settled_at,
            self.note,
        )

    @staticmethod
    def of(values: Sequence[Any]) -> Payment:
        key, family, period, amount, reports, state, scheduled, settled, note = values
        return Payment(
            str(key),
            str(family),
            str(period),
            int(amount),
            int(reports),
            PaymentState(state),
            str(scheduled),
            None if settled is None else str(settled),
            str(note or ""),
        )


@dataclass(frozen=True)
class Balance:
    """Cents ever scheduled, and now in each state; ``balances`` when they add up."""

    scheduled_ever: int
    by_state: dict[str, int]

    @property
    def balances(self) -> bool:
        return self.scheduled_ever == sum(self.by_state.values())


class PaymentLedger(Protocol):
    def schedule(self, payments: Sequence[Payment]) -> list[Payment]:
        """Insert the payments whose key is not in the ledger yet (one transaction); the
        ones inserted (a rerun inserts none)."""

    def settle(self, key: str, state: PaymentState, at: str, note: str = "") -> bool:
        """Move a scheduled payment to ``state``; False (nothing written) if it is not
        scheduled (settled already, or no such key)."""

    def payments(self, period: str | None = None, family_id: str | None = None) -> list[Payment]:
        """Payments of a period and/or family, by key."""

    def balance(self, period: str | None = None) -> Balance: ...


def ledger_of(store: object) -> PaymentLedger:
    """The payment ledger of a store (both stores have one, beside their graph)."""
    make = getattr(store, "payment_ledger", None)
    if make is None:
        raise TypeError(f"{type(store).__name__} has no payment ledger")
    ledger: PaymentLedger = make()
    return ledger


# ---------------------------------------------------------------------------------- SQLite
_CREATE = (
    "CREATE TABLE IF NOT EXISTS payments (key TEXT PRIMARY KEY, family_id TEXT NOT NULL, "
    "period TEXT NOT NULL, amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0), "
    "reports INTEGER NOT NULL, state TEXT NOT NULL, scheduled_at TEXT NOT NULL, "
    "settled_at TEXT, note TEXT NOT NULL DEFAULT '')",
    "CREATE INDEX IF NOT EXISTS payments_family ON payments (family_id, period)",
    "CREATE INDEX IF NOT EXISTS payments_period ON payments (period)",
    "CREATE TABLE IF NOT EXISTS payment_events (key TEXT NOT NULL, period TEXT NOT NULL, "
    "state TEXT NOT NULL, amount_cents INTEGER NOT NULL, at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS payment_events_period ON payment_events (period)",
    "CREATE TRIGGER IF NOT EXISTS payment_events_append_only BEFORE UPDATE ON payment_events "
    "BEGIN SELECT RAISE(ABORT, 'payment events are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS payment_events_no_delete BEFORE DELETE ON payment_events "
    "BEGIN SELECT RAISE(ABORT, 'payment events are append-only'); END",
)
_INSERT = "INSERT OR IGNORE INTO payments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_EVENT = "INSERT INTO payment_events VALUES (?, ?, ?, ?, ?)"
_SETTLE = (
    "UPDATE payments SET state = ?, settled_at = ?, note = ? WHERE key = ? AND state = 'scheduled' "
    "RETURNING period, amount_cents"
)
_SELECT = (
    "SELECT * FROM payments WHERE (:period IS NULL OR period = :period) "
    "AND (:family IS NULL OR family_id = :family) ORDER BY key"
)
_SCHEDULED_EVER = (
    "SELECT coalesce(sum(amount_cents), 0) FROM payment_events WHERE state = 'scheduled' "
    "AND (:period IS NULL OR period = :period)"
)
_BY_STATE = (
    "SELECT state, coalesce(sum(amount_cents), 0) FROM payments "
    "WHERE (:period IS NULL OR period = :period) GROUP BY state"
)


class SqlitePaymentLedger:
    """The ledger in a SQLite file (the embedded store's)."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA busy_timeout=30000")
        self._lock = threading.Lock()
        for statement in _CREATE:
            self._conn.execute(statement)

    def schedule(self, payments: Sequence[Payment]) -> list[Payment]:
        inserted: list[Payment] = []
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                for payment in payments:
                    if conn.execute(_INSERT, payment.row()).rowcount:
                        conn.execute(
                            _EVENT,
                            (
                                payment.key,
                                payment.period,
                                "scheduled",
                                payment.amount_cents,
                                payment.scheduled_at,
                            ),
                        )
                        inserted.append(payment)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return inserted

    def settle(self, key: str, state: PaymentState, at: str, note: str = "") -> bool:
        if state not in SETTLED:
            raise ValueError(f"a payment is settled as one of {[s.value for s in SETTLED]}")
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(_SETTLE, (state.value, at, note, key)).fetchone()
                if row is not None:
                    conn.execute(_EVENT, (key, row[0], state.value, row[1], at))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return row is not None

    def payments(self, period: str | None = None, family_id: str | None = None) -> list[Payment]:
        with self._lock:
            rows = self._conn.execute(_SELECT, {"period": period, "family": family_id}).fetchall()
        return [Payment.of(row) for row in rows]

    def balance(self, period: str | None = None) -> Balance:
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                ever = int(self._conn.execute(_SCHEDULED_EVER, {"period": period}).fetchone()[0])
                by_state = dict(self._conn.execute(_BY_STATE, {"period": period}).fetchall())
            finally:
                self._conn.execute("COMMIT")
        return Balance(ever, {s.value: int(by_state.get(s.value, 0)) for s in PaymentState})


# ----------------------------------------------------------------------------------- Neo4j
class Neo4jPaymentLedger:
    """The ledger as ``:Payment`` / ``:PaymentEvent`` nodes (``queries/payment_*.cypher``)."""

    def __init__(self, driver: neo4j.Driver, database: str) -> None:
        self._driver = driver
        self._database = database
        for statement in statements("payment_schema"):
            driver.execute_query(statement, database_=database)

    def _session(self) -> neo4j.Session:
        return self._driver.session(database=self._database)

    def schedule(self, payments: Sequence[Payment]) -> list[Payment]:
        rows = [
            {
                "key": p.key,
                "familyId": p.family_id,
                "period": p.period,
                "amountCents": p.amount_cents,
                "reports": p.reports,
                "scheduledAt": p.scheduled_at,
            }
            for p in payments
        ]

        run = secrets.token_hex(8)

        def work(tx: neo4j.ManagedTransaction) -> set[str]:
            result = tx.run(cypher("payment_schedule"), rows=rows, run=run)
            return {str(record["key"]) for record in result}

        with self._session() as session:
            created = session.execute_write(work)
        return [p for p in payments if p.key in created]

    def settle(self, key: str, state: PaymentState, at: str, note: str = "") -> bool:
        if state not in SETTLED:
            raise ValueError(f"a payment is settled as one of {[s.value for s in SETTLED]}")
        params = {"key": key, "state": state.value, "at": at, "note": note}

        def work(tx: neo4j.ManagedTransaction) -> bool:
            return tx.run(cypher("payment_settle"), params).single() is not None

        with self._session() as session:
            return session.execute_write(work)

    def payments(self, period: str | None = None, family_id: str | None = None) -> list[Payment]:
        records, _, _ = self._driver.execute_query(
            cypher("payment_list"),
            {"period": period, "familyId": family_id},
            database_=self._database,
        )
        return [
            Payment.of(
                [
                    r["key"],
                    r["familyId"],
                    r["period"],
                    r["amountCents"],
                    r["reports"],
                    r["state"],
                    r["scheduledAt"],
                    r["settledAt"],
                    r["note"],
                ]
            )
            for r in records
        ]

    def balance(self, period: str | None = None) -> Balance:
        records, _, _ = self._driver.execute_query(
            cypher("payment_balance"), {"period": period}, database_=self._database
        )
        row = records[0]
        by_state = {s.value: int(row[s.value]) for s in PaymentState}
        return Balance(int(row["scheduledEver"]), by_state)
