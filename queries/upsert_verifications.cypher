// Create or replace Verification nodes, each (Verification)-[:OF]->(MonthlyReport).
// $rows: flat camelCase property maps.
UNWIND $rows AS row
MATCH (r:MonthlyReport {id: row.reportId})
MERGE (v:Verification {id: row.id})
SET v = row
MERGE (v)-[:OF]->(r)
