"""Flat property maps for the domain model, shared by every store.

A *record* is what a store keeps for one node or relationship: a flat ``{camelCase: value}``
map of plain values (``str``, ``int``, ``float``, ``bool``, ``None``, lists of those, and
:class:`datetime.date`, or ISO strings with ``iso_dates=True``). Nested models are flattened
with their field name as prefix, so ``Family.consent.cross_region`` is stored as
``consentCrossRegion``. A ``None`` value means "no such property" (Neo4j's ``SET n = $map``
drops it), and a missing key reads back as the model's default.

Relationships keep their endpoints apart from their properties: :func:`split_relationship`
gives ``(start id, end id, properties)``, and :func:`from_record` takes the endpoint fields
back in the same flat map (``familyId``/``cohortId``, ``familyId``/``goalId``,
``fromId``/``toId`` for help, referrals and introductions).

Reading validates through the model again, so a record always comes back as the same model
that was written. Values a driver returns for dates (anything with ``to_native()``, such as
``neo4j.time.Date``) are turned into :class:`datetime.date` first; no driver is imported here.

>>> from datetime import date
>>> from models import Consent, Family
>>> family = Family(id="f1", name="F", region_id="r1", household_size=4, income_band=2,
...                 joined_at=date(2025, 1, 1), consent=Consent(matching=True))
>>> record = to_record(family)
>>> record["consentMatching"], record["joinedAt"], record["languages"]
(True, datetime.date(2025, 1, 1), ['en'])
>>> from_record(Family, record) == family
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import Any, TypeVar

from models import DomainModel, Helped, Introduction, MemberOf, Pursues, Referred, parse

M = TypeVar("M", bound=DomainModel)

# Endpoint fields of each relationship model: (start node id, end node id), camelCase.
ENDPOINTS: dict[type[DomainModel], tuple[str, str]] = {
    MemberOf: ("familyId", "cohortId"),
    Pursues: ("familyId", "goalId"),
    Helped: ("fromId", "toId"),
    Referred: ("fromId", "toId"),
    Introduction: ("fromId", "toId"),
}


def to_record(model: DomainModel, *, iso_dates: bool = False) -> dict[str, Any]:
    """The flat camelCase property map of ``model`` (nested models flattened)."""
    flat: dict[str, Any] = {}
    for key, value in model.model_dump(by_alias=True).items():
        if isinstance(value, dict):
            for inner_key, inner_value in value.items():
                flat[_prefixed(key, inner_key)] = _plain_out(inner_value, iso_dates)
        else:
            flat[key] = _plain_out(value, iso_dates)
    return flat


def from_record(model_type: type[M], record: Mapping[str, Any]) -> M:
    """The model stored as ``record``; unknown keys are ignored, missing keys take defaults."""
    data: dict[str, Any] = {}
    for name, field in model_type.model_fields.items():
        alias = field.alias or name
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, DomainModel):
            data[alias] = _nested_from(nested, alias, record)
        elif record.get(alias) is not None:
            data[alias] = _plain_in(record[alias])
    return parse(model_type, data, record=f"stored {model_type.__name__}")


def split_relationship(
    model: DomainModel, *, iso_dates: bool = False
) -> tuple[str, str, dict[str, Any]]:
    """``(start id, end id, properties)`` of a relationship model (see :data:`ENDPOINTS`)."""
    start_field, end_field = ENDPOINTS[type(model)]
    props = to_record(model, iso_dates=iso_dates)
    return str(props.pop(start_field)), str(props.pop(end_field)), props


def _prefixed(prefix: str, key: str) -> str:
    return prefix + key[:1].upper() + key[1:]


def _nested_from(
    nested: type[DomainModel], prefix: str, record: Mapping[str, Any]
) -> dict[str, Any]:
    inner: dict[str, Any] = {}
    for name, field in nested.model_fields.items():
        alias = field.alias or name
        value = record.get(_prefixed(prefix, alias))
        if value is not None:
            inner[alias] = _plain_in(value)
    return inner


def _plain_out(value: Any, iso_dates: bool) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain_out(item, iso_dates) for item in value]
    if iso_dates and isinstance(value, date):
        return value.isoformat()
    return value


def _plain_in(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)
    if callable(to_native):
        return to_native()
    return value
