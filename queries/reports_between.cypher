// Every report version of the months $first to $last (YYYY-MM, inclusive).
MATCH (r:MonthlyReport)
WHERE r.month >= $first AND r.month <= $last
RETURN r {.*} AS record
ORDER BY r.familyId, r.month, r.id
