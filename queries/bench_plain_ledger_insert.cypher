// BENCHMARK ONLY (graph-service bench journal): the baseline of the payout, a plain batched
// insert of the same ledger rows as bare nodes, with no idempotency check and no events.
UNWIND $rows AS row
CREATE (:BenchLedgerRow {key: row.key, familyId: row.familyId, amountCents: row.amountCents})
