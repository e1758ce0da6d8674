// Precondition FamilyExists (models/rules.py): a family $familyId exists.
RETURN EXISTS { MATCH (:Family {id: $familyId}) } AS holds
