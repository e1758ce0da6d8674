// First statement of every write transaction: bumps the data version and, by writing the one
// Meta node, takes its lock, so concurrent write transactions run one after the other.
MERGE (m:Meta {key: 'dataVersion'})
SET m.value = coalesce(m.value, 0) + 1
RETURN m.value AS value
