"""Rules that span records: one referrer per family, no referral cycles.

These are checked on a whole batch against what a store already holds, before anything is
written, so a batch that would break them is rejected whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from models.errors import FieldProblem, ValidationFailed
from models.relationships import Referred


def check_referrals(existing_referrer: Mapping[str, str], batch: Iterable[Referred]) -> None:
    """Raise :class:`ValidationFailed` if ``batch`` gives a family a second referrer or closes
    a cycle. ``existing_referrer`` maps a referred family to its referrer as stored now.

    Re-sending an edge that is already stored (same pair) is fine: writes are idempotent.

    >>> check_referrals({"b": "a"}, [Referred(from_id="b", to_id="c", at="2025-01-01")])
    >>> check_referrals({"b": "a"}, [Referred(from_id="b", to_id="a", at="2025-01-01")])
    Traceback (most recent call last):
    ...
    models.errors.ValidationFailed: referral b->a: toId: would close a referral cycle (a -> b -> a)
    """
    parent: dict[str, str] = dict(existing_referrer)
    for edge in batch:
        label = f"referral {edge.from_id}->{edge.to_id}"
        current = parent.get(edge.to_id)
        if current is not None and current != edge.from_id:
            raise ValidationFailed(
                [FieldProblem("toId", f"family {edge.to_id!r} already has referrer {current!r}")],
                record=label,
            )
        if current is None:
            path = _ancestors(parent, edge.from_id)
            if edge.to_id in path:
                cycle = " -> ".join([*reversed(path[: path.index(edge.to_id) + 1]), edge.to_id])
                raise ValidationFailed(
                    [FieldProblem("toId", f"would close a referral cycle ({cycle})")],
                    record=label,
                )
            parent[edge.to_id] = edge.from_id


def _ancestors(parent: Mapping[str, str], start: str) -> list[str]:
    """``start`` and its referrers up to the root, nearest first."""
    path = [start]
    seen = {start}
    node = start
    while (node := parent.get(node, "")) and node not in seen:
        path.append(node)
        seen.add(node)
    return path
