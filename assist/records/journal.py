"""The record journal: a Redis Stream of what must reach SQL, and the shown prompts feedback is checked against.

Prompt records, feedback, and a close's interaction row and journey used to go straight to SQL (prompts in
batches from memory), so a database outage lost them: a failed batch was only logged, and feedback on a prompt
that never reached SQL got ``unknown_prompt``. Now each is an entry of one stream (fields ``k``: the kind,
``e``: its JSON) that ``assist.records.writer`` drains into SQL, retrying until the database answers; an
entry leaves the stream only after the transaction that wrote it committed, and every insert is idempotent,
so a retry or a second worker never duplicates a row.

A shown prompt also leaves a small hash (``agent``, ``at``; ``verdict`` once answered) for
``FEEDBACK_WINDOW_SECONDS``: feedback is validated against it and recorded with one script (check, set the
verdict, journal the feedback), so it is accepted during an outage and answered once, atomically. A live event
writes both as one more step of its commit script (``LOG_SHOWN_FUNCTION`` in ``assist.sessions.live``): no
extra round trip.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii as _quoted
from typing import Any, cast

from redis.asyncio import Redis

from assist.guidance.interface import Prompt
from assist.stores.redis import KeySpace
from routing.commands import Command, CommandSender

__all__ = ["FEEDBACK_WINDOW_SECONDS", "LOG_SHOWN_FUNCTION", "PROMPT_FIELDS", "RecordJournal", "Verdict",
           "prompts_entry"]

FEEDBACK_WINDOW_SECONDS = 3600
"""How long a shown prompt's hash lives: feedback within it needs no SQL; later feedback is checked in SQL."""

PROMPT_FIELDS = {"id", "action", "confidence", "source", "model_version", "guardrails", "reasons", "degraded",
                 "propensity"}
"""What the prompt log keeps of a prompt (``PromptRecord``'s columns)."""

LOG_SHOWN_FUNCTION = """
local function log_shown(journal, entry, agent, at, ttl, first_key)
  if entry == '' then
    return
  end
  redis.call('XADD', journal, '*', 'k', 'prompts', 'e', entry)
  for i = first_key, #KEYS do
    redis.call('HSET', KEYS[i], 'agent', agent, 'at', at)
    redis.call('EXPIRE', KEYS[i], ttl)
  end
end
"""
"""``log_shown(journal, entry, agent, at, ttl, first_key)``: journal the prompts ``entry`` (nothing if empty) and
mark KEYS[first_key..] (the prompts' hashes) as shown to ``agent`` at ``at``. A step of the live event's commit."""

_ANSWER = """
local shown = redis.call('HMGET', KEYS[1], 'agent', 'at', 'verdict')
if not shown[1] then
  return {'unknown'}
end
if shown[1] ~= ARGV[1] then
  return {'other_agent'}
end
if shown[3] then
  return {'already_answered'}
end
redis.call('HSET', KEYS[1], 'verdict', ARGV[2])
redis.call('XADD', KEYS[2], '*', 'k', 'feedback', 'e', ARGV[3], 's', shown[2])
return {'ok', shown[2]}
"""
"""KEYS: the prompt's hash, the journal. ARGV: the answering agent, the verdict, the feedback entry. Replies
``{outcome[, shown_at]}``."""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

Verdict = tuple[str, float | None]
"""What ``answer`` found: the outcome (ok, unknown, other_agent, already_answered) and when the prompt was shown."""


def prompts_entry(session_id: str, journey_id: str | None, agent_id: str, practice: bool,
                  prompts: Sequence[Prompt], at: float, *, experiment_id: str | None = None,
                  arm: str | None = None, queue: str | None = None, channel: str | None = None) -> str:
    """The journal entry for ``prompts`` shown on a session at ``at`` ("" for none). The prompts' own JSON is
    serialised by pydantic's core and spliced in: on the event path, dumping them to dicts first cost more.
    The context they were chosen on (one per evaluation) rides once, for ``assist models export-live``; the
    experiment arm that chose their provider too, when there is one; and the session's queue and channel, which
    the per-queue and per-channel funnel groups by."""
    if not prompts:
        return ""
    journey = _quoted(journey_id) if journey_id is not None else "null"
    body = ",".join(p.model_dump_json(include=PROMPT_FIELDS) for p in prompts)
    context = json.dumps(prompts[0].context, allow_nan=False) if prompts[0].context is not None else "null"
    served = (f'"experiment_id":{_quoted(experiment_id)},"arm":{_quoted(arm or "")},'
              if experiment_id is not None else "")
    served += f'"queue":{_quoted(queue)},' if queue is not None else ""
    served += f'"channel":{_quoted(channel)},' if channel is not None else ""
    return (f'{{"session_id":{_quoted(session_id)},"journey_id":{journey},"agent_id":{_quoted(agent_id)},{served}'
            f'"practice":{"true" if practice else "false"},"at":{at!r},"context":{context},"prompts":[{body}]}}')


