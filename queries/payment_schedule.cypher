// Schedule the payments of $rows whose key is not in the ledger yet (the idempotency key: the
// MERGE on the uniqueness constraint); $run marks the ones this statement created, which get
// their 'scheduled' event and are returned.
UNWIND $rows AS row
MERGE (p:Payment {key: row.key})
ON CREATE SET p += row, p.state = 'scheduled', p.note = '', p.run = $run
WITH p, row
WHERE p.run = $run
CREATE (:PaymentEvent {key: p.key, period: p.period, state: 'scheduled',
                       amountCents: p.amountCents, at: row.scheduledAt})
RETURN p.key AS key
