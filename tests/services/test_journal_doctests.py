"""The examples in the journal's docstrings (models, services, analytics, generator) run."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

import graph_service.analytics.journal_anomalies
import graph_service.kinds
import graph_service.services.journal
import graph_service.services.payments
import graph_service.services.payout_file
import graph_service.stores.payments
import loaders.synthetic_journal
import models.journal
import models.rules

MODULES = [
    graph_service.analytics.journal_anomalies,
    graph_service.kinds,
    graph_service.services.journal,
    graph_service.services.payments,
    graph_service.services.payout_file,
    graph_service.stores.payments,
    loaders.synthetic_journal,
    models.journal,
    models.rules,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
