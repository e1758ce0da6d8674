// Create families that are not stored yet, with their LIVES_IN (ChangeSet.new_records: the
// import checked that no id is stored; the family_id constraint refuses one stored since,
// which is a CONFLICT). $rows are positional, one per id, in the order of
// graph_service.stores.records.columns_of(Family) (a test holds the two to the same order):
// [id, name, regionId, householdSize, languages, incomeBand, baselineIncomeBand, strengths,
// needs, joinedAt, contact, consentMatching, consentCrossRegion, consentResearch,
// householdFactsAdultAges, householdFactsMarried, householdFactsChildAges,
// householdFactsChildAgeBands]; dates as ISO text (cheaper to send than Date values), stored
// as dates; a null is no property. Each property is set once. A row whose region is missing
// matches nothing: `written` counts the families created.
UNWIND $rows AS row
MATCH (r:Region {id: row[2]})
CREATE (f:Family)
SET f = {id: row[0], name: row[1], regionId: row[2], householdSize: row[3], languages: row[4],
         incomeBand: row[5], baselineIncomeBand: row[6], strengths: row[7], needs: row[8],
         joinedAt: date(row[9]), contact: row[10], consentMatching: row[11],
         consentCrossRegion: row[12], consentResearch: row[13],
         householdFactsAdultAges: row[14], householdFactsMarried: row[15],
         householdFactsChildAges: row[16], householdFactsChildAgeBands: row[17]}
CREATE (f)-[:LIVES_IN]->(r)
RETURN count(*) AS written
