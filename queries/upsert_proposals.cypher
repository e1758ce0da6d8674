// Create or replace cohort proposals; $rows are flat CohortProposal records (regionId kept
// as a property, weights and quality flattened: weightsGoals, qualityCohorts, ...).
UNWIND $rows AS row
MERGE (p:CohortProposal {id: row.id})
SET p = row
