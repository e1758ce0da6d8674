"""Shared helper for benchmark cases: the synthetic network as a FamilyGraph, built once."""

from __future__ import annotations

import time

from graph_service.analytics.family_graph import FamilyGraph, graph_of
from graph_service.bench import BenchContext

_CACHE: dict[tuple[int, int], FamilyGraph] = {}


def family_graph(ctx: BenchContext) -> FamilyGraph:
    """The synthetic network of ``ctx`` as a :data:`FamilyGraph` (cached per size and seed)."""
    key = (ctx.families, ctx.seed)
    if key not in _CACHE:
        net = ctx.network()
        began = time.monotonic()
        _CACHE[key] = graph_of(net)
        ctx.console.log(f"built the family graph in {time.monotonic() - began:.1f}s")
    return _CACHE[key]
