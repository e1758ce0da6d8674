// Precondition IntroductionsFewerThan (models/rules.py): $familyId asked for fewer than $limit
// introductions on $day (an ISO date).
RETURN COUNT {
  MATCH (:Family {id: $familyId})-[i:INTRODUCTION]->(:Family)
  WHERE i.requestedOn = date($day)
} < $limit AS holds
