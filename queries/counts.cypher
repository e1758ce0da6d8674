// Nodes per label and relationships per type of the family graph.
RETURN
  COUNT { MATCH (:Family) } AS Family,
  COUNT { MATCH (:Cohort) } AS Cohort,
  COUNT { MATCH (:Goal) } AS Goal,
  COUNT { MATCH (:Region) } AS Region,
  COUNT { MATCH ()-[:LIVES_IN]->() } AS LIVES_IN,
  COUNT { MATCH ()-[:MEMBER_OF]->() } AS MEMBER_OF,
  COUNT { MATCH ()-[:PURSUES]->() } AS PURSUES,
  COUNT { MATCH ()-[:HELPED]->() } AS HELPED,
  COUNT { MATCH ()-[:REFERRED]->() } AS REFERRED,
  COUNT { MATCH (:MonthlyReport) } AS MonthlyReport,
  COUNT { MATCH (:Action) } AS Action,
  COUNT { MATCH (:Verification) } AS Verification
