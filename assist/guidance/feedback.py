"""The agent's verdict on a prompt: the raw material of adoption analytics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlmodel import select

from assist.auth.principal import Principal
from assist.errors import Conflict, Forbidden, NotFound
from assist.sessions.delivery import PromptLog
from assist.stores.sql import Database
from assist.stores.tables import PromptFeedback, PromptRecord
from assist.stream.protocol import PromptFeedbackData

FEEDBACK_WAIT_SECONDS = 2.0
"""How long feedback waits for a prompt shown moments ago on another worker to reach SQL."""


async def _await_logged(db: Database, prompt_id: str) -> None:
    """Wait (bounded) for a prompt shown moments ago on another worker to reach SQL: prompts are logged in batches."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FEEDBACK_WAIT_SECONDS
    while loop.time() < deadline:
        await asyncio.sleep(0.1)
        async with db.session() as s:
            if await s.get(PromptRecord, prompt_id) is not None:
                return


async def record_feedback(db: Database, prompt_log: PromptLog, principal: Principal,
                          data: PromptFeedbackData) -> PromptFeedback:
    """Store one verdict per prompt, with the seconds from showing to acting.

    Raises NotFound (unknown prompt), Forbidden (another agent's prompt), Conflict (already answered).
    """
    await prompt_log.flush()
    async with db.session() as s:
        prompt = await s.get(PromptRecord, data.prompt_id)
        if prompt is None:
            await _await_logged(db, data.prompt_id)
            prompt = await s.get(PromptRecord, data.prompt_id)
        if prompt is None:
            raise NotFound(f"no prompt {data.prompt_id!r}", code="unknown_prompt")
        if not principal.may_act_as(prompt.agent_id):
            raise Forbidden("that prompt was shown to another agent", code="other_agent")
        if (await s.exec(select(PromptFeedback).where(PromptFeedback.prompt_id == data.prompt_id))).first():
            raise Conflict("this prompt was already answered", code="already_answered")
        feedback = PromptFeedback(prompt_id=prompt.id, agent_id=prompt.agent_id, verdict=data.verdict,
                                  reason=data.reason,
                                  seconds_to_act=(datetime.now(UTC) - prompt.shown_at).total_seconds())
        s.add(feedback)
    return feedback
