"""Adoption analytics: what agents did with the prompts they were shown (accepted, dismissed, ignored)."""
