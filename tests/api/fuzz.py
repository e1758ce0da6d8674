"""A schema-driven operation fuzzer: random (seeded) queries and mutations built from the
live GraphQL schema, with random arguments, sent over HTTP with random roles.

Used by ``tests/api/test_fuzz.py``: 1,500 operations per store by default; set
``GS_FUZZ_OPERATIONS`` for a longer run (``GS_FUZZ_OPERATIONS=10000 scripts/test -k fuzz``).

Values are drawn from the boundaries too: 2^31-1, -2^31, 2^31 and 2^63 for integers, years 1
and 9999 for dates, strings of 1 MB (over the body limit) and 20,000 characters (over the
string limit), lists nested 900 deep, and whole documents of fragment fan-out or deep
selections. A run fails on any 5xx, any unmasked error (a stack trace, a Python exception
name, a driver message, an unknown code) and any request slower than a generous bound set
by its cost (:func:`time_bound`; a bound against hangs, not a speed assertion).
"""

from __future__ import annotations

import json
import random
import re
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
    "x" * 20_000,  # over GS_MAX_STRING_LENGTH
    "a" * 65,  # one over an id's length
]
HUGE = "y" * (1 << 20)  # 1 MB: over the body limit with the rest of the request
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
    "PAYLOAD_TOO_LARGE",  # 413 from the front door (graph_service/api/http_guard.py)
    "RATE_LIMITED",  # 429
}


@dataclass
class FuzzStats:
    operations: int = 0
    server_errors: int = 0
    internal_errors: int = 0
    unmasked: int = 0
    slow: int = 0
    codes: dict[str | None, int] = field(default_factory=dict)  # None: an error with no code
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
            if rng.random() < 0.02:
                return nested_list(
                    rng.choice([100, 900])
                )  # json encodes <1000 deep; see test_holes for 100,000
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
            "Int": lambda: rng.choice(
                [
                    0,
                    1,
                    5,
                    20,
                    100,
                    101,
                    -1,
                    2**31 - 1,
                    -(2**31),
                    2**31,
                    2**63,
                    rng.randint(-50, 500),
                ]
            ),
            "Float": lambda: rng.choice(
                [0.0, 1.5, -3.0, 1e9, 1e308, -1e308, rng.uniform(-10, 1000)]
            ),
            "Boolean": lambda: rng.random() < 0.5,
            "ID": lambda: rng.choice(KNOWN_IDS + NASTY[:3] + ["a" * 65, "x" * 20_000]),
            "Date": lambda: rng.choice(
                [
                    "2024-05-01",
                    "2099-01-01",
                    "not-a-date",
                    "2025-02-30",
                    "0001-01-01",
                    "9999-12-31",
                    "1900-01-01",
                    "2100-12-31",
                ]
            ),
        }
        if name in makers:
            return makers[name]()
        if rng.random() < 0.01:
            return HUGE
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
        roll = self.rng.random()
        if roll < 0.02:
            return fan_out(self.rng.randint(3, 12), self.rng.randint(2, 10)), {}
        if roll < 0.04:
            depth = self.rng.choice([8, 50, 500])
            return (
                '{ cohort(id: "oak-1") { '
                + "members { cohort { " * depth
                + "id"
                + " } }" * depth
                + " } }",
                {},
            )
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


def nested_list(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def fan_out(levels: int, spreads: int) -> str:
    """A short document whose fragments expand to spreads**levels selections."""
    parts = ["query { stats { ...F0 } }"]
    for level in range(levels):
        inner = " ".join([f"...F{level + 1}"] * spreads)
        parts.append(f"fragment F{level} on Stats {{ {inner} }}")
    parts.append(f"fragment F{levels} on Stats {{ families }}")
    return "\n".join(parts)


def time_bound(text: str, variables: dict[str, Any], max_page: int) -> float:
    """A generous bound on the seconds a request may take: 10 s, plus 20 ms per unit of the
    operation's cost (a whole-network report weighs 1,000: 20 s more) -- against hangs and
    unbounded work, not a speed assertion."""
    from graphql import GraphQLError, parse

    from graph_service.api.limits import measure_operations

    try:
        measures = measure_operations(parse(text, max_tokens=5_000), max_page)
    except GraphQLError:
        return 10.0
    cost = max((m.cost for m in measures.values()), default=0)
    return 10.0 + 0.02 * min(cost, 5_000) + len(json.dumps(variables)) / 1e6


SECRETS_IN_MESSAGES = ("Traceback", 'File "', "object has no attribute")
PYTHON_EXCEPTION = re.compile(r"\b\w+(Error|Exception)\b")  # KeyError, ... (not "Syntax Error")


def check_response(
    status: int, body: Any, stats: FuzzStats, text: str, elapsed: float = 0.0, bound: float = 1e9
) -> None:
    stats.operations += 1
    if elapsed > bound:
        stats.slow += 1
        stats.failures.append(f"slow: {elapsed:.1f}s > {bound:.1f}s: {text[:200]}")
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
            or any(marker in message for marker in SECRETS_IN_MESSAGES)
            or PYTHON_EXCEPTION.search(message)
            or "x" * 100 in message  # an echoed long value
        ):
            stats.unmasked += 1
            stats.failures.append(f"unmasked {code}: {message[:200]} <- {text}")
        if code == "INTERNAL_SERVER_ERROR":
            stats.internal_errors += 1
            stats.failures.append(f"internal: {text}")
