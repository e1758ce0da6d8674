"""The file payment processor: a payout batch out as CSV, a results file back in.

``payout-<quarter>.csv`` (written by :meth:`FilePaymentProcessor.submit`, one row a payment):
``key,family_id,period,amount_cents,reports``. A real processor (a bank's batch upload, or a
payments API) takes it and answers with ``results-*.csv`` in the same folder:
``key,status,note`` where ``status`` is ``fulfilled`` or ``failed``. The keys are the ledger's
idempotency keys, so a batch submitted twice is recognisable as the same payments.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "results-1.csv").write_text("key,status,note\\nana:2025-Q1,failed,closed\\n")
>>> FilePaymentProcessor(folder).results()
[('ana:2025-Q1', <PaymentState.FAILED: 'failed'>, 'closed')]
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from graph_service.errors import FieldProblem, ValidationFailed
from graph_service.stores.payments import Payment, PaymentState

BATCH_COLUMNS = ("key", "family_id", "period", "amount_cents", "reports")
RESULT_COLUMNS = ("key", "status", "note")
_RESULT_STATES = {"fulfilled": PaymentState.FULFILLED, "failed": PaymentState.FAILED}


class FilePaymentProcessor:
    """Writes payout batches to, and reads results from, one folder."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def batch_path(self, quarter: str) -> Path:
        return self.folder / f"payout-{quarter}.csv"

    def submit(self, quarter: str, payments: Sequence[Payment]) -> None:
        """Append the payments to the quarter's batch file (a header when it is new); keys
        already in the file are not written again."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.batch_path(quarter)
        known: set[str] = set()
        if path.exists():
            with path.open(newline="", encoding="utf-8") as handle:
                known = {row["key"] for row in csv.DictReader(handle)}
        new = path.exists() is False
        with path.open("a", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            if new:
                writer.writerow(BATCH_COLUMNS)
            for p in payments:
                if p.key not in known:
                    writer.writerow((p.key, p.family_id, p.period, p.amount_cents, p.reports))

    def results(self) -> list[tuple[str, PaymentState, str]]:
        """Every ``results-*.csv`` row, files in name order. A bad row is refused whole
        (``ValidationFailed`` naming the file and line), before anything is settled."""
        found: list[tuple[str, PaymentState, str]] = []
        for path in sorted(self.folder.glob("results-*.csv")):
            with path.open(newline="", encoding="utf-8") as handle:
                reader = csv.DictReader(handle)
                if tuple(reader.fieldnames or ())[:2] != RESULT_COLUMNS[:2]:
                    raise ValidationFailed(
                        [FieldProblem("header", f"must start with {','.join(RESULT_COLUMNS)}")],
                        record=path.name,
                    )
                for line, row in enumerate(reader, start=2):
                    state = _RESULT_STATES.get((row.get("status") or "").strip())
                    key = (row.get("key") or "").strip()
                    if state is None or not key:
                        raise ValidationFailed(
                            [FieldProblem("status", "must be fulfilled or failed, with a key")],
                            record=f"{path.name} line {line}",
                        )
                    found.append((key, state, (row.get("note") or "").strip()[:200]))
        return found
