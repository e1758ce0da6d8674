// Precondition NoProposalInvitation (models/rules.py): none of $familyIds is invited to a
// proposed cohort other than $exceptCohorts.
RETURN NOT EXISTS {
  MATCH (f:Family)-[m:MEMBER_OF]->(c:Cohort)
  WHERE f.id IN $familyIds AND m.status = 'invited' AND c.origin = 'proposed'
    AND NOT c.id IN $exceptCohorts
} AS holds
