// Every family (the read model's full build).
MATCH (f:Family)
RETURN f {.*} AS record
ORDER BY f.id
