"""Records bound for SQL (prompts shown, feedback, closed interactions, journeys), journaled in Redis first so
that a database outage delays them instead of losing them."""
