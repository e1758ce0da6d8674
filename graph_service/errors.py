"""The project's error hierarchy. Every deliberate failure is a :class:`DomainError`
(rooted in :mod:`models.errors`), and each class carries the GraphQL ``extensions.code``
that the API reports. Transport layers map errors by class; nothing else leaks.
"""

from __future__ import annotations

from models.errors import DomainError, FieldProblem, ValidationFailed

__all__ = [
    "ConfigurationError",
    "Conflict",
    "DomainError",
    "FieldProblem",
    "Forbidden",
    "ModelUnavailable",
    "NotFound",
    "StoreUnavailable",
    "Unauthenticated",
    "ValidationFailed",
]


class NotFound(DomainError):
    """A referenced node does not exist (or the caller may not know that it does)."""

    code = "NOT_FOUND"


class Conflict(DomainError):
    """The request is valid but clashes with the current state (limits, duplicates)."""

    code = "CONFLICT"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    code = "FORBIDDEN"


class Unauthenticated(DomainError):
    """No valid credentials."""

    code = "UNAUTHENTICATED"


class StoreUnavailable(DomainError):
    """The store cannot be reached now; retrying later may succeed."""

    code = "UNAVAILABLE"


class ConfigurationError(DomainError):
    """Settings that cannot work (e.g. the default secret in production)."""

    code = "CONFIGURATION"


class ModelUnavailable(DomainError):
    """The tax-benefit model is not installed, or still loading; retrying later may succeed."""

    code = "UNAVAILABLE"
