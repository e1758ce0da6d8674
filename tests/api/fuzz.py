"""A schema-driven operation fuzzer: random (seeded) queries and mutations built from the
live GraphQL schema, with random arguments, sent over HTTP with random roles.

Used by ``tests/api/test_fuzz.py``: 1,500 operations per store by default; set
``GS_FUZZ_OPERATIONS`` for a longer run (``GS_FUZZ_OPERATIONS=10000 scripts/test -k fuzz``).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)

KNOWN_IDS = [
    "ana",
    "ben",
    "eli",
    "gus",
    "lu",
    "oak-1",
    "bos-1",
    "oakland",
    "boston",
    "h01",
    "buy_home",
    "health",
    "zzz",
    "",
]
NASTY = [
    "",
    " ",
    "'; DROP TABLE families; --",
    "MATCH (n) DETACH DELETE n",
    "\u0000",
    "é" * 300,
    "{{ }}",
    "-1",
    "2099-01-01",
    "null",
    "x" * 5000,
]
CODES = {
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "FORBIDDEN",
    "UNAUTHENTICATED",
    "CONFLICT",
    "UNAVAILABLE",
    "GRAPHQL_VALIDATION_FAILED",
    "QUERY_TOO_COMPLEX",
    "PRIVACY_BUDGET_EXHAUSTED",
    "INTERNAL_SERVER_ERROR",
}


@dataclass
class FuzzStats:
    operations: int = 0
    server_errors: int = 0
    internal_errors: int = 0
    unmasked: int = 0
    codes: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


class OperationMaker:
    def __init__(self, schema: GraphQLSchema, rng: random.Random) -> None:
        self.schema = schema
        self.rng = rng

    def value(self, type_: GraphQLInputType, depth: int = 0) -> Any:
        rng = self.rng
        if isinstance(type_, GraphQLNonNull):
            return self.value(type_.of_type, depth)
        if rng.random() < 0.05:
            return None
        if isinstance(type_, GraphQLList):
            return [self.value(type_.of_type, depth + 1) for _ in range(rng.randint(0, 3))]
        if isinstance(type_, GraphQLEnumType):
            return rng.choice([*type_.values, "NOT_A_VALUE"])
        if isinstance(type_, GraphQLInputObjectType):
            if depth > 3:
                return {}
            return {
                name: self.value(f.type, depth + 1)
                for name, f in type_.fields.items()
                if isinstance(f.type, GraphQLNonNull) or rng.random() < 0.6
            }
        assert isinstance(type_, GraphQLScalarType)
        return self._scalar(type_.name)

    def _scalar(self, name: str) -> Any:
        rng = self.rng
        makers: dict[str, Callable[[], Any]] = {
            "Int": lambda: rng.choice([0, 1, 5, 20, 100, 101, -1, 2**31, rng.randint(-50, 500)]),
            "Float": lambda: rng.choice([0.0, 1.5, -3.0, 1e9, rng.uniform(-10, 1000)]),
            "Boolean": lambda: rng.random() < 0.5,
            "ID": lambda: rng.choice(KNOWN_IDS + NASTY[:3]),
            "Date": lambda: rng.choice(["2024-05-01", "2099-01-01", "not-a-date", "2025-02-30"]),
        }
        if name in makers:
            return makers[name]()
        if rng.random() < 0.3:
            return rng.choice(NASTY)
        return (
            rng.choice(["cooking", "childcare", "food", "Oak team", "emergency_savings"])
            if rng.random() < 0.5
            else "".join(rng.choices(string.printable, k=rng.randint(0, 30)))
        )

    def selection(self, type_: Any, depth: int) -> str:
        named = get_named_type(type_)
        if not isinstance(named, GraphQLObjectType):
            return ""
        fields = list(named.fields.items())
        self.rng.shuffle(fields)
        parts = []
        for name, f in fields[: self.rng.randint(1, 5)]:
            inner = get_named_type(f.type)
            if isinstance(inner, GraphQLObjectType):
                if depth >= 3:
                    continue
                parts.append(
                    f"{name}{self._literal_args(f)} {{ {self.selection(f.type, depth + 1) or '__typename'} }}"
                )
            else:
                parts.append(f"{name}{self._literal_args(f)}")
        return " ".join(parts) or "__typename"

    def _literal_args(self, f: GraphQLField) -> str:
        if "first" in f.args and self.rng.random() < 0.5:
            return f"(first: {self.rng.choice([1, 3, 10])})"
        return ""

    def operation(self) -> tuple[str, dict[str, Any]]:
        mutation = self.rng.random() < 0.4 and self.schema.mutation_type is not None
        root = self.schema.mutation_type if mutation else self.schema.query_type
        assert root is not None
        name, f = self.rng.choice(list(root.fields.items()))
        variables = {
            arg: self.value(a.type)
            for arg, a in f.args.items()
            if isinstance(a.type, GraphQLNonNull) or self.rng.random() < 0.5
        }
        decl = ", ".join(f"${arg}: {f.args[arg].type}" for arg in variables)
        call = ", ".join(f"{arg}: ${arg}" for arg in variables)
        body = self.selection(f.type, 1)
        text = f"{'mutation' if mutation else 'query'}{f'({decl})' if decl else ''} "
        text += f"{{ {name}{f'({call})' if call else ''}{f' {{ {body} }}' if body else ''} }}"
        return text, variables


def check_response(status: int, body: Any, stats: FuzzStats, text: str) -> None:
    stats.operations += 1
    if status >= 500:
        stats.server_errors += 1
        stats.failures.append(f"{status}: {text}")
        return
    for error in (body or {}).get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        stats.codes[code] = stats.codes.get(code, 0) + 1
        message = error.get("message", "")
        if (
            code not in CODES
            or "Traceback" in message
            or "neo4j" in message.lower()
            or "sqlite" in message.lower()
        ):
            stats.unmasked += 1
            stats.failures.append(f"unmasked {code}: {message[:200]} <- {text}")
        if code == "INTERNAL_SERVER_ERROR":
            stats.internal_errors += 1
            stats.failures.append(f"internal: {text}")
