"""Sessions: one contact handled by one agent, from offer to close or handoff."""
