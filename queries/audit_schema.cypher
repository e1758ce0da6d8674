// Audit entries: unique ids, ordered by seq.
CREATE CONSTRAINT audit_entry_id IF NOT EXISTS FOR (e:AuditEntry) REQUIRE e.id IS UNIQUE;
CREATE INDEX audit_entry_seq IF NOT EXISTS FOR (e:AuditEntry) ON (e.seq)
