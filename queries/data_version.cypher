// The number of committed writes so far.
OPTIONAL MATCH (m:Meta {key: 'dataVersion'})
RETURN coalesce(m.value, 0) AS value
