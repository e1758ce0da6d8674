// Precondition InvitationPending (models/rules.py): $familyId is invited to $cohortId (by
// $invitedBy, or by anyone when it is null).
RETURN EXISTS {
  MATCH (:Family {id: $familyId})-[m:MEMBER_OF]->(:Cohort {id: $cohortId})
  WHERE m.status = 'invited' AND ($invitedBy IS NULL OR m.invitedBy = $invitedBy)
} AS holds
