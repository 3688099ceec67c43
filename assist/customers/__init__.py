"""Customer records as people see them: masked by role, filtered by consent, every read audited."""
