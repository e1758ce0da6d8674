// Remove a family with every relationship attached to it.
MATCH (f:Family {id: $id})
DETACH DELETE f
RETURN count(*) AS deleted
