"""Experiments: random arms (model versions, rules, a guidance-off hold-out) whose outcomes show cause."""
