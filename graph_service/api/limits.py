"""Abuse limits that reject an over-limit operation before any resolver runs.

Strawberry brings depth, alias and token limits; the query *cost* limit is ours:

    cost(selection, m) = Σ_fields m · (1 + cost(children, m · size(field)))

where ``m`` is the multiplier of the enclosing lists and ``size(field)`` is the page size the
field may return: its ``first`` argument (a literal, capped at the maximum page size; a
variable counts as the maximum page size, since validation runs before variables are known),
``LIST_SIZES`` for known unpaged lists, and 1 otherwise. Fragments are expanded.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

# Unpaged list fields and the size we assume for them (cohorts hold at most ~8 members).
LIST_SIZES = {"members": 10, "goals": 15, "regions": 25, "strengths": 1, "needs": 1}


def _field_size(node: FieldNode, max_page: int) -> int:
    for argument in node.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return max(1, min(int(argument.value.value), max_page))
            return max_page
    return LIST_SIZES.get(node.name.value, 1)


def operation_cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    max_page: int,
    multiplier: int = 1,
    seen: frozenset[str] = frozenset(),
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            size = _field_size(selection, max_page)
            total += multiplier * 1 + operation_cost(
                selection.selection_set, fragments, max_page, multiplier * size, seen
            )
        elif isinstance(selection, InlineFragmentNode):
            total += operation_cost(selection.selection_set, fragments, max_page, multiplier, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                total += operation_cost(
                    fragment.selection_set, fragments, max_page, multiplier, seen | {name}
                )
    return total


def cost_limit_rule(max_cost: int, max_page: int) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {
                d.name.value: d
                for d in self.context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            cost = operation_cost(node.selection_set, fragments, max_page)
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"query cost {cost} exceeds the limit of {max_cost}; ask for smaller "
                        "pages or fewer nested fields",
                        node,
                        extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost},
                    )
                )

    return CostLimit
