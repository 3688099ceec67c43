"""Routing queues as configured by an operator: the file at start, an admin's changes after, on every worker."""
