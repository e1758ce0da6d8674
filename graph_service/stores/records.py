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

A batch of records to *create* can also travel as positional rows (:func:`columns_of`,
:func:`positional_rows`): each record a list of its values in a fixed column order (the
endpoints first for a relationship), the same values :func:`to_record` gives with
``iso_dates=True``. A statement taking them names each column by its index; the rows then
carry no keys, which costs the driver and the engine less than a map per record.

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

import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

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


# positional rows -----------------------------------------------------------------------------
_PLAIN = (str, int, float, bool, type(None))  # values a column passes on as they are


@dataclass(frozen=True)
class Columns:
    """The columns of a model's positional rows: each column's name (the record's key, or
    ``start``/``end`` for a relationship's endpoints) and how to read it off a model."""

    names: tuple[str, ...]
    getters: tuple[Callable[[Any], Any], ...]


def _annotation_types(annotation: Any) -> list[Any]:
    """The types an annotation admits (``Optional``, unions and ``Annotated`` unwrapped)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _annotation_types(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [t for arg in get_args(annotation) for t in _annotation_types(arg)]
    return [annotation]


def _is_plain(annotation: Any) -> bool:
    return all(isinstance(t, type) and t in _PLAIN for t in _annotation_types(annotation))


def _converter(annotation: Any) -> Callable[[Any], Any] | None:
    """How a value of ``annotation`` becomes what :func:`to_record` stores with ``iso_dates``
    (None: as it is); a kind not named here goes through :func:`_plain_out` itself."""
    kinds = [t for t in _annotation_types(annotation) if t is not type(None)]
    if _is_plain(annotation):
        return None
    if all(t is date for t in kinds):
        return lambda value: None if value is None else value.isoformat()
    if all(isinstance(t, type) and issubclass(t, Enum) for t in kinds):
        return lambda value: None if value is None else value.value
    items = [get_args(t) for t in kinds if get_origin(t) is tuple]
    if len(items) == len(kinds) and all(_is_plain(a) for args in items for a in args if a != ...):
        return lambda value: None if value is None else list(value)
    return lambda value: _plain_out(value, True)


def _getter(path: tuple[str, ...], annotation: Any) -> Callable[[Any], Any]:
    """Reads ``path`` (attribute names) off a model and converts the value as
    :func:`to_record` does with ``iso_dates=True``."""
    convert = _converter(annotation)
    if len(path) == 1:
        name = path[0]
        if convert is None:
            return lambda model: getattr(model, name)
        return lambda model: convert(getattr(model, name))
    outer, inner = path
    if convert is None:
        return lambda model: getattr(getattr(model, outer), inner)
    return lambda model: convert(getattr(getattr(model, outer), inner))


@cache
def columns_of(model_type: type[DomainModel]) -> Columns:
    """The columns of ``model_type``'s positional rows: the record's keys in field order
    (a nested model's fields flattened, as :func:`to_record` names them); a relationship's
    endpoints (:data:`ENDPOINTS`) first, as ``start`` and ``end``.

    >>> from models import Pursues
    >>> columns_of(Pursues).names
    ('start', 'end', 'since', 'status', 'achievedAt', 'description')
    """
    named: dict[str, Callable[[Any], Any]] = {}
    for name, field in model_type.model_fields.items():
        alias = field.alias or name
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, DomainModel):
            for inner_name, inner in nested.model_fields.items():
                key = _prefixed(alias, inner.alias or inner_name)
                named[key] = _getter((name, inner_name), inner.annotation)
        else:
            named[alias] = _getter((name,), field.annotation)
    ends = ENDPOINTS.get(model_type)
    if ends is not None:
        start, end = ends
        first = {"start": named.pop(start), "end": named.pop(end)}
        named = {**first, **named}
    return Columns(tuple(named), tuple(named.values()))


def positional_rows(model_type: type[DomainModel], batch: Sequence[DomainModel]) -> list[list[Any]]:
    """Each model of ``batch`` (all of ``model_type``) as its values in the order of
    :func:`columns_of`: the values of ``to_record(model, iso_dates=True)`` (endpoints first).

    >>> from datetime import date
    >>> from models import Referred
    >>> positional_rows(Referred, [Referred(from_id="a", to_id="b", at=date(2025, 1, 2))])
    [['a', 'b', '2025-01-02']]
    """
    getters = columns_of(model_type).getters
    return [[get(model) for get in getters] for model in batch]
