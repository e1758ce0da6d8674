// Every cohort (the read model's full build).
MATCH (c:Cohort)
RETURN c {.*} AS record
ORDER BY c.id
