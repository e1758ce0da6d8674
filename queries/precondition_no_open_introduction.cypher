// Precondition NoOpenIntroduction (models/rules.py): no requested or accepted introduction
// links $familyA and $familyB, in either direction.
RETURN NOT EXISTS {
  MATCH (:Family {id: $familyA})-[i:INTRODUCTION]-(:Family {id: $familyB})
  WHERE i.status IN ['requested', 'accepted']
} AS holds
