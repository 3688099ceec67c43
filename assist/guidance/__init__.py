"""Guidance: turns a live journey into prompts. Rules today; the models package plugs in behind the same
interface (``GuidanceProvider``) and falls back to the rules when it has no model."""
