"""Staff verify and never advise: the schema has no field or mutation through which staff
could send a family advice, a message or an instruction (read from the schema itself)."""

from __future__ import annotations

import re

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLType,
)

from graph_service.api.schema import build_schema
from graph_service.settings import Settings

STAFF_MUTATIONS = {"verifyReport", "recordCorrection"}
ADVICE_WORDS = re.compile(
    r"advi[cs]e|instruct|message|recommend|guidance|directive|tip|counsel|coach|nudge", re.I
)


def _schema() -> GraphQLSchema:
    return build_schema(Settings())._schema


def _unwrap(kind: GraphQLType) -> GraphQLType:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def _text_leaves(input_type: GraphQLInputType, path: str, seen: set[str]) -> list[str]:
    """Every String leaf of an input type (ids and month strings are named, not free text)."""
    kind = _unwrap(input_type)
    if isinstance(kind, GraphQLScalarType):
        return [path] if kind.name == "String" else []
    if isinstance(kind, GraphQLEnumType):
        return []
    assert isinstance(kind, GraphQLInputObjectType)
    if kind.name in seen:
        return []
    seen.add(kind.name)
    leaves = []
    for name, field in kind.fields.items():
        leaves += _text_leaves(field.type, f"{path}.{name}", seen)
    return leaves


def test_no_field_or_mutation_is_named_for_advice_or_messages() -> None:
    schema = _schema()
    names = []
    for type_name, kind in schema.type_map.items():
        if type_name.startswith("__"):
            continue
        names.append(type_name)
        if isinstance(kind, GraphQLObjectType | GraphQLInputObjectType):
            names += [f"{type_name}.{f}" for f in kind.fields]
            if isinstance(kind, GraphQLObjectType):
                names += [f"{type_name}.{f}({a})" for f, d in kind.fields.items() for a in d.args]
    assert [n for n in names if ADVICE_WORDS.search(n)] == []


def test_staff_mutations_carry_no_free_text() -> None:
    mutation = _schema().mutation_type
    assert mutation is not None
    for name in STAFF_MUTATIONS:
        field = mutation.fields[name]
        texts = []
        for arg_name, arg in field.args.items():
            texts += _text_leaves(arg.type, arg_name, set())
        assert texts == ["reportId"], (name, texts)  # the report's id, and nothing to write in
