// Precondition FamilyIsNew (models/rules.py): no family $familyId exists yet.
RETURN NOT EXISTS { MATCH (:Family {id: $familyId}) } AS holds
