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


async def _shown_prompt(db: Database, prompt_log: PromptLog, prompt_id: str) -> PromptRecord | None:
    """The prompt's record; prompts are logged in batches, so a very fresh one may need a flush or a moment."""
    await prompt_log.flush()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FEEDBACK_WAIT_SECONDS
    while True:
        async with db.session() as s:
            prompt = await s.get(PromptRecord, prompt_id)
        if prompt is not None or loop.time() >= deadline:
            return prompt
        await asyncio.sleep(0.1)


async def record_feedback(db: Database, prompt_log: PromptLog, principal: Principal,
                          data: PromptFeedbackData) -> PromptFeedback:
    """Store one verdict per prompt, with the seconds from showing to acting.

    Raises NotFound (unknown prompt), Forbidden (another agent's prompt), Conflict (already answered).
    """
    shown = await _shown_prompt(db, prompt_log, data.prompt_id)
    async with db.session() as s:
        prompt = await s.get(PromptRecord, data.prompt_id) if shown is not None else None
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
