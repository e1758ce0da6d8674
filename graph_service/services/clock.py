"""The journal's calendar: the one place the journal, payment and verification services ask
for today's date (UTC), so that a test can run a year of the program in a minute by setting
it (``monkeypatch.setattr(clock, "today", ...)``); nothing in production sets it."""

from __future__ import annotations

from datetime import date

import models


def today() -> date:
    """Today's date in UTC."""
    return models.today()
