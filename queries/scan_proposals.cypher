// Every cohort proposal (the read model's full build).
MATCH (p:CohortProposal)
RETURN p {.*} AS record
ORDER BY p.id
