"""Abuse limits that reject an over-limit operation before any resolver runs, in bounded time.

:class:`RequestGuard` (a Strawberry schema extension) replaces Strawberry's parser cache,
validation cache and token, depth and alias limiters:

- the document is parsed in a worker thread with a token limit (``GS_MAX_TOKENS``), and
  cached by its text;
- one pass measures each operation, **each fragment once** (memoised), so a fan-out of
  fragment spreads (``fragment F0 { ...F1 ...F1 }`` ten deep) costs as much to measure as it
  is long, not 2^10 times that;
- the measures are checked before graphql-core's own rules run: total field selections after
  fragment expansion (``GS_MAX_SELECTIONS``), depth (``GS_MAX_QUERY_DEPTH``), aliases after
  expansion (``GS_MAX_ALIASES``) and cost (``GS_MAX_QUERY_COST``);
- then graphql-core validation runs in a worker thread within a time budget
  (``GS_VALIDATION_BUDGET_S``), so the event loop (and ``/health``) never waits for it.

The cost of a selection set is

    cost(S) = Σ_fields weight(field) + size(field) · cost(children)

where ``size(field)`` is the page size the field may return (its ``first`` argument, a literal
capped at the maximum page size; a variable counts as the maximum), ``LIST_SIZES`` for known
unpaged lists, and 1 otherwise; ``weight`` is 1, or ``FIELD_COSTS`` for fields whose work is
a whole-network computation. The cost is linear in the enclosing multiplier, which is what
makes memoising a fragment's cost exact.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

# Unpaged list fields and the size we assume for them (cohorts hold at most ~8 members).
LIST_SIZES = {"members": 10, "goals": 15, "regions": 25, "strengths": 1, "needs": 1}

# Fields whose resolver runs a whole-network (or whole-region) computation. A weight is in
# the units of the cost: "one node returned". With the default limit of 5,000 a caller gets
# at most a handful of reports per request (so 30 aliases of networkSummary are refused).
FIELD_COSTS = {
    "networkSummary": 1000,
    "outcomesByNetwork": 1000,
    "rippleResearch": 500,
    "regionLinks": 500,
    "regionGraph": 500,
    "bridgingFamilies": 1000,
    "proposeCohorts": 2000,
    "rippleSummary": 300,
    "ripples": 300,
    "suggestBridges": 300,
    "crossRegionPeers": 100,
    "cohortRipple": 50,
    "ripple": 50,
    "peerMatches": 20,
}


@dataclass(frozen=True)
class Measure:
    """One selection set after fragment expansion."""

    cost: int = 0
    selections: int = 0
    depth: int = 0
    aliases: int = 0

    def __add__(self, other: Measure) -> Measure:
        return Measure(
            self.cost + other.cost,
            self.selections + other.selections,
            max(self.depth, other.depth),
            self.aliases + other.aliases,
        )


def _field_size(node: FieldNode, max_page: int) -> int:
    for argument in node.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return max(1, min(int(argument.value.value), max_page))
            return max_page
    return LIST_SIZES.get(node.name.value, 1)


class _Measurer:
    """Measures selection sets; each fragment is measured once (cycles count as empty: the
    ``NoFragmentCycles`` rule reports them)."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], max_page: int) -> None:
        self.fragments = fragments
        self.max_page = max_page
        self.memo: dict[str, Measure] = {}
        self.active: set[str] = set()

    def fragment(self, name: str) -> Measure:
        if name in self.memo:
            return self.memo[name]
        node = self.fragments.get(name)
        if node is None or name in self.active:
            return Measure()
        self.active.add(name)
        result = self.selection_set(node.selection_set)
        self.active.discard(name)
        self.memo[name] = result
        return result

    def selection_set(self, selection_set: SelectionSetNode | None) -> Measure:
        total = Measure()
        if selection_set is None:
            return total
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total = total + self.field(selection)
            elif isinstance(selection, InlineFragmentNode):
                total = total + self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total = total + self.fragment(selection.name.value)
        return total

    def field(self, node: FieldNode) -> Measure:
        name = node.name.value
        alias = 1 if node.alias is not None else 0
        if name.startswith("__"):  # introspection: not counted (turned off in production)
            return Measure(0, 1, 0, alias)
        children = self.selection_set(node.selection_set)
        size = _field_size(node, self.max_page)
        depth = children.depth + 1 if node.selection_set is not None else 0
        return Measure(
            FIELD_COSTS.get(name, 1) + size * children.cost,
            1 + children.selections,
            depth,
            alias + children.aliases,
        )


