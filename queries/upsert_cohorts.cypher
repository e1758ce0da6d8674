// Create or replace cohorts; $rows are flat Cohort records (regionId kept as a property).
UNWIND $rows AS row
MERGE (c:Cohort {id: row.id})
SET c = row
