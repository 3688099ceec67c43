"""The customer context card an agent sees when a session opens."""
