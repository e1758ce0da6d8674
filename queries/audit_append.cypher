// Append audit entries (never updated or deleted by the service). $entries: a list of maps
// {id, seq, at, actor, action, target, detail}; seq orders entries (microseconds since 1970).
UNWIND $entries AS e
CREATE (:AuditEntry {id: e.id, seq: e.seq, at: e.at, actor: e.actor, action: e.action,
                     target: e.target, detail: e.detail})
