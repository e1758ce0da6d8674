// Precondition IntroductionStatusIn (models/rules.py): introduction $introductionId has one of
// $statuses.
RETURN EXISTS {
  MATCH (:Family)-[i:INTRODUCTION {id: $introductionId}]->(:Family)
  WHERE i.status IN $statuses
} AS holds
