"""Wrap-up: after-contact work, disposition codes and the automatic contact summary."""
