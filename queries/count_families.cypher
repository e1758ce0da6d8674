// Number of families matching the filter (null parameters match everything).
MATCH (f:Family)
WHERE ($regionIds IS NULL OR f.regionId IN $regionIds)
  AND ($consentMatching IS NULL OR f.consentMatching = $consentMatching)
  AND ($goalId IS NULL OR EXISTS { MATCH (f)-[:PURSUES]->(:Goal {id: $goalId}) })
  AND ($cohortId IS NULL OR EXISTS {
        MATCH (f)-[m:MEMBER_OF]->(:Cohort {id: $cohortId}) WHERE m.status = 'active' })
RETURN count(f) AS total
