// Move the scheduled payment $key to $state (fulfilled, canceled or failed) and append its
// event. The first SET takes the node's write lock, so the state read after it is the latest
// committed one: two concurrent settlements cannot both move it.
MATCH (p:Payment {key: $key})
SET p.locked = true
REMOVE p.locked
WITH p
WHERE p.state = 'scheduled'
SET p.state = $state, p.settledAt = $at, p.note = $note
CREATE (:PaymentEvent {key: p.key, period: p.period, state: $state,
                       amountCents: p.amountCents, at: $at})
RETURN p.key AS key
