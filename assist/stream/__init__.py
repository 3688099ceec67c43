"""The agent's websocket: a versioned JSON protocol, a per-agent outbox in Redis, fan-out between workers."""
