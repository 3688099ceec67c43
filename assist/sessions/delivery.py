"""Sending session messages to an agent's panel through the outbox (any worker can deliver them)."""

from __future__ import annotations

import logging
from typing import Any

from assist.guidance.interface import Prompt
from assist.sessions.state import SessionState
from assist.stores.sql import Database
from assist.stores.tables import PromptRecord
from assist.stream.outbox import Outbox
from assist.stream.protocol import Envelope

log = logging.getLogger(__name__)


class Delivery:
    def __init__(self, outbox: Outbox, db: Database) -> None:
        self.outbox = outbox
        self.db = db

    async def send(self, agent_id: str, kind: str, data: dict[str, Any]) -> int:
        """Durable message ``kind`` for ``agent_id``; returns its seq."""
        return await self.outbox.append(agent_id, Envelope(type=kind, data=data))

    async def prompts(self, session: SessionState, prompts: list[Prompt]) -> None:
        """Push prompts first (latency matters), then record them for adoption analytics."""
        for prompt in prompts:
            await self.send(session.agent_id, "prompt", {"session_id": session.id, "journey_id": session.journey_id,
                                                         "practice": session.practice, **prompt.model_dump()})
        if not prompts:
            return
        async with self.db.session() as s:
            for p in prompts:
                s.add(PromptRecord(id=p.id, session_id=session.id, journey_id=session.journey_id,
                                   agent_id=session.agent_id, action=p.action, confidence=p.confidence,
                                   source=p.source, model_version=p.model_version, guardrails=p.guardrails,
                                   reasons=[r.model_dump() for r in p.reasons], degraded=p.degraded,
                                   practice=session.practice))
