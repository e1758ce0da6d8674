"""A record's date may be today or earlier, never in the future; the check reads the clock
only for a date later than any day it has seen as today, so it stays right across midnight."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import models.base
from models import Helped, ValidationFailed, parse, today


def _help_on(day: date) -> Helped:
    record = {"id": "h1", "fromId": "a", "toId": "b", "kind": "repairs", "at": day.isoformat()}
    return parse(Helped, record)


def test_today_and_earlier_are_accepted_tomorrow_is_not() -> None:
    assert _help_on(today()).at == today()
    assert _help_on(date(2020, 1, 1)).at == date(2020, 1, 1)
    with pytest.raises(ValidationFailed) as error:
        _help_on(today() + timedelta(days=1))
    assert error.value.problems[0].field == "at"
    assert "in the future" in error.value.problems[0].reason
    _help_on(date(2021, 5, 5))  # a past date again: the future one left nothing behind
    with pytest.raises(ValidationFailed):
        _help_on(today() + timedelta(days=1))


def test_the_next_day_is_accepted_once_the_clock_reaches_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tomorrow = today() + timedelta(days=1)
    _help_on(today())  # today is the latest day seen
    with pytest.raises(ValidationFailed):
        _help_on(tomorrow)
    monkeypatch.setattr(models.base, "today", lambda: tomorrow)  # midnight passes
    assert _help_on(tomorrow).at == tomorrow
    with pytest.raises(ValidationFailed):
        _help_on(tomorrow + timedelta(days=1))
