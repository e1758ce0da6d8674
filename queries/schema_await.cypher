// Wait (up to $seconds) until every index is online, so the first queries can use them.
CALL db.awaitIndexes($seconds)
