// Precondition ReportMonthFree (models/rules.py): $familyId has no report for $month yet.
RETURN NOT EXISTS { MATCH (r:MonthlyReport {familyId: $familyId, month: $month}) } AS holds
