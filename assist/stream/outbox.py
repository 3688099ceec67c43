"""Per-agent outbox: a Redis Stream whose entry ids are the agent's message ``seq``, numbered within an epoch.

``append`` is one Lua script for any number of messages: for each it takes the next seq, adds the entry
with id ``<seq>-0`` (so stream order is seq order even with many writers) and publishes it to the agent's
channel; then it trims the stream and refreshes TTLs. All its keys carry the ``{agent:<id>}`` hash tag, so
it runs on Redis Cluster too. A panel that reconnects reads ``(resume_from, +]`` with XRANGE and then
follows the live channel.

The counter is a hash ``{epoch, seq}`` that expires with the stream (both get the same TTL in the same
script). When it is gone (expired after a silence, or Redis lost its data) the next append starts a new
epoch: a fresh opaque id, numbering from 1, and an emptied stream. Every frame carries its epoch, so a panel
(and each connection's high-water mark) that sees a new one knows the numbering started over, instead of
taking seq 1 for an old message and dropping it.

Messages are stored as their JSON without seq and epoch, and reach a panel as a ``Frame``: that JSON with
both spliced in, so delivery never parses or re-serialises a message. ``local`` (this worker's fan-out) gets
the appended frames at once for this worker's own connections. A pub/sub copy would then only be a duplicate
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
  local count = #ARGV - first + 1
  if count < 1 then
    return {}
  end
  local last = redis.pcall('HINCRBY', seq_key, 'seq', count)
  local epoch = false
  if type(last) == 'table' then  -- a plain counter, from before epochs
    redis.call('DEL', seq_key)
  elseif last > count then  -- the counter was there: its epoch goes on
    epoch = redis.call('HGET', seq_key, 'epoch')
  end
  if not epoch then  -- numbering starts over: a new epoch, and the stream holds only its messages
    local now = redis.call('TIME')
    epoch, last = now[1] .. string.format('%06d', tonumber(now[2])), count
    redis.call('HSET', seq_key, 'epoch', epoch, 'seq', last)
    redis.call('DEL', stream_key)
  end
  local reply = {epoch}
  local publish = here == '0' or redis.call('PUBSUB', 'NUMSUB', channel)[2] > 1
  local seq = last - count
  for i = first, #ARGV do
    seq = seq + 1
    redis.call('XADD', stream_key, 'MAXLEN', '~', max_len, seq .. '-0', 'm', ARGV[i])
    if publish then
      redis.call('PUBLISH', channel, epoch .. '|' .. seq .. '|' .. ARGV[i])
    end
    reply[#reply + 1] = seq
  end
  redis.call('EXPIRE', seq_key, ttl)
  redis.call('EXPIRE', stream_key, ttl)
  return reply
end
"""
"""``append(...)``: each of ARGV[first..] as the next message; replies ``{epoch, seq...}`` (``{}`` for no
messages). A counter that is missing (or of the layout before epochs) starts a new epoch and empties the
stream, so the stream only ever holds the current epoch. For scripts that append as one step of a larger write
(``assist.sessions.live``), which hand the reply to ``Outbox.appended``."""
_APPEND = APPEND_FUNCTION + "return append(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 5)"


@dataclass(frozen=True, slots=True)
class Frame:
    """A durable message as the panel receives it: its ``seq``, the ``epoch`` that seq counts in, its text."""

    seq: int
    text: str
    epoch: str

    @classmethod
    def stored(cls, seq: int, payload: str, epoch: str) -> Frame:
        """From a stored payload (the envelope's JSON object without ``seq`` and ``epoch``)."""
        head = f'{{"seq":{seq},"epoch":"{epoch}"'
        return cls(seq, f"{head},{payload[1:]}" if len(payload) > 2 else f"{head}}}", epoch)

    @classmethod
    def published(cls, raw: str) -> Frame:
        """From a pub/sub payload, ``<epoch>|<seq>|<payload>``."""
        epoch, _, rest = raw.partition("|")
        seq, _, payload = rest.partition("|")
        return cls.stored(int(seq), payload, epoch)

    def wire(self) -> str:
        """As the append script publishes it, ``<epoch>|<seq>|<payload>`` (``published``'s inverse)."""
        rest = self.text[len(f'{{"seq":{self.seq},"epoch":"{self.epoch}"'):]
        payload = "{" + rest[1:] if rest.startswith(",") else "{}"
        return f"{self.epoch}|{self.seq}|{payload}"

    def envelope(self) -> Envelope:
        return Envelope.model_validate(json.loads(self.text))


class Position:
    """How far a reader got in an agent's numbering: an epoch and the highest seq taken in it.

    A frame of another epoch moves it to that epoch at seq 0 (the numbering started over, so that frame and
    what follows are new however low their seqs); a frame of an epoch it already left is stale (a late copy
    from before the restart) and never moves it back."""

    __slots__ = ("epoch", "seq", "_left")

    def __init__(self, epoch: str | None = None, seq: int = 0) -> None:
        self.epoch = epoch
        self.seq = seq
        self._left: frozenset[str] = frozenset()
        """Epochs left behind: almost always none, and every idle panel holds two positions (an empty set is
        216 bytes; the empty frozenset is one shared object)."""

    def admits(self, frame: Frame) -> bool:
        """Whether ``frame`` is past this position (a new epoch first moves it there, at seq 0)."""
        if frame.epoch != self.epoch:
            if frame.epoch in self._left:
                return False
            if self.epoch is not None:
                self._left = self._left | {self.epoch}
            self.epoch, self.seq = frame.epoch, 0
        return frame.seq > self.seq


