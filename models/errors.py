"""Errors raised by the domain model, the root of the project's error hierarchy.

``graph_service.errors`` builds on :class:`DomainError`; everything the service raises on
purpose is a :class:`DomainError`, so transport layers map one hierarchy to codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one input field."""

    field: str
    reason: str


class DomainError(Exception):
    """Root of every error the project raises deliberately."""

    code = "INTERNAL"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        message_id: str | None = None,
        params: dict[str, object] | None = None,
        count: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # Optional: the message catalogue's id (and parameters) of the same text, so that the
        # transport can answer in the caller's language (graph_service/i18n).
        self.message_id = message_id
        self.params = params or {}
        self.count = count


class ValidationFailed(DomainError):
    """Input broke a rule of the model. ``problems`` lists every field at fault."""

    code = "BAD_USER_INPUT"

    def __init__(self, problems: list[FieldProblem], *, record: str | None = None) -> None:
        self.problems = problems
        self.record = record
        first = problems[0] if problems else FieldProblem("", "invalid input")
        where = f"{record}: " if record else ""
        detail = "; ".join(f"{p.field}: {p.reason}" for p in problems)
        super().__init__(f"{where}{detail}", field=first.field)
