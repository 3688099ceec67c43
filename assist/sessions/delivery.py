"""Sending session messages to an agent's panel through the outbox (any worker can deliver them), and logging
the prompts shown through the record journal (``assist.records``), which reaches SQL off the event path and
survives a database outage."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

from assist import metrics
from assist.guidance.interface import Prompt
from assist.records.journal import RecordJournal, Verdict, prompts_entry
from assist.records.writer import RecordWriter
from assist.sessions.state import SessionState
from assist.stream.outbox import Outbox, stored
from assist.stream.protocol import Envelope

FLUSH_WAIT_SECONDS = 2.0
"""How long feedback waits for its row to reach SQL before it is acknowledged anyway (it is journaled)."""


class PromptLog:
    """Shown prompts and the agents' verdicts on them, journaled in Redis and written to SQL by the worker's
    ``RecordWriter``: a prompt is answerable (and its record safe) as soon as it is shown, whether or not the
    database answers."""

    def __init__(self, journal: RecordJournal, writer: RecordWriter) -> None:
        self.journal = journal
        self.writer = writer

    def entry(self, session: SessionState, prompts: Sequence[Prompt], at: float) -> str:
        """The journal entry for ``prompts`` shown on ``session`` at ``at`` ("" for none)."""
        served = session.experiment
        return prompts_entry(session.id, session.journey_id, session.agent_id, session.practice, prompts, at,
                             experiment_id=served.experiment_id if served else None,
                             arm=served.arm if served else None, queue=session.queue or session.reason,
                             channel=session.channel)

    async def answer(self, prompt_id: str, agent_id: str, verdict: str, reason: str) -> Verdict:
        """``RecordJournal.answer``; a recorded verdict is then written to SQL at once if the database answers
        (it stays journaled otherwise), so a reader of the feedback table sees it when the ack arrives."""
        found = await self.journal.answer(prompt_id, agent_id, verdict, reason)
        if found[0] == "ok":
            await self.flush()
        return found

    async def flush(self) -> None:
        """Write what is journaled now, if the database answers (within ``FLUSH_WAIT_SECONDS``) and no other
        worker is draining already."""
        with contextlib.suppress(Exception):  # the journal keeps it; the writer's task retries
            await asyncio.wait_for(self.writer.flush(), FLUSH_WAIT_SECONDS)


class Delivery:
    def __init__(self, outbox: Outbox, prompt_log: PromptLog) -> None:
        self.outbox = outbox
        self.prompt_log = prompt_log

    async def send(self, agent_id: str, kind: str, data: dict[str, Any]) -> int:
        """Durable message ``kind`` for ``agent_id``; returns its seq."""
        return await self.outbox.append(agent_id, Envelope(type=kind, data=data))

    async def prompts(self, session: SessionState, prompts: list[Prompt]) -> None:
        """Push prompts to the panel and log them as shown, in one round trip."""
        if not prompts:
            return
        at = time.time()
        payloads = self.outbox.payloads(self.messages(session, prompts))
        journal = self.prompt_log.journal
        shown = journal.shown_cmds(self.prompt_log.entry(session, prompts, at), session.agent_id,
                                   [p.id for p in prompts], at)
        replies = await self.outbox.commands.send([*shown, self.outbox.append_cmd(session.agent_id, payloads)])
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        self.outbox.appended(session.agent_id, payloads, replies[-1])
        metrics.prompts_shown(prompts)

    @staticmethod
    def messages(session: SessionState, prompts: list[Prompt]) -> list[str]:
        """The panel's ``prompt`` messages for ``prompts`` shown on ``session``, as stored (the prompt log's
        entry for them goes with them: the event's commit, or ``prompts``)."""
        return [stored(Envelope(type="prompt", data={"session_id": session.id, "journey_id": session.journey_id,
                                                     "practice": session.practice}), p) for p in prompts]
