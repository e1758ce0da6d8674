"""Fixtures of the benefit-cliff tests: PolicyEngine-US imported once per test process."""

from __future__ import annotations

import pytest

from graph_service.taxben import policyengine


@pytest.fixture(scope="session")
def model() -> float:
    """Import PolicyEngine-US (tens of seconds, once); the seconds it took."""
    return policyengine.load()
