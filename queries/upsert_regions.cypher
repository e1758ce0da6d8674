// Create or replace regions; $rows are flat Region records.
UNWIND $rows AS row
MERGE (r:Region {id: row.id})
SET r = row
