"""Benchmarks: a registry of cases, each measuring figures *and* a baseline in the same process.

Adding a case is one decorated function in any module of this package (modules are imported
when cases are run, so a new file is found without touching anything else)::

    from graph_service.bench import BenchContext, Measurement, bench_case

    @bench_case("matching", help="top-k peers per second vs brute force")
    def matching(ctx: BenchContext) -> list[Measurement]:
        network = ctx.network()            # the synthetic network (generated once, shared)
        ...
        return [Measurement("matching", "embedded", "queries/s", fast, baseline=slow,
                            baseline_label="brute force")]

:func:`run_cases` runs cases, prints a rich table (value, baseline, ratio, extras) and writes
JSON. Speed is reported, never asserted.
"""

from __future__ import annotations

import importlib
import json
import math
import pkgutil
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from graph_service.stores.base import GraphStore
from loaders.formats import Format
from loaders.synthetic import SyntheticNetwork, generate, write_network

# Opens a fresh, empty store of one kind for the duration of a ``with`` block.
StoreOpener = Callable[[], AbstractContextManager[GraphStore]]


@dataclass(frozen=True)
class Measurement:
    """One figure of one case on one subject (a store, or a variant), with its baseline.

    ``ratio`` is value / baseline, so with ``higher_is_better`` a ratio above 1 is a win;
    ``extra`` holds further figures (seconds, rows, peak memory, ...)."""

    case: str
    subject: str
    metric: str
    value: float
    baseline: float
    baseline_label: str
    higher_is_better: bool = True
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else math.nan

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


class BenchContext:
    """What a case gets: the size and seed, the stores to measure, a scratch folder, and the
    synthetic network (generated and written once, on first use, shared by all cases)."""

    def __init__(
        self,
        families: int,
        seed: int,
        stores: Mapping[str, StoreOpener],
        workdir: Path,
        console: Console,
    ) -> None:
        self.families = families
        self.seed = seed
        self.stores = stores
        self.workdir = workdir
        self.console = console
        self._folders: dict[Format, Path] = {}

    @cached_property
    def _network(self) -> SyntheticNetwork:
        began = time.monotonic()
        network = generate(self.families, self.seed)
        self.console.log(f"generated {self.families:,} families in {time.monotonic() - began:.1f}s")
        return network

    def network(self) -> SyntheticNetwork:
        return self._network

    def data_folder(self, fmt: Format = Format.CSV) -> Path:
        """The synthetic network written in the import format (written once per format)."""
        if fmt not in self._folders:
            folder = self.workdir / f"synthetic-{fmt}"
            began = time.monotonic()
            write_network(self.network(), folder, fmt)
            self.console.log(f"wrote {folder} in {time.monotonic() - began:.1f}s")
            self._folders[fmt] = folder
        return self._folders[fmt]


Case = Callable[[BenchContext], list[Measurement]]


@dataclass(frozen=True)
class RegisteredCase:
    name: str
    run: Case
    help: str


CASES: dict[str, RegisteredCase] = {}


def bench_case(name: str, *, help: str = "") -> Callable[[Case], Case]:
    """Register a case under ``name`` (the function's docstring is the default help)."""

    def register(run: Case) -> Case:
        if name in CASES and CASES[name].run is not run:
            raise ValueError(f"benchmark case {name!r} is registered twice")
        doc_lines = (run.__doc__ or "").strip().splitlines()
        text = help or (doc_lines[0] if doc_lines else "")
        CASES[name] = RegisteredCase(name, run, text)
        return run

    return register


def discover_cases() -> dict[str, RegisteredCase]:
    """Import every module of this package (which registers its cases); all cases by name."""
    for module in pkgutil.iter_modules(__path__):
        if module.name != "cli":
            importlib.import_module(f"{__name__}.{module.name}")
    return dict(sorted(CASES.items()))


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (a high-water mark: it never goes down)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_cases(
    names: Sequence[str],
    families: int,
    seed: int,
    stores: Mapping[str, StoreOpener],
    out_json: Path | None,
    *,
    console: Console | None = None,
    workdir: Path | None = None,
) -> list[Measurement]:
    """Run the named cases (all if ``names`` is empty), print a table, write ``out_json``."""
    # Wide enough for the table when the output is not a terminal (CI logs, files).
    console = console or Console(stderr=True, width=None if sys.stderr.isatty() else 160)
    cases = discover_cases()
    unknown = [n for n in names if n not in cases]
    if unknown:
        raise KeyError(f"unknown benchmark case(s) {unknown}; known: {', '.join(cases)}")
    chosen = [cases[n] for n in (names or list(cases))]
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        context = BenchContext(families, seed, stores, workdir or Path(scratch), console)
        for case in chosen:
            console.log(f"running [bold]{case.name}[/] on {', '.join(stores)}")
            results.extend(case.run(context))
    console.print(results_table(results, families, seed))
    if out_json is not None:
        write_results(out_json, results, families, seed)
        console.log(f"wrote {out_json}")
    return results


def _figure(value: float) -> str:
    """Four significant figures, with thousands separators for large values."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def results_table(results: Sequence[Measurement], families: int, seed: int) -> Table:
    table = Table(title=f"benchmarks: {families:,} synthetic families, seed {seed}")
    for column in ("case", "subject", "metric", "value", "baseline", "ratio", "extra"):
        table.add_column(
            column, justify="right" if column in {"value", "baseline", "ratio"} else "left"
        )
    for m in results:
        better = m.ratio >= 1 if m.higher_is_better else m.ratio <= 1
        colour = "green" if better else "red"
        extra = ", ".join(f"{k}={_figure(v)}" for k, v in m.extra.items())
        table.add_row(
            m.case,
            m.subject,
            m.metric,
            _figure(m.value),
            f"{_figure(m.baseline)} ({m.baseline_label})",
            f"[{colour}]{m.ratio:,.2f}x[/]",
            extra,
        )
    return table


def write_results(path: Path, results: Sequence[Measurement], families: int, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "families": families,
        "seed": seed,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "results": [m.to_json() for m in results],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


__all__ = [
    "CASES",
    "BenchContext",
    "Measurement",
    "RegisteredCase",
    "StoreOpener",
    "bench_case",
    "discover_cases",
    "peak_rss_mib",
    "run_cases",
]
