// Families one tie away from any of $ids: help or referral either way, or a shared cohort in
// which both memberships are active. The families $ids themselves may be among them.
UNWIND $ids AS id
MATCH (:Family {id: id})-[:HELPED|REFERRED]-(other:Family)
RETURN DISTINCT other.id AS id
UNION
UNWIND $ids AS id
MATCH (:Family {id: id})-[mine:MEMBER_OF]->(:Cohort)<-[theirs:MEMBER_OF]-(other:Family)
WHERE mine.status = 'active' AND theirs.status = 'active'
RETURN DISTINCT other.id AS id
