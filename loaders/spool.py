"""The import's spool: validated batches on a temporary file, between the two passes.

A batch's models are stored as tuples of their field values (a nested model as the tuple of
its own values, the set of fields given as a bit mask), not as pickled models: pickling a
pydantic model writes its state dict with every field name, and unpickling calls its
``__setstate__``; the tuples pickle about three times smaller and load an order of magnitude
faster. :func:`decode_models` rebuilds each model as pydantic's own ``__setstate__`` does
(``__dict__``, ``__pydantic_fields_set__``, ``__pydantic_extra__``, ``__pydantic_private__``;
no validation: the values were validated when they were encoded), so the result equals
(``==``) the model that was encoded, with the same ``model_fields_set``.

The encoding is also what the parse worker processes (:mod:`loaders.parse_workers`) send to
the import: a batch written whole goes to the spool as the worker's bytes
(:meth:`SpoolWriter.encoded`), without being encoded again.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import IO, Any

from pydantic import BaseModel

from loaders.formats import SPECS
from models import DomainModel

# Receives each batch the validate pass accepted: (type name, (file, line) of each row, models,
# whether every record of the batch is new: none of its keys was stored when it was checked).
Sink = Callable[[str, list[tuple[str, int]], list[DomainModel], bool], None]
Spooled = tuple[str, list[tuple[str, int]], list[DomainModel], bool]

_new = object.__new__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


@dataclass(frozen=True, eq=False)  # hashed by identity: one plan per model class
class _Plan:
    """How one model class is encoded: its field names in order, and which of them hold a
    nested model (by position, with that model's plan)."""

    model: type[DomainModel]
    names: tuple[str, ...]
    nested: tuple[tuple[int, _Plan], ...]
    values: Callable[[dict[str, Any]], tuple[Any, ...]]  # the field values of a __dict__
    bits: dict[str, int]  # field name -> its bit in a fields-set mask
    every: int  # the mask of every field
    fields_sets: dict[int, frozenset[str]] = field(default_factory=dict)  # by mask


@cache
def _plan(model: type[DomainModel]) -> _Plan:
    names = tuple(model.model_fields)
    nested = tuple(
        (i, _plan(info.annotation))
        for i, info in enumerate(model.model_fields.values())
        if isinstance(info.annotation, type) and issubclass(info.annotation, DomainModel)
    )
    bits = {name: 1 << i for i, name in enumerate(names)}
    every = (1 << len(names)) - 1
    values = itemgetter(*names)  # a tuple: every record type has 2+ fields
    return _Plan(model, names, nested, values, bits, every)


_MODELS: tuple[type[DomainModel], ...] = tuple(s.model for s in SPECS)
_MODEL_INDEX = {m: i for i, m in enumerate(_MODELS)}


def _fields_of_mask(plan: _Plan, mask: int) -> frozenset[str]:
    found = plan.fields_sets.get(mask)
    if found is None:
        found = frozenset(name for i, name in enumerate(plan.names) if mask >> i & 1)
        plan.fields_sets[mask] = found
    return found


def _mask(plan: _Plan, fields_set: set[str]) -> int:
    if len(fields_set) == len(plan.names):
        return plan.every  # the common case: every field given
    bits = plan.bits
    return sum([bits[name] for name in fields_set])


def _encode(plan: _Plan, model: BaseModel) -> tuple[Any, ...]:
    """(field values..., fields-set mask); nested models encoded in place."""
    values = plan.values(model.__dict__)
    mask = _mask(plan, model.__pydantic_fields_set__)
    if not plan.nested:
        return (*values, mask)
    listed = list(values)
    for i, inner in plan.nested:
        listed[i] = _encode(inner, listed[i])
    listed.append(mask)
    return tuple(listed)


def _decoder(plan: _Plan) -> Callable[[tuple[Any, ...]], Any]:
    """Rebuilds one model from its encoded values (a closure per class: the hot loop of the
    spool's reading looks nothing up)."""
    model_class, names, fields_sets = plan.model, plan.names, plan.fields_sets
    nested = tuple((i, _decoder(inner)) for i, inner in plan.nested)
    new, set_fields, set_extra, set_private = _new, _set_fields_set, _set_extra, _set_private

    def build(values: tuple[Any, ...]) -> Any:
        model = new(model_class)
        if nested:
            listed = list(values)
            for i, inner in nested:
                listed[i] = inner(listed[i])
            model.__dict__.update(zip(names, listed))  # noqa: B905 -- the mask is left out
        else:
            model.__dict__.update(zip(names, values))  # noqa: B905 -- the mask is left out
        mask = values[-1]
        fields = fields_sets.get(mask)
        set_fields(model, set(fields if fields is not None else _fields_of_mask(plan, mask)))
        set_extra(model, None)  # the models forbid extra fields
        set_private(model, None)  # and have no private attributes
        return model

    return build


_DECODERS = tuple(_decoder(_plan(m)) for m in _MODELS)


Values = tuple[Any, ...]  # one model encoded: its field values, then its fields-set mask


def encode_values(models: Sequence[DomainModel]) -> list[Values]:
    """Each model (all of one record type) as its encoded values."""
    if not models:
        return []
    plan = _plan(type(models[0]))
    return [_encode(plan, m) for m in models]


def dump_values(model: type[DomainModel], rows: Sequence[Values]) -> bytes:
    """Encoded values of ``model`` records as bytes for :func:`load_values`."""
    return pickle.dumps((_MODEL_INDEX[model], list(rows)), protocol=pickle.HIGHEST_PROTOCOL)


def load_values(data: bytes) -> tuple[type[DomainModel], list[Values]]:
    """The record type and the encoded values :func:`dump_values` wrote (our own bytes)."""
    index, rows = pickle.loads(data)
    return _MODELS[index], rows


def field_names(model: type[DomainModel]) -> tuple[str, ...]:
    """The attribute names of ``model``'s fields, in the order of its encoded values."""
    return _plan(model).names


def build_models(model: type[DomainModel], rows: Sequence[Values]) -> list[DomainModel]:
    """The models of encoded values, equal to the models they were encoded from."""
    build = _DECODERS[_MODEL_INDEX[model]]
    return [build(values) for values in rows]


def content(model: type[DomainModel], values: Values) -> tuple[Any, ...]:
    """A record's content from its encoded values: the field values without the fields-set
    masks (nested models as the tuples of their own values), so that two records with the
    same values are equal whichever fields were given."""
    return _content(_plan(model), values)


def _content(plan: _Plan, values: Values) -> tuple[Any, ...]:
    if not plan.nested:
        return values[:-1]
    listed = list(values[:-1])
    for i, inner in plan.nested:
        if listed[i] is not None:
            listed[i] = _content(inner, listed[i])
    return tuple(listed)


def encode_models(models: Sequence[DomainModel]) -> bytes:
    """The models of one batch (all of one record type, one of :data:`loaders.formats.SPECS`)
    as bytes for :func:`decode_models`."""
    if not models:
        return pickle.dumps((0, []), protocol=pickle.HIGHEST_PROTOCOL)
    return dump_values(type(models[0]), encode_values(models))


def decode_models(data: bytes) -> list[DomainModel]:
    """The models :func:`encode_models` encoded, equal to them (our own bytes: the spool or a
    parse worker of this import; never input from elsewhere)."""
    model, rows = load_values(data)
    return build_models(model, rows)


class SpoolWriter:
    """A :data:`Sink` writing each batch to the spool file; :meth:`encoded` writes a batch
    already encoded (by a parse worker)."""

    def __init__(self, spool: IO[bytes]) -> None:
        self.spool = spool

    def __call__(
        self, name: str, places: list[tuple[str, int]], models: list[DomainModel], new: bool
    ) -> None:
        self.encoded(name, places, encode_models(models), new)

    def encoded(self, name: str, places: list[tuple[str, int]], data: bytes, new: bool) -> None:
        pickle.dump((name, places, data, new), self.spool, protocol=pickle.HIGHEST_PROTOCOL)


def spooled_batches(spool: IO[bytes]) -> Iterator[Spooled]:
    """The batches a :class:`SpoolWriter` wrote, from the file's current position."""
    while True:
        try:
            name, places, data, new = pickle.load(spool)  # our own temporary file
        except EOFError:
            return
        yield name, places, decode_models(data), new
