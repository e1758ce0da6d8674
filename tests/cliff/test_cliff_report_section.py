"""The research report's benefit-cliff section renders released tables only (no model run:
the release is built by hand here, through the same protection as a real one)."""

from __future__ import annotations

from datetime import UTC, datetime

from graph_service.analytics.cliff import EXPOSURES
from graph_service.analytics.disclosure import Cell, Table, make_table
from graph_service.analytics.privacy import SeededNoise
from graph_service.research_report import cliff_section
from graph_service.services.privacy_budget import Release, protect
from graph_service.services.research import ReportInputs
from graph_service.settings import Settings


def _release(tables: list[Table]) -> Release:
    return Release(
        "cliff_exposure", None, (None, None), 1, datetime.now(UTC), 1.0, "2026Q4", 1.0, 10.0, tables
    )


def test_the_section_shows_noisy_counts_suppressed_cells_and_the_reform() -> None:
    exact = make_table(
        "cliff_by_region@1000",
        "region",
        "exposure",
        [("oakland", [Cell(400), Cell(3), Cell(900)]), ("boston", [Cell(250), Cell(500), Cell(2)])],
        list(EXPOSURES),
        margins="both",
    )
    tables = protect([exact], Settings(), 1.0, SeededNoise(3))
    dummy = _release([])
    inputs = ReportInputs(dummy, dummy, dummy, cliff=_release(tables))
    html = cliff_section(inputs)
    assert "cliff by region, raise of $1000" in html
    assert "suppressed" in html  # the cells of 3 and 2 families
    assert ">3<" not in html and ">2<" not in html
    assert "less than nothing" in html and "95% noise" in html
    assert "not computed" in cliff_section(ReportInputs(dummy, dummy, dummy)).lower()
    cost = make_table(
        "cliff_reform_cost",
        "net_income_change",
        "measure",
        [("gain", [Cell(800, {"dollars": 400_000.0})])],
        ["families"],
    )
    reform = protect([cost], Settings(), 1.0, SeededNoise(4))
    html = cliff_section(
        ReportInputs(
            dummy,
            dummy,
            dummy,
            cliff=_release(tables),
            cliff_reform=('{"gov.x": 1}', _release(reform), 512.0),
        )
    )
    assert "Reform simulated" in html and "$512" in html