def measure_operations(document: DocumentNode, max_page: int) -> dict[str, Measure]:
    """Every operation of ``document`` measured (by name; ``""`` for an anonymous one)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    measurer = _Measurer(fragments, max_page)
    return {
        (d.name.value if d.name else ""): measurer.selection_set(d.selection_set)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    }


def operation_cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    max_page: int,
) -> int:
    """The cost of one selection set (see the module docstring)."""
    return _Measurer(fragments, max_page).selection_set(selection_set).cost


@dataclass(frozen=True)
class Limits:
    max_tokens: int
    max_depth: int
    max_aliases: int
    max_cost: int
    max_selections: int
    max_page: int
    validation_budget_s: float


def _too_complex(message: str, **extra: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "QUERY_TOO_COMPLEX", **extra})


def check_limits(document: DocumentNode, limits: Limits) -> list[GraphQLError]:
    """The abuse limits of every operation in ``document`` (linear in its length)."""
    errors: list[GraphQLError] = []
    for name, m in measure_operations(document, limits.max_page).items():
        label = f"'{name}'" if name else "the operation"
        if m.selections > limits.max_selections:
            errors.append(
                _too_complex(
                    f"{label} selects {m.selections} fields after fragment expansion; the "
                    f"limit is {limits.max_selections}"
                )
            )
        if m.depth > limits.max_depth:
            errors.append(
                _too_complex(f"{label} exceeds maximum operation depth of {limits.max_depth}")
            )
        if m.aliases > limits.max_aliases:
            errors.append(
                _too_complex(
                    f"{label}: {m.aliases} aliases exceed the limit of {limits.max_aliases}"
                )
            )
        if m.cost > limits.max_cost:
            errors.append(
                _too_complex(
                    f"query cost {m.cost} exceeds the limit of {limits.max_cost}; ask for "
                    "smaller pages, fewer reports or fewer nested fields",
                    cost=m.cost,
                )
            )
    return errors


class _Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        value = make()
        self.items[key] = value
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


# Parsing and validation get threads of their own, so they neither wait behind slow store
# calls in the default pool nor block the event loop.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="graphql-guard")


async def _off_loop(func: Callable[[], Any]) -> Any:
    return await asyncio.get_running_loop().run_in_executor(_POOL, func)


class RequestGuard(SchemaExtension):
    """Parse and validate off the event loop, with the limits checked first (see above)."""

    limits: Limits
    extra_rules: tuple[Any, ...] = ()
    parsed: _Lru
    validated: _Lru

    @classmethod
    def configured(cls, limits: Limits, extra_rules: tuple[Any, ...]) -> type[RequestGuard]:
        return type(
            "ConfiguredRequestGuard",
            (cls,),
            {
                "limits": limits,
                "extra_rules": extra_rules,
                "parsed": _Lru(256),
                "validated": _Lru(256),
            },
        )

    async def on_parse(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        ctx.parse_options["max_tokens"] = self.limits.max_tokens
        query = ctx.query
        if query is not None and ctx.graphql_document is None:
            # On a syntax error Strawberry parses again (bounded by max_tokens) and reports it.
            with contextlib.suppress(GraphQLError):
                ctx.graphql_document = await _off_loop(lambda: self._parse(query))
        yield

    def _parse(self, query: str) -> DocumentNode:
        document: DocumentNode = self.parsed.get(
            query, lambda: parse(query, max_tokens=self.limits.max_tokens)
        )
        return document

    async def on_validate(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and ctx.pre_execution_errors is None and ctx.query is not None:
            rules = (*ctx.validation_rules, *self.extra_rules)
            key = ctx.query

            def run() -> list[GraphQLError]:
                errors = check_limits(document, self.limits)
                if errors:
                    return errors
                found: list[GraphQLError] = self.validated.get(
                    key, lambda: validate_document(ctx.schema._schema, document, rules)
                )
                return found

            try:
                errors = await asyncio.wait_for(
                    _off_loop(run), timeout=self.limits.validation_budget_s
                )
            except TimeoutError:
                errors = [_too_complex("the query took too long to validate; simplify it")]
            ctx.pre_execution_errors = errors
        yield
