"""Turn every error into a GraphQL error with ``extensions.code`` and, where known, ``field``.

- :class:`~models.errors.DomainError` subclasses carry their own code and field.
- GraphQL validation errors (unknown fields, wrong argument types) get ``BAD_USER_INPUT`` for
  input coercion and ``GRAPHQL_VALIDATION_FAILED`` otherwise.
- Errors of the Neo4j driver raised outside a store's own translation are mapped as the store
  maps them (``graph_service/stores/driver_errors.py``: UNAVAILABLE or CONFLICT).
- Anything else is an internal error: logged with its stack trace, reported to the client as
  ``INTERNAL_SERVER_ERROR`` with no detail (no stack traces or driver messages leak).
In production mode "Did you mean ...?" suggestions are stripped from messages, wherever they
stand; in every mode quoted values longer than 64 characters are elided (never echoed).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError

from graph_service.api.error_texts import localized_message
from graph_service.stores.driver_errors import DRIVER_ERRORS, translated
from models.errors import DomainError, ValidationFailed

log = logging.getLogger("graph_service.api")

# "Did you mean 'toId'?" (graphql-core puts them anywhere: mid-message, several per message)
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?", re.IGNORECASE)
# A quoted value longer than an id (64 characters) is never echoed back.
_LONG_QUOTED = re.compile(r"(['\"])(?:\\.|(?!\1).){65,}?\1", re.DOTALL)
MAX_MESSAGE = 500


def scrub(message: str, *, hide_suggestions: bool) -> str:
    """A message safe to send: suggestions removed (production), long values elided,
    the whole bounded."""
    if hide_suggestions:
        message = _SUGGESTION.sub("", message)
    message = _LONG_QUOTED.sub("<a value too long to show>", message)
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    return message


_INPUT_PATTERNS = ("got invalid value", "Expected value of type", "cannot represent", "Int cannot")


def _domain_extensions(error: DomainError) -> dict[str, Any]:
    ext: dict[str, Any] = {"code": error.code}
    if error.field:
        ext["field"] = error.field
    if isinstance(error, ValidationFailed):
        ext["problems"] = [{"field": p.field, "reason": p.reason} for p in error.problems]
    return ext


def classify(error: GraphQLError, *, hide_suggestions: bool, locale: str = "en") -> GraphQLError:
    original = error.original_error
    if isinstance(original, DomainError):
        return GraphQLError(
            scrub(localized_message(original, locale), hide_suggestions=hide_suggestions),
            nodes=error.nodes,
            path=error.path,
            extensions=_domain_extensions(original),
        )
    if original is None or isinstance(original, GraphQLError):
        message = error.message
        code = (error.extensions or {}).get("code")
        if code is None:
            is_input = any(p in message for p in _INPUT_PATTERNS)
            code = "BAD_USER_INPUT" if is_input else "GRAPHQL_VALIDATION_FAILED"
        message = scrub(message, hide_suggestions=hide_suggestions)
        extensions = {**(error.extensions or {}), "code": code}
        return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=extensions)
    if isinstance(original, DRIVER_ERRORS):  # raised outside a store's own translation
        domain = translated(original)
        if domain is not None:
            return GraphQLError(
                scrub(domain.message, hide_suggestions=hide_suggestions),
                nodes=error.nodes,
                path=error.path,
                extensions=_domain_extensions(domain),
            )
    log.error("internal error at %s", error.path, exc_info=original)
    return GraphQLError(
        "Internal server error",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR"},
    )


def coded(
    errors: list[GraphQLError], *, hide_suggestions: bool, locale: str = "en"
) -> list[GraphQLError]:
    """Every error of a result, classified, family-facing messages in ``locale``
    (:mod:`graph_service.api.error_texts`). Applied once, where the HTTP response is built,
    because some errors (the parser's token limit) are raised before any schema hook runs."""
    return [classify(e, hide_suggestions=hide_suggestions, locale=locale) for e in errors]
