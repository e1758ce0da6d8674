"""The examples in the loaders' docstrings run as tests."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

import loaders.classic
import loaders.formats
import loaders.synthetic

MODULES = [loaders.formats, loaders.synthetic, loaders.classic]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
