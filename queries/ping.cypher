// A trivial read: the store answers.
RETURN 1 AS ok
