// Constraints and indexes of the family graph, created at start-up (Neo4jStore.open()).
// Uniqueness constraints also give the id lookups their range index.
CREATE CONSTRAINT family_id IF NOT EXISTS FOR (f:Family) REQUIRE f.id IS UNIQUE;
CREATE CONSTRAINT cohort_id IF NOT EXISTS FOR (c:Cohort) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT goal_id IF NOT EXISTS FOR (g:Goal) REQUIRE g.id IS UNIQUE;
CREATE CONSTRAINT region_id IF NOT EXISTS FOR (r:Region) REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT meta_key IF NOT EXISTS FOR (m:Meta) REQUIRE m.key IS UNIQUE;
// Relationship property uniqueness: Neo4j 5.7+ (Community included).
CREATE CONSTRAINT helped_id IF NOT EXISTS FOR ()-[h:HELPED]-() REQUIRE h.id IS UNIQUE;
CREATE CONSTRAINT signin_code_hash IF NOT EXISTS FOR (c:SignInCode) REQUIRE c.hash IS UNIQUE;
CREATE CONSTRAINT web_session_hash IF NOT EXISTS FOR (s:WebSession) REQUIRE s.hash IS UNIQUE;
CREATE INDEX family_region_id IF NOT EXISTS FOR (f:Family) ON (f.regionId);
CREATE INDEX cohort_region_id IF NOT EXISTS FOR (c:Cohort) ON (c.regionId);
CREATE CONSTRAINT change_log_version IF NOT EXISTS FOR (c:ChangeLog) REQUIRE c.version IS UNIQUE;
CREATE CONSTRAINT monthly_report_id IF NOT EXISTS FOR (r:MonthlyReport) REQUIRE r.id IS UNIQUE;
CREATE INDEX monthly_report_family_month IF NOT EXISTS FOR (r:MonthlyReport) ON (r.familyId, r.month);
CREATE INDEX monthly_report_month IF NOT EXISTS FOR (r:MonthlyReport) ON (r.month);
CREATE CONSTRAINT action_id IF NOT EXISTS FOR (a:Action) REQUIRE a.id IS UNIQUE;
CREATE INDEX action_family IF NOT EXISTS FOR (a:Action) ON (a.familyId);
CREATE CONSTRAINT verification_id IF NOT EXISTS FOR (v:Verification) REQUIRE v.id IS UNIQUE;
CREATE INDEX verification_family IF NOT EXISTS FOR (v:Verification) ON (v.familyId);
CREATE INDEX verification_report IF NOT EXISTS FOR (v:Verification) ON (v.reportId);
