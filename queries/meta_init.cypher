// The data-version counter node; created once, never counted as data.
MERGE (m:Meta {key: 'dataVersion'})
ON CREATE SET m.value = 0
