"""Agents as people and records: who is signed in, their skills, channels and limits."""
