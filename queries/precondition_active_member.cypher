// Precondition ActiveMember (models/rules.py): $familyId is an active member of $cohortId.
RETURN EXISTS {
  MATCH (:Family {id: $familyId})-[m:MEMBER_OF]->(:Cohort {id: $cohortId})
  WHERE m.status = 'active'
} AS holds
