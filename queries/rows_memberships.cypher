// The read model's full build: the MEMBER_OF relationships leaving the families of one page
// (ids from $first, up to $next excluded, or to the end when $next is null), as one list of
// rows [familyId, cohortId, status],
// dates as day ordinals (as Python's date.toordinal).
MATCH (a:Family)-[m:MEMBER_OF]->(b:Cohort)
WHERE a.id >= $first AND ($next IS NULL OR a.id < $next)
RETURN collect([a.id, b.id, m.status]) AS rows
