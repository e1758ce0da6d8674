// Precondition NoReferrer (models/rules.py): nobody has referred $familyId yet.
RETURN NOT EXISTS { MATCH (:Family)-[:REFERRED]->(:Family {id: $familyId}) } AS holds
