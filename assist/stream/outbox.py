"""Per-agent outbox: a Redis Stream whose entry ids are the agent's message ``seq``.

``append`` is one Lua script: it takes the next seq, adds the entry with id ``<seq>-0`` (so stream order is
seq order even with many writers), trims the stream, refreshes TTLs and publishes the message to the
agent's channel. All its keys carry the ``{agent:<id>}`` hash tag, so it runs on Redis Cluster too.
A panel that reconnects reads ``(resume_from, +]`` with XRANGE and then follows the live channel.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from assist.stores.redis import KeySpace
from assist.stream.protocol import Envelope

_APPEND = """
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-0', 'm', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], seq .. '|' .. ARGV[1])
return seq
"""


class Outbox:
    """Durable, ordered messages for each agent; any worker may append, every worker may deliver."""

    def __init__(self, client: Redis, keys: KeySpace, max_len: int, ttl_seconds: int) -> None:
        self.client = client
        self.keys = keys
        self.max_len = max_len
        self.ttl_seconds = ttl_seconds
        self._append = client.register_script(_APPEND)

    def channel(self, agent_id: str) -> str:
        return self.keys.channel("agent", agent_id)

    async def append(self, agent_id: str, message: Envelope) -> int:
        """Store ``message`` for ``agent_id``, publish it, and return its seq."""
        payload = message.model_dump_json(exclude={"seq"})
        seq = await self._append(
            keys=[self.keys.key("agent", agent_id, "seq"), self.keys.key("agent", agent_id, "outbox")],
            args=[payload, self.max_len, self.ttl_seconds, self.channel(agent_id)],
        )
        return int(seq)

    async def last_seq(self, agent_id: str) -> int:
        value = await self.client.get(self.keys.key("agent", agent_id, "seq"))
        return int(value) if value else 0

    async def since(self, agent_id: str, after_seq: int, limit: int = 10_000) -> tuple[list[Envelope], bool]:
        """Messages with seq > ``after_seq`` in order, and whether any in between were already trimmed."""
        entries = await self.client.xrange(self.keys.key("agent", agent_id, "outbox"),
                                           min=f"({after_seq}-0", max="+", count=limit)
        messages = [decode(int(entry_id.split("-")[0]), fields["m"]) for entry_id, fields in entries]
        first = messages[0].seq if messages else (await self.last_seq(agent_id)) + 1
        return messages, first is not None and first > after_seq + 1


def decode(seq: int, payload: str) -> Envelope:
    data: dict[str, Any] = json.loads(payload)
    data["seq"] = seq
    return Envelope.model_validate(data)


def decode_published(raw: str) -> Envelope:
    """A pub/sub payload is ``<seq>|<json>``."""
    seq, _, payload = raw.partition("|")
    return decode(int(seq), payload)
