"""What a Neo4j driver error means to a caller: every one becomes a :class:`DomainError`.

- Transient errors (``Neo.TransientError.*``: a deadlock, a lock wait, a leader switch, a
  database that is busy) are retried by the driver's managed transactions for up to
  ``NEO4J_RETRY_S`` (settings); one that still fails after that is UNAVAILABLE ("try again").
- A lost or unreachable server (``ServiceUnavailable``, ``SessionExpired``, socket errors)
  is UNAVAILABLE.
- A constraint violation (``Neo.ClientError.Schema.ConstraintValidationFailed``: a record whose
  id is taken) is CONFLICT.
- Anything else from the driver (a database error, a client error, which would be a bug of
  ours) is logged with its stack trace and answered UNAVAILABLE: a caller never sees a driver
  message or an INTERNAL_SERVER_ERROR.

:func:`translated` is used by ``Neo4jStore`` around every transaction; the API's error
mapping (``graph_service/api/errors.py``) applies it as well, to any driver error raised
outside the store (the audit log, the credentials, the privacy ledger).
"""

from __future__ import annotations

import logging

from neo4j.exceptions import (
    ConstraintError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph_service.errors import Conflict, StoreUnavailable
from graph_service.stores.base import WRITTEN_MEANWHILE
from models.errors import DomainError

log = logging.getLogger("graph_service.stores")

UNAVAILABLE_ERRORS = (ServiceUnavailable, SessionExpired, OSError)
DRIVER_ERRORS = (Neo4jError, DriverError)  # everything the driver itself raises


def translated(error: BaseException, where: str = "Neo4j") -> DomainError | None:
    """The domain error ``error`` (raised by the Neo4j driver) stands for; None if it is not
    a driver error (then it is the caller's to handle)."""
    if isinstance(error, DomainError):
        return error
    if isinstance(error, UNAVAILABLE_ERRORS):
        return StoreUnavailable(f"{where} is unavailable ({type(error).__name__})")
    if isinstance(error, TransientError):
        return StoreUnavailable(
            f"{where} is busy ({_short_code(error)}) and did not succeed after retries; "
            "try again in a moment"
        )
    if isinstance(error, ConstraintError):
        return Conflict(WRITTEN_MEANWHILE, field="id")
    if isinstance(error, Neo4jError | DriverError):
        log.error("Neo4j driver error answered UNAVAILABLE", exc_info=error)
        return StoreUnavailable(f"{where} could not complete the request ({_short_code(error)})")
    return None


def _short_code(error: BaseException) -> str:
    """``DeadlockDetected`` for ``Neo.TransientError.Transaction.DeadlockDetected``; the
    class name when the error has no code (never the driver's message)."""
    code = getattr(error, "code", None)
    return str(code).rsplit(".", 1)[-1] if code else type(error).__name__
