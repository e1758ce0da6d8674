"""The periods research reports cover: whole calendar quarters, the span of the data, and the
quarters in between (every report states its period; filters are widened to quarters so
that no release can be narrowed to a few days).

Examples
--------
>>> from datetime import date
>>> quarter_period(date(2025, 2, 14), None), quarter_of(date(2025, 8, 1))
((datetime.date(2025, 1, 1), None), '2025-Q3')
"""

from __future__ import annotations

from datetime import date, timedelta

from graph_service.analytics.family_graph import FamilyGraph, edge_values, node_values


def quarter_period(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """Widen ``[start, end]`` to whole calendar quarters.

    Parameters
    ----------
    start, end : datetime.date or None
        The period asked for.

    Returns
    -------
    tuple of (datetime.date or None, datetime.date or None)
        The first day of ``start``'s quarter and the last of ``end``'s.

    Examples
    --------
    >>> quarter_period(date(2025, 2, 14), date(2025, 5, 1))
    (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
    """
    first = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1) if start else None
    if end is None:
        return first, None
    next_quarter_month = 3 * ((end.month - 1) // 3) + 4
    year = end.year + (next_quarter_month > 12)
    last = date(year, (next_quarter_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return first, last


def data_span(graph: FamilyGraph) -> tuple[date | None, date | None]:
    """First and last date in the data: joins, help and referrals (None: no dates at all).

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.

    Returns
    -------
    tuple of (datetime.date or None, datetime.date or None)
        The first and last date of joins, help and referrals.

    Examples
    --------
    >>> from graph_service.analytics.family_graph import build_family_graph
    >>> empty = build_family_graph(families=[])
    >>> data_span(empty)
    (None, None)
    """
    dates: list[date] = [d for _, d in node_values(graph, "joined_at") if d is not None]
    dates += [d for _, _, d in edge_values(graph, "at") if d is not None]
    return (min(dates), max(dates)) if dates else (None, None)


def report_period(
    graph: FamilyGraph, start: date | None, end: date | None
) -> tuple[date | None, date | None]:
    """The period a report covers: the dates asked for, else the data's own span, widened to
    whole quarters (so a report always states its period when the data has any date).

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    start, end : datetime.date or None
        The period asked for.

    Returns
    -------
    tuple of (datetime.date or None, datetime.date or None)
        The period, in whole quarters.

    Examples
    --------
    >>> import networkx as nx
    >>> report_period(nx.MultiDiGraph(), date(2025, 2, 1), None)
    (datetime.date(2025, 1, 1), None)
    """
    first, last = data_span(graph)
    return quarter_period(start or first, end or last)


def quarter_of(day: date) -> str:
    """The calendar quarter of a date.

    Parameters
    ----------
    day : datetime.date
        Any date.

    Returns
    -------
    str
        ``YYYY-Qn``.

    Examples
    --------
    >>> quarter_of(date(2025, 8, 1))
    '2025-Q3'
    """
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters(start: date | None, end: date | None) -> list[str]:
    """Every quarter from ``start``'s to ``end``'s (none without both dates).

    Parameters
    ----------
    start, end : datetime.date or None
        The period.

    Returns
    -------
    list of str
        ``YYYY-Qn`` labels.

    Examples
    --------
    >>> quarters(date(2025, 11, 1), date(2026, 2, 1))
    ['2025-Q4', '2026-Q1']
    """
    if start is None or end is None:
        return []
    found = []
    year, quarter = start.year, (start.month - 1) // 3
    while (year, quarter) <= (end.year, (end.month - 1) // 3):
        found.append(f"{year}-Q{quarter + 1}")
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
    return found
