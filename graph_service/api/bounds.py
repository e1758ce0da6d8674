"""Documented bounds on every argument, checked before its resolver runs.

GraphQL's ``Int`` is already 32-bit; on top of that:

==============  ===========================================================================
argument        bound
==============  ===========================================================================
``windowDays``  1 to 3,650 (ten years)
any ``Date``    1900-01-01 to 2100-12-31
any ``ID``      at most 64 characters (ids are slugs, see the model)
any ``String``  at most ``GS_MAX_STRING_LENGTH`` characters (default 10,000)
==============  ===========================================================================

Refusals are ``BAD_USER_INPUT`` with the argument as ``extensions.field``; the offending value
is never echoed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLResolveInfo,
    GraphQLScalarType,
)
from strawberry.extensions import SchemaExtension

from graph_service.errors import FieldProblem, ValidationFailed

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)
MAX_WINDOW_DAYS = 3650
MAX_ID_LENGTH = 64


def _problem(value: Any, type_: GraphQLInputType, path: str, max_string: int) -> str | None:
    """Why ``value`` (of GraphQL type ``type_``) is out of bounds, or ``None``."""
    if isinstance(type_, GraphQLNonNull):
        return _problem(value, type_.of_type, path, max_string)
    if value is None:
        return None
    if isinstance(type_, GraphQLList):
        for item in value if isinstance(value, list) else [value]:
            found = _problem(item, type_.of_type, path, max_string)
            if found:
                return found
        return None
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return None
        for name, field in type_.fields.items():
            found = _problem(value.get(name), field.type, f"{path}.{name}", max_string)
            if found:
                return found
        return None
    if isinstance(type_, GraphQLScalarType):
        if isinstance(value, date) and not MIN_DATE <= value <= MAX_DATE:
            return f"{path}: a date between {MIN_DATE} and {MAX_DATE}"
        if isinstance(value, str):
            limit = MAX_ID_LENGTH if type_.name == "ID" else max_string
            if len(value) > limit:
                return f"{path}: at most {limit} characters"
    return None


def check_arguments(
    info: GraphQLResolveInfo[Any], arguments: dict[str, Any], max_string: int
) -> None:
    definition = info.parent_type.fields.get(info.field_name)
    if definition is None:
        return
    for name, value in arguments.items():
        arg = definition.args.get(name)
        if arg is None:
            continue
        if name == "windowDays" and isinstance(value, int) and not 1 <= value <= MAX_WINDOW_DAYS:
            raise ValidationFailed([FieldProblem(name, f"must be between 1 and {MAX_WINDOW_DAYS}")])
        reason = _problem(value, arg.type, name, max_string)
        if reason is not None:
            field, _, why = reason.partition(": ")
            raise ValidationFailed([FieldProblem(field, f"must be {why}")])


def bounds_extension(max_string: int) -> type[SchemaExtension]:
    class ArgumentBounds(SchemaExtension):
        def resolve(
            self,
            _next: Callable[..., Any],
            root: Any,
            info: GraphQLResolveInfo[Any],
            *args: Any,
            **kwargs: Any,
        ) -> Any:
            if kwargs:
                check_arguments(info, kwargs, max_string)
            return _next(root, info, *args, **kwargs)

    return ArgumentBounds
