// Precondition NotInCohort (models/rules.py): $familyId is neither active in nor invited to
// $cohortId.
RETURN NOT EXISTS {
  MATCH (:Family {id: $familyId})-[m:MEMBER_OF]->(:Cohort {id: $cohortId})
  WHERE m.status IN ['active', 'invited']
} AS holds
