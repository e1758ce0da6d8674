// The random id of this database, made once (read-model snapshots are tied to it).
MATCH (m:Meta {key: 'instanceId'})
RETURN m.value AS value
