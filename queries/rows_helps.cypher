// The read model's full build: the HELPED relationships leaving the families of one page
// (ids from $first, up to $next excluded, or to the end when $next is null), as one list of
// rows [id, fromId, toId, kind, at, hours, amount, confirmed],
// dates as day ordinals (as Python's date.toordinal).
MATCH (a:Family)-[h:HELPED]->(b:Family)
WHERE a.id >= $first AND ($next IS NULL OR a.id < $next)
RETURN collect([h.id, a.id, b.id, h.kind,
                 duration.inDays(date('0001-01-01'), h.at).days + 1, h.hours, h.amount, h.confirmed]) AS rows
