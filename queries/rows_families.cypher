// The read model's full build: the families of one page (ids from $first, up to $next
// excluded, or to the end when $next is null) in id order, as one list of rows of the fields
// the projection keeps (graph_service/stores/projection_rows.py), joinedAt as a day ordinal
// (days since 0001-01-01, plus one, as Python's date.toordinal).
MATCH (f:Family)
WHERE f.id >= $first AND ($next IS NULL OR f.id < $next)
WITH f
ORDER BY f.id
RETURN collect([f.id, f.regionId, f.householdSize, f.languages, f.incomeBand,
                f.baselineIncomeBand, f.strengths, f.needs,
                duration.inDays(date('0001-01-01'), f.joinedAt).days + 1,
                f.consentMatching, f.consentCrossRegion, f.consentResearch]) AS rows
