// Precondition PursuitOpen (models/rules.py): $familyId pursues $goalId, not yet achieved.
RETURN EXISTS {
  MATCH (:Family {id: $familyId})-[p:PURSUES]->(:Goal {id: $goalId})
  WHERE p.status = 'active'
} AS holds
