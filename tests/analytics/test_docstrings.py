"""Every analytics module's doctests hold, and every public function documents itself the way
networkx does (numpydoc): ``Parameters`` (when it takes any), ``Returns`` and ``Examples`` with
a doctest, so that ``help()`` reads the same everywhere. ``References`` are given where a
published source exists (they cannot be checked mechanically; the module docstrings cite the
sources of the definitions).

Public: the names of a module's ``__all__``, or, without one, every function whose name does
not start with ``_``, defined in that module.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from itertools import pairwise
from types import ModuleType
from typing import Any

import pytest

import graph_service.analytics as analytics

MODULES = [
    importlib.import_module(m.name)
    for m in pkgutil.walk_packages(analytics.__path__, analytics.__name__ + ".")
]


def _public_functions(module: ModuleType) -> Iterator[tuple[str, Callable[..., Any]]]:
    names = getattr(module, "__all__", None)
    for name in names if names is not None else dir(module):
        value = getattr(module, name)
        if name.startswith("_") or not inspect.isfunction(value):
            continue
        if value.__module__ == module.__name__:
            yield name, value


def _sections(doc: str) -> set[str]:
    """numpydoc section titles: a line followed by a line of dashes as long."""
    lines = [line.strip() for line in doc.splitlines()]
    return {
        title
        for title, rule in pairwise(lines)
        if title and rule and set(rule) == {"-"} and len(rule) == len(title)
    }


def _lacking(function: Callable[..., Any]) -> list[str]:
    doc = inspect.getdoc(function) or ""
    wanted = ["Returns", "Examples"]
    if inspect.signature(function).parameters:
        wanted.insert(0, "Parameters")
    found = _sections(doc)
    missing = [s for s in wanted if s not in found]
    if "Examples" in found and ">>>" not in doc.split("Examples", 1)[1]:
        missing.append("a doctest under Examples")
    return missing


def _name(module: ModuleType) -> str:
    return module.__name__.removeprefix("graph_service.analytics.")


def test_every_analytics_module_is_walked() -> None:
    names = {_name(m) for m in MODULES}
    assert {"matching", "match_ties", "cohort_formation.packing", "ripple.cascade"} <= names
    assert sum(1 for m in MODULES for _ in _public_functions(m)) > 80


@pytest.mark.parametrize("module", MODULES, ids=_name)
def test_doctests_hold(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


@pytest.mark.parametrize("module", MODULES, ids=_name)
def test_public_functions_have_numpydoc_sections(module: ModuleType) -> None:
    lacking = {name: _lacking(f) for name, f in _public_functions(module)}
    assert {name: what for name, what in lacking.items() if what} == {}


def test_the_check_finds_a_missing_section() -> None:
    def documented(x: int) -> int:
        """Twice ``x``.

        Parameters
        ----------
        x : int
            A number.

        Returns
        -------
        int
            ``2 * x``.
        """
        return 2 * x

    assert _lacking(documented) == ["Examples"]
