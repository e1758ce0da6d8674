"""Small measures and checks the cascade and summary modules share: months, ratios, the
structural virality of a Wiener index, and the errors of bad options and bad referrals.

Examples
--------
>>> from datetime import date
>>> month_of(date(2025, 3, 9)), ratio(1, 4), virality(10, 4)
('2025-03', 0.25, 1.6666666666666667)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from graph_service.errors import FieldProblem, ValidationFailed


def month_of(day: date) -> str:
    """``YYYY-MM`` of a date.

    Parameters
    ----------
    day : datetime.date
        Any date.

    Returns
    -------
    str
        ``YYYY-MM``.

    Examples
    --------
    >>> from datetime import date
    >>> month_of(date(2025, 3, 9))
    '2025-03'
    """
    return f"{day.year:04d}-{day.month:02d}"


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    months = []
    while (label := f"{year:04d}-{month:02d}") <= last:
        months.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_span(months: Iterable[str]) -> list[str]:
    """Every month from the first to the last of ``months`` (empty if there are none).

    Parameters
    ----------
    months : iterable of str
        ``YYYY-MM`` labels.

    Returns
    -------
    list of str
        Every month between the first and the last, inclusive.

    Examples
    --------
    >>> month_span(["2025-01", "2024-11"])
    ['2024-11', '2024-12', '2025-01']
    """
    present = set(months)
    return _months_between(min(present), max(present)) if present else []


def virality(wiener: int, size: int) -> float:
    """Structural virality from a tree's Wiener index: ``2 W / (n (n - 1))``.

    Parameters
    ----------
    wiener : int
        The Wiener index.
    size : int
        The number of nodes.

    Returns
    -------
    float
        The mean distance; 0 below two nodes.

    References
    ----------
    Goel et al. (2016).

    Examples
    --------
    >>> virality(10, 4), virality(0, 1)
    (1.6666666666666667, 0.0)
    """
    return 0.0 if size < 2 else 2 * wiener / (size * (size - 1))


def ratio(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator``, ``None`` when the denominator is 0.

    Parameters
    ----------
    numerator, denominator : int
        The counts.

    Returns
    -------
    float or None
        The share.

    Examples
    --------
    >>> ratio(1, 4), ratio(1, 0)
    (0.25, None)
    """
    return numerator / denominator if denominator else None


def check_options(window_days: int, start: date | None = None, end: date | None = None) -> None:
    """Refuse options no cascade measure accepts.

    Parameters
    ----------
    window_days : int
        Must be zero or more.
    start, end : datetime.date, optional
        ``start`` must not be after ``end``.

    Returns
    -------
    None
        Raises :class:`ValidationFailed` (``window_days``, ``start``).

    Examples
    --------
    >>> check_options(180) is None
    True
    >>> check_options(-1)
    Traceback (most recent call last):
    models.errors.ValidationFailed: window_days: must be zero or more
    """
    problems = []
    if window_days < 0:
        problems.append(FieldProblem("window_days", "must be zero or more"))
    if start is not None and end is not None and start > end:
        problems.append(FieldProblem("start", "must not be after end"))
    if problems:
        raise ValidationFailed(problems)


def referral_problem(reason: str) -> ValidationFailed:
    """The error of referrals that are not a forest.

    Parameters
    ----------
    reason : str
        What is wrong.

    Returns
    -------
    ValidationFailed
        The error, field ``referred``.

    Examples
    --------
    >>> referral_problem("referrals form a cycle").field
    'referred'
    """
    return ValidationFailed([FieldProblem("referred", reason)])