@dataclass(frozen=True, slots=True)
class StreamHead:
    """Where an agent's numbering stands: its epoch (None while nothing is held) and the last seq taken."""

    epoch: str | None
    seq: int


@dataclass(frozen=True, slots=True)
class Backlog:
    """What an outbox holds after a seq, read at one instant: the head, the frames, and whether some of the
    frames asked for were already trimmed."""

    head: StreamHead
    frames: list[Frame]
    trimmed: bool


def stored(envelope: Envelope, more: BaseModel) -> str:
    """``envelope`` as the outbox stores it, its ``data`` followed by ``more``'s fields. A prompt's own JSON
    goes into its message as it is: turning the prompt into a dict and serialising that untyped cost a third
    of the prompt's delivery with cold caches."""
    text = envelope.model_dump_json(exclude=_ASSIGNED)
    fields = more.model_dump_json()[1:-1]
    if not fields:
        return text
    return f"{text[:-2]}{',' if envelope.data else ''}{fields}}}}}"


_ASSIGNED = {"seq", "epoch"}
"""Envelope fields the append assigns, so never stored with the message."""


class LocalDelivery(Protocol):
    """This worker's side of delivery (``assist.stream.fanout.Fanout``)."""

    def deliver(self, channel: str, frames: list[Frame], seq_key: str) -> None:
        """Hand ``frames`` (appended here; ``seq_key``: the agent's counter) to this worker's connections on
        ``channel``."""

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
        """What is stored for each message: its JSON without seq and epoch, which the append assigns (a str
        is that already, from ``stored``)."""
        return [m if isinstance(m, str) else m.model_dump_json(exclude=_ASSIGNED) for m in messages]

    def target(self, agent_id: str) -> tuple[list[str], list[Any]]:
        """KEYS and the first ARGV of ``APPEND_FUNCTION``'s ``append`` for this agent: (seq, stream) and
        (max length, TTL, channel, whether this worker's own subscription makes its pub/sub copy needless)."""
        channel = self.channel(agent_id)
        here = self.local is not None and self.commands.single_node and self.local.listening(channel)
        return ([self.keys.key("agent", agent_id, "seq"), self.keys.key("agent", agent_id, "outbox")],
                [self.max_len, self.ttl_seconds, channel, int(here)])

    def appended(self, agent_id: str, payloads: list[str], reply: list[Any]) -> list[int]:
        """After a script appended ``payloads`` (its reply: ``{epoch, seq...}``): hand them to this worker's
        panels; the seqs."""
        if not reply:
            return []
        epoch, numbers = str(reply[0]), [int(seq) for seq in reply[1:]]
        if self.local is not None and numbers:
            self.local.deliver(self.channel(agent_id), [Frame.stored(seq, payload, epoch) for seq, payload
                                                        in zip(numbers, payloads, strict=True)],
                               self.keys.key("agent", agent_id, "seq"))
        return numbers

    async def head(self, agent_id: str) -> StreamHead:
        """The agent's epoch and last seq (no epoch and 0 while nothing is held)."""
        return (await self.read(agent_id, None)).head

    async def last_seq(self, agent_id: str) -> int:
        return (await self.head(agent_id)).seq

    async def read(self, agent_id: str, after_seq: int | None, limit: int = 10_000) -> Backlog:
        """The head and, unless ``after_seq`` is None, the frames with seq > ``after_seq`` (at most ``limit``),
        in one transaction: the frames are the head's epoch's."""
        seq_key = self.keys.key("agent", agent_id, "seq")
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hmget(seq_key, ["epoch", "seq"])
            if after_seq is not None:
                pipe.xrange(self.keys.key("agent", agent_id, "outbox"), min=f"({after_seq}-0", max="+", count=limit)
            replies = await pipe.execute(raise_on_error=False)
        if isinstance(replies[0], Exception):  # a counter of the layout before epochs: the next append resets it
            return Backlog(StreamHead(None, 0), [], False)
        epoch, seq = replies[0]
        head = StreamHead(epoch, int(seq) if seq else 0)
        if after_seq is None or epoch is None:
            return Backlog(head, [], False)
        if isinstance(replies[1], Exception):
            raise replies[1]
        frames = [Frame.stored(int(entry_id.split("-")[0]), fields["m"], epoch) for entry_id, fields in replies[1]]
        first = frames[0].seq if frames else head.seq + 1
        return Backlog(head, frames, first > after_seq + 1)

    async def frames_since(self, agent_id: str, after_seq: int, limit: int = 10_000) -> tuple[list[Frame], bool]:
        """Frames with seq > ``after_seq`` in order (of the current epoch), and whether any in between were
        already trimmed."""
        backlog = await self.read(agent_id, after_seq, limit)
        return backlog.frames, backlog.trimmed

    async def since(self, agent_id: str, after_seq: int, limit: int = 10_000) -> tuple[list[Envelope], bool]:
        """``frames_since`` as envelopes, for readers that want the fields rather than the text."""
        frames, gap = await self.frames_since(agent_id, after_seq, limit)
        return [frame.envelope() for frame in frames], gap
