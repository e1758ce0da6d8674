// Precondition ReportLatestIs (models/rules.py): the latest version of $familyId's report for
// $month is $version (0: there is none).
OPTIONAL MATCH (r:MonthlyReport {familyId: $familyId, month: $month})
RETURN coalesce(max(r.version), 0) = $version AS holds
