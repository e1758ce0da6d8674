// Precondition HasBaseline (models/rules.py): $familyId has a baseline report ($present) or not.
RETURN EXISTS { MATCH (r:MonthlyReport {familyId: $familyId, kind: 'baseline'}) } = $present
  AS holds
