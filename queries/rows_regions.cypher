// The read model's full build: every region, as one list of rows [id, name, latitude, longitude].
MATCH (r:Region)
RETURN collect([r.id, r.name, r.latitude, r.longitude]) AS rows
