// A page of the audit log, oldest first, after the cursor key $after ("" for the start);
// $action: one action or null for all.
MATCH (e:AuditEntry)
WHERE (e.seq + '|' + e.id) > $after AND ($action IS NULL OR e.action = $action)
RETURN e {.id, .seq, .at, .actor, .action, .target, .detail} AS record
ORDER BY e.seq, e.id
LIMIT $limit