class RecordJournal:
    """The Redis side of the records: append entries, mark prompts shown, answer them, and the drain's lock."""

    def __init__(self, client: Redis, keys: KeySpace, commands: CommandSender | None = None,
                 feedback_window_seconds: int = FEEDBACK_WINDOW_SECONDS) -> None:
        self.client = client
        self.keys = keys
        self.commands = commands or CommandSender(client)
        self.single_node = self.commands.single_node
        self.feedback_window_seconds = feedback_window_seconds
        self.key = keys.key("records", "journal")
        """The stream (one hash slot: a cluster serves it from one node)."""
        self.lock_key = keys.key("records", "journal", "writer")
        self._answer = self.commands.script(_ANSWER)
        self._release = self.commands.script(_RELEASE)
        self._renew = self.commands.script(_RENEW)

    def prompt_key(self, prompt_id: str) -> str:
        """The shown prompt's hash: ``agent``, ``at`` and, once answered, ``verdict``."""
        return self.keys.key("prompt", prompt_id)

    def shown_keys(self, prompts: Sequence[Prompt]) -> list[str]:
        return [self.prompt_key(p.id) for p in prompts]

    def shown_cmds(self, entry: str, agent_id: str, prompt_ids: Sequence[str], at: float) -> list[Command]:
        """Plain commands doing what ``log_shown`` does, for writes outside the event's commit (and clusters)."""
        if not entry:
            return []
        commands: list[Command] = [("XADD", self.key, "*", "k", "prompts", "e", entry)]
        for prompt_id in prompt_ids:
            key = self.prompt_key(prompt_id)
            commands += [("HSET", key, "agent", agent_id, "at", repr(at)),
                         ("EXPIRE", key, self.feedback_window_seconds)]
        return commands

    async def shown(self, session_id: str, journey_id: str | None, agent_id: str, practice: bool,
                    prompts: Sequence[Prompt], *, queue: str | None = None, channel: str | None = None) -> None:
        """Journal ``prompts`` as shown now and mark them answerable (one round trip)."""
        at = time.time()
        entry = prompts_entry(session_id, journey_id, agent_id, practice, prompts, at, queue=queue, channel=channel)
        await self._send(self.shown_cmds(entry, agent_id, [p.id for p in prompts], at))

    async def append(self, kind: str, entry: dict[str, Any]) -> None:
        """Journal one record of ``kind`` (interaction, journey) for the writer."""
        await self.commands.call(("XADD", self.key, "*", "k", kind, "e", json.dumps(entry)))

    async def answer(self, prompt_id: str, agent_id: str, verdict: str, reason: str) -> Verdict:
        """Record ``agent_id``'s verdict on a shown prompt unless it is unknown here, another agent's, or
        answered already; the outcome and when the prompt was shown. One script on a single node (check, set
        and journal are atomic); a cluster, where the hash and the journal live in different slots, does the
        journal's append as a second round trip."""
        entry = json.dumps({"prompt_id": prompt_id, "agent_id": agent_id, "verdict": verdict, "reason": reason,
                            "at": time.time()})
        key = self.prompt_key(prompt_id)
        if self.single_node:
            reply = await self.commands.call(self.commands.eval(self._answer, [key, self.key],
                                                                [agent_id, verdict, entry]))
            return str(reply[0]), float(reply[1]) if len(reply) > 1 else None
        owner, at, answered = await self.commands.call(("HMGET", key, "agent", "at", "verdict"))
        if owner is None:
            return "unknown", None
        if owner != agent_id:
            return "other_agent", None
        if answered is not None or not await self.commands.call(("HSETNX", key, "verdict", verdict)):
            return "already_answered", None
        await self.commands.call(("XADD", self.key, "*", "k", "feedback", "e", entry, "s", at))
        return "ok", float(at)

    async def read(self, count: int) -> list[tuple[str, dict[str, str]]]:
        """The oldest ``count`` entries, oldest first."""
        entries = await self.client.xrange(self.key, min="-", max="+", count=count)
        return cast(list[tuple[str, dict[str, str]]], entries)  # the client decodes replies to str

    async def remove(self, entry_ids: Sequence[str]) -> None:
        if entry_ids:
            await self.client.xdel(self.key, *entry_ids)

    async def pending(self) -> int:
        """Entries not yet in SQL."""
        return int(await self.client.xlen(self.key))

    async def lock(self, token: str, seconds: float) -> bool:
        """Take the drain's lock (one writer at a time keeps the stream's order and never races itself)."""
        return bool(await self.client.set(self.lock_key, token, nx=True, px=int(seconds * 1000)))

    async def renew(self, token: str, seconds: float) -> bool:
        return bool(await self.commands.call(self.commands.eval(self._renew, [self.lock_key],
                                                                [token, int(seconds * 1000)])))

    async def unlock(self, token: str) -> None:
        await self.commands.call(self.commands.eval(self._release, [self.lock_key], [token]))

    async def _send(self, commands: list[Command]) -> None:
        for reply in await self.commands.send(commands):
            if isinstance(reply, Exception):
                raise reply
