// Create or replace catalogue goals; $rows are flat Goal records.
UNWIND $rows AS row
MERGE (g:Goal {id: row.id})
SET g = row
