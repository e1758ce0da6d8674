// Every region (the read model's full build).
MATCH (r:Region)
RETURN r {.*} AS record
ORDER BY r.id
