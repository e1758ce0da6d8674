// Every cohort proposal of region $regionId, newest first.
MATCH (p:CohortProposal {regionId: $regionId})
RETURN p {.*} AS record
ORDER BY p.createdAt DESC, p.id DESC
