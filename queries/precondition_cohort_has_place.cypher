// Precondition CohortHasPlace (models/rules.py): cohort $cohortId has fewer than $fullSize
// places taken (memberships that are active or invited).
RETURN COUNT {
  MATCH (:Family)-[m:MEMBER_OF]->(:Cohort {id: $cohortId})
  WHERE m.status IN ['active', 'invited']
} < $fullSize AS holds
