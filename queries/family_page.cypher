// One page of families in id order after $after ('' for the first page), $limit + 1 rows so
// the caller can tell whether a next page exists. Null filter parameters match everything.
MATCH (f:Family)
WHERE f.id > $after
  AND ($regionIds IS NULL OR f.regionId IN $regionIds)
  AND ($consentMatching IS NULL OR f.consentMatching = $consentMatching)
  AND ($goalId IS NULL OR EXISTS { MATCH (f)-[:PURSUES]->(:Goal {id: $goalId}) })
  AND ($cohortId IS NULL OR EXISTS {
        MATCH (f)-[m:MEMBER_OF]->(:Cohort {id: $cohortId}) WHERE m.status = 'active' })
RETURN f {.*} AS record
ORDER BY f.id
LIMIT $limit + 1
