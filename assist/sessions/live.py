"""This worker's last view of the sessions its panels work on, so that a live event is one Redis round trip.

An event needs the session (who may act on it, which journey) and the journey (what guidance sees), and
writes the journey, the panel's messages and the prompt log's entry for the prompts shown (with the hashes
feedback is checked against, ``assist.records.journal``): read, compare-and-set, append made three round trips, most
of the time an event spent in the service. A worker keeps what it last read or wrote of each open session
and its journey (a ``LiveSnapshot``), applies the event to that, and commits with one script that first
checks the snapshot is still the truth: the session's stored value hashes the same and the journey's
``rev`` has not moved. If either moved (an event through another worker, a close, an identity resolved),
the script writes nothing and the event runs again on a fresh read. A panel holds its websocket on one
worker, so that worker nearly always has the snapshot; a channel system posting through any worker pays
one extra round trip where it does not.

The commit's keys span three hash tags (session, journey, agent), which only a single Redis node serves.
With a cluster client (no single connection pool) snapshots are not kept, every event reads afresh, and
the journey's compare-and-set and the append go as two round trips: the per-key path the service had before.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assist.guidance.interface import Prompt
from assist.journeys.state import JourneyState
from assist.journeys.store import WRITE_FUNCTION, JourneyStore, LiveRead, next_rev
from assist.records.journal import LOG_SHOWN_FUNCTION
from assist.sessions.delivery import PromptLog
from assist.sessions.state import SessionState, SessionStore
from assist.stream.outbox import APPEND_FUNCTION, Outbox
from assist.stream.protocol import Envelope

_COMMIT = WRITE_FUNCTION + APPEND_FUNCTION + LOG_SHOWN_FUNCTION + """
if redis.sha1hex(redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then
  return false
end
if write_journey(KEYS[2], ARGV[2], ARGV[3], ARGV[4]) == 0 then
  return false
end
log_shown(KEYS[5], ARGV[9], ARGV[10], ARGV[11], ARGV[12], 6)
return append(KEYS[3], KEYS[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], 13)
"""
"""KEYS: session, journey, agent seq, agent outbox, record journal, the shown prompts' hashes... ARGV: session
sha1, journey rev, journey JSON, journey TTL, outbox length, outbox TTL, agent channel, listening here (0/1),
prompt log entry ("" for none), agent, shown at, shown prompts' TTL, messages... Replies what ``append``
replies (the messages' seqs), or nil (nothing written)."""

CAPACITY = 10_000
"""Snapshots kept per worker (the oldest go first): far more than the sessions one worker's panels hold open."""


@dataclass(slots=True)
class LiveSnapshot:
    """A session and its journey as last read or written by this worker."""

    state: SessionState
    session_sha: str
    """sha1 of the session's stored value, which the commit compares with what is stored now."""
    journey: LiveRead
    parsed: tuple[LiveRead, JourneyState] | None = None
    """The journey this worker last committed, as the event that committed it left it, with the write it
    belongs to (``hand_back``): the next event takes it instead of parsing ``journey.raw`` again (60-80 us
    of an event with cold caches)."""

    def journey_state(self) -> JourneyState:
        """The journey as kept, for one event to change: the handed-back object when it is still the kept
        write's (it is then no longer kept: no two events ever change one object), else parsed afresh from
        ``journey.raw``. Raises KeyError when its live state was not found."""
        kept, self.parsed = self.parsed, None
        if kept is not None and kept[0] is self.journey:
            return kept[1]
        if self.journey.raw is None:
            raise KeyError(self.journey.journey_id)
        return JourneyState.model_validate_json(self.journey.raw)

    def hand_back(self, written: LiveRead, journey: JourneyState) -> None:
        """After an event committed ``journey`` as ``written`` and is done with it (nothing changes it any
        more), keep it for the next event, unless another write was kept since."""
        if self.journey is written:
            self.parsed = (written, journey)


def _sha(raw: str) -> str:
    return hashlib.sha1(raw.encode()).hexdigest()


class LiveSessions:
    def __init__(self, sessions: SessionStore, journeys: JourneyStore, outbox: Outbox,
                 prompt_log: PromptLog | None = None, single_node: bool | None = None,
                 capacity: int = CAPACITY) -> None:
        self.sessions = sessions
        self.journeys = journeys
        self.outbox = outbox
        self.prompt_log = prompt_log
        self.commands = sessions.commands
        self.single_node = self.commands.single_node if single_node is None else single_node
        self.capacity = capacity
        self._commit = self.commands.script(_COMMIT)
        self._snapshots: dict[str, LiveSnapshot] = {}

    def get(self, session_id: str) -> LiveSnapshot | None:
        """The kept snapshot, to be checked by ``commit``."""
        return self._snapshots.get(session_id)

    def remember(self, raw_session: str, journey: LiveRead) -> LiveSnapshot:
        """Keep the session as stored (``raw_session``) with its journey's live hash as last written."""
        snapshot = LiveSnapshot(SessionState.model_validate_json(raw_session), _sha(raw_session), journey)
        self._keep(snapshot)
        return snapshot

    def forget(self, session_id: str) -> None:
        self._snapshots.pop(session_id, None)

    def _keep(self, snapshot: LiveSnapshot) -> None:
        """Keep an open session's snapshot (nothing on a cluster, where no commit could check it)."""
        snapshots = self._snapshots
        if not self.single_node or snapshot.state.status != "open":
            snapshots.pop(snapshot.state.id, None)
            return
        snapshots[snapshot.state.id] = snapshot
        if len(snapshots) > self.capacity:
            del snapshots[next(iter(snapshots))]

    async def read(self, session_id: str) -> LiveSnapshot | None:
        """The session and its journey as stored now; None if there is no such session.

        One round trip when this worker knows the session's journey, two otherwise. A journey whose live
        state expired is warmed from SQL; raises KeyError if it is gone from both.
        """
        known = self._snapshots.get(session_id)
        hint = known.journey.journey_id if known else None
        commands = [self.sessions.get_cmd(session_id)]
        if hint:
            commands.append(self.journeys.read_cmd(hint))
        replies = await self.commands.send(commands)
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        raw = replies[0]
        if raw is None:
            self.forget(session_id)
            return None
        state = SessionState.model_validate_json(raw)
        journey_id = state.journey_id or ""
        rev: str | None = None
        journey_raw: str | None = None
        if journey_id and journey_id == hint:
            rev, journey_raw = replies[1]
        elif journey_id:
            rev, journey_raw = await self.commands.call(self.journeys.read_cmd(journey_id))
        if journey_id and journey_raw is None and state.status == "open":
            if await self.journeys.get(journey_id) is None:  # expired: warmed from SQL, or gone
                raise KeyError(journey_id)
            rev, journey_raw = await self.commands.call(self.journeys.read_cmd(journey_id))
        snapshot = LiveSnapshot(state, _sha(raw), LiveRead(journey_id, rev, journey_raw))
        self._keep(snapshot)
        return snapshot

    async def commit(self, snapshot: LiveSnapshot, journey: JourneyState, messages: Sequence[Envelope | str],
                     prompts: Sequence[Prompt] = ()) -> list[int] | None:
        """Write ``journey``, append ``messages`` to the agent's outbox and log ``prompts`` as shown (the
        prompt log's journal entry) if the snapshot is still current; the messages' seqs, or None when it was
        not (nothing written, the snapshot dropped: read again)."""
        payloads = self.outbox.payloads(messages)
        state = snapshot.state
        agent_id = state.agent_id
        journey.updated_at = at = time.time()
        journey_raw = journey.model_dump_json()
        log = self.prompt_log
        if prompts and log is None:
            raise ValueError("prompts to log, and no prompt log")
        entry = log.entry(state, prompts, at) if log else ""
        if self.single_node:
            outbox_keys, outbox_args = self.outbox.target(agent_id)
            keys = [self.sessions.key(state.id), self.journeys.key(journey.id), *outbox_keys]
            if log:
                keys += [log.journal.key, *log.journal.shown_keys(prompts)]
            args: list[Any] = [snapshot.session_sha, snapshot.journey.rev, journey_raw, self.journeys.ttl_seconds,
                               *outbox_args, entry, agent_id, repr(at),
                               log.journal.feedback_window_seconds if log else 0, *payloads]
            seqs = await self.commands.call(self.commands.eval(self._commit, keys, args))
        elif await self.commands.call(self.journeys.write_cmd(journey.id, snapshot.journey.rev, journey_raw)):
            shown = log.journal.shown_cmds(entry, agent_id, [p.id for p in prompts], at) if log else []
            replies = await self.commands.send([*shown,
                                                *([self.outbox.append_cmd(agent_id, payloads)] if payloads else [])])
            for reply in replies:
                if isinstance(reply, Exception):
                    raise reply
            seqs = replies[-1] if payloads else []
        else:
            seqs = None
        if seqs is None:
            self.forget(snapshot.state.id)
            return None
        snapshot.journey = LiveRead(journey.id, next_rev(snapshot.journey.rev), journey_raw)
        return self.outbox.appended(agent_id, payloads, seqs)
