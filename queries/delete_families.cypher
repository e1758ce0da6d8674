// Remove the families $ids with every relationship attached to them, and their journal
// (reports, actions, and the verifications of their reports).
UNWIND $ids AS id
MATCH (f:Family {id: id})
CALL { WITH id MATCH (r:MonthlyReport {familyId: id}) DETACH DELETE r }
CALL { WITH id MATCH (a:Action {familyId: id}) DETACH DELETE a }
CALL { WITH id MATCH (v:Verification {familyId: id}) DETACH DELETE v }
DETACH DELETE f
