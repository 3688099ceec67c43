"""Per-agent outbox: a Redis Stream whose entry ids are the agent's message ``seq``.

``append`` is one Lua script for any number of messages: for each it takes the next seq, adds the entry
with id ``<seq>-0`` (so stream order is seq order even with many writers) and publishes it to the agent's
channel; then it trims the stream and refreshes TTLs. All its keys carry the ``{agent:<id>}`` hash tag, so
it runs on Redis Cluster too. A panel that reconnects reads ``(resume_from, +]`` with XRANGE and then
follows the live channel.

Messages are stored as their JSON without the seq, and reach a panel as a ``Frame``: that JSON with the seq
spliced in, so delivery never parses or re-serialises a message. ``local`` (this worker's fan-out) gets the
appended frames at once for this worker's own connections. A pub/sub copy would then only be a duplicate
for this worker, so when ``local`` is confirmed subscribed to the agent's channel the script publishes only
if ``PUBSUB NUMSUB`` counts another subscriber (another worker). On a cluster, where NUMSUB counts one node's
subscribers only, it always publishes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel
from redis.asyncio import Redis

from assist.stores.redis import KeySpace
from assist.stream.protocol import Envelope
from routing.commands import Command, CommandSender

APPEND_FUNCTION = """
local function append(seq_key, stream_key, max_len, ttl, channel, here, first)
  local seqs = {}
  local publish = here == '0' or redis.call('PUBSUB', 'NUMSUB', channel)[2] > 1
  for i = first, #ARGV do
    local seq = redis.call('INCR', seq_key)
    redis.call('XADD', stream_key, 'MAXLEN', '~', max_len, seq .. '-0', 'm', ARGV[i])
    if publish then
      redis.call('PUBLISH', channel, seq .. '|' .. ARGV[i])
    end
    seqs[#seqs + 1] = seq
  end
  redis.call('EXPIRE', seq_key, ttl)
  redis.call('EXPIRE', stream_key, ttl)
  return seqs
end
"""
"""``append(...)``: each of ARGV[first..] as the next message; its seqs. For scripts that append as one step
of a larger write (``assist.sessions.live``)."""
_APPEND = APPEND_FUNCTION + "return append(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 5)"


@dataclass(frozen=True, slots=True)
class Frame:
    """A durable message as the panel receives it: its ``seq`` and its text."""

    seq: int
    text: str

    @classmethod
    def stored(cls, seq: int, payload: str) -> Frame:
        """From a stored payload (the envelope's JSON object without ``seq``)."""
        return cls(seq, f'{{"seq":{seq},{payload[1:]}' if len(payload) > 2 else f'{{"seq":{seq}}}')

    @classmethod
    def published(cls, raw: str) -> Frame:
        """From a pub/sub payload, ``<seq>|<payload>``."""
        seq, _, payload = raw.partition("|")
        return cls.stored(int(seq), payload)

    def envelope(self) -> Envelope:
        return Envelope.model_validate(json.loads(self.text))


def stored(envelope: Envelope, more: BaseModel) -> str:
    """``envelope`` as the outbox stores it, its ``data`` followed by ``more``'s fields. A prompt's own JSON
    goes into its message as it is: turning the prompt into a dict and serialising that untyped cost a third
    of the prompt's delivery with cold caches."""
    text = envelope.model_dump_json(exclude={"seq"})
    fields = more.model_dump_json()[1:-1]
    if not fields:
        return text
    return f"{text[:-2]}{',' if envelope.data else ''}{fields}}}}}"


class LocalDelivery(Protocol):
    """This worker's side of delivery (``assist.stream.fanout.Fanout``)."""

    def deliver(self, channel: str, frames: list[Frame]) -> None:
        """Hand ``frames`` to this worker's connections on ``channel``."""

    def listening(self, channel: str) -> bool:
        """Whether Redis has confirmed this worker's subscription to ``channel`` (and it still wants it)."""


class Outbox:
    """Durable, ordered messages for each agent; any worker may append, every worker may deliver."""

    def __init__(self, client: Redis, keys: KeySpace, max_len: int, ttl_seconds: int,
                 commands: CommandSender | None = None) -> None:
        self.client = client
        self.keys = keys
        self.max_len = max_len
        self.ttl_seconds = ttl_seconds
        self.commands = commands or CommandSender(client)
        self._append = self.commands.script(_APPEND)
        self.local: LocalDelivery | None = None
        """This worker's fan-out: gets every appended frame; none (a process without panels) means every
        append publishes."""

    def channel(self, agent_id: str) -> str:
        return self.keys.channel("agent", agent_id)

    async def append(self, agent_id: str, message: Envelope) -> int:
        """Store ``message`` for ``agent_id``, publish it, and return its seq."""
        return (await self.append_all(agent_id, [message]))[0]

    async def append_all(self, agent_id: str, messages: Sequence[Envelope | str]) -> list[int]:
        """Store and publish ``messages`` in order, in one round trip; returns their seqs."""
        if not messages:
            return []
        payloads = self.payloads(messages)
        return self.appended(agent_id, payloads, await self.commands.call(self.append_cmd(agent_id, payloads)))

    def append_cmd(self, agent_id: str, payloads: list[str]) -> Command:
        """The script that appends ``payloads``; replies their seqs (``appended`` finishes the append)."""
        keys, args = self.target(agent_id)
        return self.commands.eval(self._append, keys, [*args, *payloads])

    @staticmethod
    def payloads(messages: Sequence[Envelope | str]) -> list[str]:
        """What is stored for each message: its JSON without the seq, which the append assigns (a str is
        that already, from ``stored``)."""
        return [m if isinstance(m, str) else m.model_dump_json(exclude={"seq"}) for m in messages]

    def target(self, agent_id: str) -> tuple[list[str], list[Any]]:
        """KEYS and the first ARGV of ``APPEND_FUNCTION``'s ``append`` for this agent: (seq, stream) and
        (max length, TTL, channel, whether this worker's own subscription makes its pub/sub copy needless)."""
        channel = self.channel(agent_id)
        here = self.local is not None and self.commands.batcher is not None and self.local.listening(channel)
        return ([self.keys.key("agent", agent_id, "seq"), self.keys.key("agent", agent_id, "outbox")],
                [self.max_len, self.ttl_seconds, channel, int(here)])

    def appended(self, agent_id: str, payloads: list[str], seqs: list[Any]) -> list[int]:
        """After a script appended ``payloads`` as ``seqs``: hand them to this worker's panels; the seqs."""
        numbers = [int(seq) for seq in seqs]
        if self.local is not None and numbers:
            self.local.deliver(self.channel(agent_id),
                               [Frame.stored(seq, payload) for seq, payload in zip(numbers, payloads, strict=True)])
        return numbers

    async def last_seq(self, agent_id: str) -> int:
        value = await self.client.get(self.keys.key("agent", agent_id, "seq"))
        return int(value) if value else 0

    async def frames_since(self, agent_id: str, after_seq: int, limit: int = 10_000) -> tuple[list[Frame], bool]:
        """Frames with seq > ``after_seq`` in order, and whether any in between were already trimmed."""
        entries = await self.client.xrange(self.keys.key("agent", agent_id, "outbox"),
                                           min=f"({after_seq}-0", max="+", count=limit)
        frames = [Frame.stored(int(entry_id.split("-")[0]), fields["m"]) for entry_id, fields in entries]
        first = frames[0].seq if frames else (await self.last_seq(agent_id)) + 1
        return frames, first > after_seq + 1

    async def since(self, agent_id: str, after_seq: int, limit: int = 10_000) -> tuple[list[Envelope], bool]:
        """``frames_since`` as envelopes, for readers that want the fields rather than the text."""
        frames, gap = await self.frames_since(agent_id, after_seq, limit)
        return [frame.envelope() for frame in frames], gap
