"""The doctest examples in the research, region and ripple analytics modules run and hold."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from graph_service.analytics import (
    bridging,
    disclosure,
    network_summary,
    outcomes,
    region_graph,
)
from graph_service.analytics import ripple as ripple_package
from graph_service.analytics.ripple import cascade as ripple_cascade

MODULES = [
    network_summary,
    outcomes,
    disclosure,
    region_graph,
    bridging,
    ripple_package,
    ripple_cascade,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_doctests(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
