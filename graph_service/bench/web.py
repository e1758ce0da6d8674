"""Web app page timings over HTTP: p50/p99 of the family home, the family's journal, the
organizer overview and the staff verification queue on the synthetic network, served by
``graph-service serve`` in its own process (embedded store).

Each family asks for its own home page and its journal page (signed in with a one-time code,
so the cookie session, the CSRF token and the in-process GraphQL execution are all in the
figure); the sampled families and every family of the largest region have synthetic journals
(a baseline and the last ended quarter's three months). The organizer overview of the largest
region is asked repeatedly after a cold start: its whole-network figures (ripple summary,
region graph) are background results, so the cold figure is the time until the page first
shows them all (it never waits more than ``GS_BACKGROUND_WAIT_S`` itself: until then it says
they are being computed). The staff queue of the largest region for that quarter is built on
its first request (``cold_ms``) and then kept by the service (``services/verification_queue``):
the figure is the pages after it, and, separately, the page right after each of a few
corrections written by another process (the service follows the change feed, recomputes the
changed family and refits the forest). The baseline,
on the same server, is the sign-in page: HTTP, the session lookup and the template, no graph
work.
"""

from __future__ import annotations

import random
import re
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from pydantic import SecretStr

from graph_service.auth import Principal, Role
from graph_service.bench import BenchContext, Measurement, bench_case
from graph_service.bench.graphs import family_graph
from graph_service.bench.journal import _journals_for, _last_quarter
from graph_service.bench.server import start_api
from graph_service.services.signin import issue_code
from graph_service.services.verification import build_queue, correct_report
from graph_service.settings import Settings
from graph_service.stores.embedded import EmbeddedStore
from loaders.formats import Format
from loaders.importer import import_folder
from models.journal import EvidenceType

FAMILY_PAGES = 200
ORGANIZER_PAGES = 40
STAFF_PAGES = 20
CORRECTIONS = 5  # queue pages timed each right after a correction
BASELINE_PAGES = 200
COMPUTING = "notice computing"  # the overview's sign that a background figure is not ready


def _signed_in(base: str, code: str) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=900)
    page = http.get("/app/sign-in").text
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = http.post("/app/sign-in", data={"csrf": csrf, "code": code})
    assert answer.status_code == 303, answer.text
    return http


def _timed(http: httpx.Client, path: str) -> float:
    began = time.perf_counter()
    answer = http.get(path)
    elapsed = 1000 * (time.perf_counter() - began)
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
    assert 'role="alert"' not in answer.text, (path, answer.text[:2000])
    return elapsed


def _until_complete(http: httpx.Client, path: str, timeout_s: float = 1800) -> float:
    """Milliseconds until ``path`` first answers with every figure (a cold start)."""
    began = time.perf_counter()
    while True:
        answer = http.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
        if COMPUTING not in answer.text:
            assert 'role="alert"' not in answer.text, (path, answer.text[:2000])
            return 1000 * (time.perf_counter() - began)
        assert time.perf_counter() - began < timeout_s, f"{path} never completed"
        time.sleep(1)


def _journals(store: EmbeddedStore, family_ids: list[str], seed: int) -> str:
    """Synthetic journals (baseline + the last ended quarter) for ``family_ids``; the quarter."""
    quarter = _last_quarter()
    families = list(store.get_families(family_ids).values())
    for change in _journals_for(families, quarter, seed):
        store.write(change)
    return quarter


def _after_corrections(
    db: Path, region: str, quarter: str, http: httpx.Client, page: str
) -> list[float]:
    """The queue page right after a correction written by another process (this one, on
    the server's database): the server follows it from the change feed and refits the
    forest."""
    store = EmbeddedStore(db)
    store.open()
    staff = Principal(Role.STAFF, "bench", (region,))
    timings = []
    try:
        queue = build_queue(store, staff, region, quarter, Settings())
        for entry in queue[:CORRECTIONS]:
            savings = entry.report.savings_cents + 100
            correct_report(
                store,
                staff,
                entry.report.id,
                EvidenceType.BANK_STATEMENT,
                {"savingsCents": savings},
            )
            timings.append(_timed(http, page))
    finally:
        store.close()
    return timings


def _q(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@bench_case("web", help="p50/p99 of the family home and organizer overview pages over HTTP")
def web(ctx: BenchContext) -> list[Measurement]:
    graph = family_graph(ctx)
    regions = Counter(d["region"] for _, d in graph.nodes(data=True))
    region = regions.most_common(1)[0][0]
    families = random.Random(ctx.seed).sample(sorted(graph.nodes), min(FAMILY_PAGES, len(graph)))
    secret = "bench-" + "w" * 40
    settings = Settings(secret_key=SecretStr(secret))
    admin = Principal(Role.ADMIN, "bench")
    with tempfile.TemporaryDirectory(prefix="bench-web-") as scratch:
        db = Path(scratch) / "graph.sqlite"
        store = EmbeddedStore(db)
        store.open()
        import_folder(store, ctx.data_folder(Format.CSV))
        in_region = [f for f, d in graph.nodes(data=True) if d["region"] == region]
        quarter = _journals(store, sorted({*in_region, *families}), ctx.seed)
        codes = [issue_code(store, settings, admin, Role.FAMILY, f).code for f in families]
        organizer = issue_code(store, settings, admin, Role.ORGANIZER, "olga", (region,)).code
        staff = issue_code(store, settings, admin, Role.STAFF, "sam", (region,)).code
        store.close()
        server, base = start_api(db, secret)
        try:
            anonymous = httpx.Client(base_url=base, timeout=60)
            _timed(anonymous, "/app/sign-in")  # warm-up
            baseline = [_timed(anonymous, "/app/sign-in") for _ in range(BASELINE_PAGES)]
            homes, journals = [], []
            for code in codes:
                http = _signed_in(base, code)
                homes.append(_timed(http, "/app/family"))
                journals.append(_timed(http, "/app/family/journal"))
                http.close()
            http = _signed_in(base, organizer)
            page = f"/app/organizer?region={region}"
            cold = _until_complete(http, page)
            overview = [_timed(http, page) for _ in range(ORGANIZER_PAGES)]
            http.close()
            http = _signed_in(base, staff)
            page = f"/app/staff?region={region}&quarter={quarter}"
            queue_cold = _timed(http, page)
            queue = [_timed(http, page) for _ in range(STAFF_PAGES)]
            listed = re.search(r"([\d,]+) reports? to check", http.get(page).text)
            entries = int(listed.group(1).replace(",", "")) if listed else 0
            corrected = _after_corrections(db, region, quarter, http, page)
            http.close()
        finally:
            server.terminate()
            server.wait(timeout=60)
    results = []
    for label, values, extra in (
        ("family home", homes, {"pages": float(len(homes))}),
        ("family journal", journals, {"pages": float(len(journals))}),
        (
            f"organizer overview ({region})",
            overview,
            {"pages": float(len(overview)), "cold_ms": cold, "region_families": regions[region]},
        ),
        (
            f"staff queue ({region}, {quarter})",
            queue,
            {"pages": float(len(queue)), "entries": float(entries), "cold_ms": queue_cold},
        ),
        (
            f"staff queue after a correction ({region})",
            corrected,
            {"pages": float(len(corrected))},
        ),
    ):
        for q in (50, 99):
            results.append(
                Measurement(
                    "web",
                    f"{label} p{q}",
                    "ms",
                    _q(values, q),
                    baseline=_q(baseline, q),
                    baseline_label="sign-in page",
                    higher_is_better=False,
                    extra={**extra, "families": float(graph.number_of_nodes())},
                )
            )
    return results
