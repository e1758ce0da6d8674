// Precondition InvitedFewerThan (models/rules.py): member $inviterId has fewer than $limit
// open (active or invited) invitations in cohort $cohortId.
RETURN COUNT {
  MATCH (:Family)-[m:MEMBER_OF]->(:Cohort {id: $cohortId})
  WHERE m.invitedBy = $inviterId AND m.status IN ['active', 'invited']
} < $limit AS holds
