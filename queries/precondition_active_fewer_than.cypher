// Precondition ActiveFewerThan (models/rules.py): cohort $cohortId has fewer than $count
// active members.
RETURN COUNT {
  MATCH (:Family)-[m:MEMBER_OF]->(:Cohort {id: $cohortId})
  WHERE m.status = 'active'
} < $count AS holds
