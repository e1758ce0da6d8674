// Create or replace MonthlyReport nodes (one per family, month and version), each linked
// (Family)-[:REPORTED]->(MonthlyReport). $rows: flat camelCase property maps.
UNWIND $rows AS row
MATCH (f:Family {id: row.familyId})
MERGE (r:MonthlyReport {id: row.id})
SET r = row
MERGE (f)-[:REPORTED]->(r)
