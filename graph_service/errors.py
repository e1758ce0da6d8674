"""The project's error hierarchy. Every deliberate failure is a :class:`DomainError`
(rooted in :mod:`models.errors`), and each class carries the GraphQL ``extensions.code``
that the API reports. Transport layers map errors by class; nothing else leaks.

The analytics name the fields of their errors by their own parameters (``family_id``,
``window_days``, ``goals``); the service or transport that called them knows what the caller
sent and renames them with :func:`fields_named` (``familyId``, ``windowDays``,
``weights.goals``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

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
    "fields_named",
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


@contextmanager
def fields_named(names: Mapping[str, str]) -> Iterator[None]:
    """Rename the fields of a :class:`DomainError` raised inside, by ``names`` (a field not
    in ``names`` keeps its name): an analytic's parameter becomes the caller's field.

    >>> with fields_named({"family_id": "familyId"}):
    ...     raise NotFound("no family", field="family_id")
    Traceback (most recent call last):
    graph_service.errors.NotFound: no family
    """
    try:
        yield
    except ValidationFailed as error:
        renamed = [FieldProblem(names.get(p.field, p.field), p.reason) for p in error.problems]
        raise ValidationFailed(renamed, record=error.record) from None
    except DomainError as error:
        if error.field is not None:
            error.field = names.get(error.field, error.field)
        raise
