"""Shared pieces of the domain model: the base class, ids, dates and validation wrapping."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from models.errors import FieldProblem, ValidationFailed

# Stable external ids: short, lowercase slugs that are safe in URLs, CSV cells and logs.
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}[a-z0-9]$|^[a-z0-9]$")


def _check_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(
            "must be a slug of 1-64 characters: lowercase letters, digits, '-' or '_', "
            "starting and ending with a letter or digit"
        )
    return value


ExternalId = Annotated[str, AfterValidator(_check_id)]


def today() -> date:
    """Today's date in UTC: the reference for 'not in the future'."""
    return datetime.now(UTC).date()


# The latest date ``today()`` has returned here. A date on or before it is not in the future
# (days only move forward), so the common case of a past date reads no clock: at 100,000
# families an import validates about two million dates.
_seen_today = [date.min]


def _not_future_date(value: date) -> date:
    if value <= _seen_today[0]:
        return value
    now = _seen_today[0] = today()
    if value > now:
        raise ValueError(f"date {value.isoformat()} is in the future")
    return value


PastDate = Annotated[date, AfterValidator(_not_future_date)]


class DomainModel(BaseModel):
    """Base of every node and relationship: camelCase on the wire and in the graph."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
    )

    def to_record(self) -> dict[str, Any]:
        """The camelCase property map stored in the graph (dates as ISO strings)."""
        return self.model_dump(by_alias=True, mode="json")


M = TypeVar("M", bound=DomainModel)


def problems_of(error: ValidationError) -> list[FieldProblem]:
    """Turn pydantic's error list into field problems named by the camelCase field."""
    problems = []
    for item in error.errors():
        loc = ".".join(
            to_camel(str(part)) if isinstance(part, str) else str(part) for part in item["loc"]
        )
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(FieldProblem(field=loc or "(record)", reason=message))
    return problems


def parse(model: type[M], data: Mapping[str, Any], *, record: str | None = None) -> M:
    """Validate ``data`` as ``model``; pydantic's errors come out as :class:`ValidationFailed`."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(problems_of(error), record=record) from None


def validator_from_vocabulary(
    pick: Callable[[], Mapping[str, str]], what: str
) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in pick():
            known = ", ".join(sorted(pick()))
            raise ValueError(f"unknown {what} {value!r}; known: {known}")
        return value

    return check
