// The cohort proposals among $ids.
MATCH (p:CohortProposal)
WHERE p.id IN $ids
RETURN p {.*} AS record
ORDER BY p.id
