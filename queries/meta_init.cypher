// The data-version counter node and the database's random instance id; created once, never
// counted as data.
MERGE (m:Meta {key: 'dataVersion'})
ON CREATE SET m.value = 0
MERGE (i:Meta {key: 'instanceId'})
ON CREATE SET i.value = randomUUID()
