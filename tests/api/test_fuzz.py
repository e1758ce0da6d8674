"""Fuzz the running app with schema-generated operations, boundary values and abusive
documents: no 5xx, no unmasked or internal errors, no request beyond a generous bound set
by its cost, and nothing changes that should not (the store stays consistent)."""

from __future__ import annotations

import os
import random
import time

from graph_service.api.schema import build_schema
from tests.api.conftest import Api
from tests.api.fuzz import FuzzStats, OperationMaker, check_response, time_bound

# A longer run: GS_FUZZ_OPERATIONS=10000 scripts/test -k fuzz
OPERATIONS = int(os.environ.get("GS_FUZZ_OPERATIONS", "1500"))
# None is the anonymous caller; the others are (role, subject, *regions).
ROLES: list[tuple[str, ...] | None] = [
    None,
    ("family", "ana"),
    ("family", "eli"),
    ("organizer", "o", "oakland"),
    ("researcher", "r"),
    ("admin", "root"),
]


def test_fuzzed_operations_never_fail_the_server(api: Api) -> None:
    rng = random.Random(20261129)
    maker = OperationMaker(build_schema(api.settings)._schema, rng)
    tokens = [None if r is None else api.token(r[0], r[1], tuple(r[2:])) for r in ROLES]
    stats = FuzzStats()
    for _ in range(OPERATIONS):
        text, variables = maker.operation()
        bound = time_bound(text, variables, api.settings.max_page_size)
        began = time.monotonic()
        response = api.post(text, variables, rng.choice(tokens))
        elapsed = time.monotonic() - began
        body = (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else None
        )
        check_response(response.status_code, body, stats, text, elapsed, bound)
    print(f"fuzz: {stats.operations} operations, codes {sorted(stats.codes.items(), key=str)}")
    assert stats.operations == OPERATIONS
    assert stats.server_errors == 0, stats.failures[:5]
    assert stats.unmasked == 0, stats.failures[:5]
    assert stats.internal_errors == 0, stats.failures[:5]
    assert stats.slow == 0, stats.failures[:5]
    counts = api.store.counts()
    assert counts["LIVES_IN"] == counts["Family"]
