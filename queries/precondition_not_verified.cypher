// Precondition NotVerified (models/rules.py): report version $reportId has no verification.
RETURN NOT EXISTS { MATCH (v:Verification {reportId: $reportId}) } AS holds
