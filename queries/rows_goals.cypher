// The read model's full build: every goal of the catalogue, as one list of rows [id, label].
MATCH (g:Goal)
RETURN collect([g.id, g.label]) AS rows
