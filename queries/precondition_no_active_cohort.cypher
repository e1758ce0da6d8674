// Precondition NoActiveCohort (models/rules.py): $familyId is an active member of no cohort.
RETURN NOT EXISTS {
  MATCH (:Family {id: $familyId})-[m:MEMBER_OF]->(:Cohort)
  WHERE m.status = 'active'
} AS holds
