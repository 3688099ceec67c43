"""The agent's verdict on a prompt: the raw material of adoption analytics.

A prompt shown within ``FEEDBACK_WINDOW_SECONDS`` is answered in Redis (``PromptLog.answer``: one verdict per
prompt, set and journaled atomically), so feedback is accepted while the database is down and recorded in SQL
once it is back; an older prompt is looked up, and answered, in SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from assist.auth.principal import Principal
from assist.errors import Conflict, Forbidden, NotFound, as_store_unavailable
from assist.sessions.delivery import PromptLog
from assist.stores.sql import Database
from assist.stores.tables import PromptFeedback, PromptRecord
from assist.stream.protocol import PromptFeedbackData


async def record_feedback(db: Database, prompt_log: PromptLog, principal: Principal,
                          data: PromptFeedbackData) -> None:
    """Record one verdict per prompt, with the seconds from showing to acting.

    Raises NotFound (unknown prompt), Forbidden (another agent's prompt), Conflict (already answered), and
    StoreUnavailable for a prompt older than the window while the database is down.
    """
    agent_id = "" if principal.is_machine else principal.subject
    outcome, _ = await prompt_log.answer(data.prompt_id, agent_id, data.verdict, data.reason)
    if outcome == "unknown":
        try:
            await _record_in_sql(db, principal, data)
        except Exception as exc:
            unavailable = as_store_unavailable(exc)
            if unavailable is not None:
                raise unavailable from exc
            raise
        return
    if outcome == "other_agent":
        raise Forbidden("that prompt was shown to another agent", code="other_agent")
    if outcome == "already_answered":
        raise already_answered()


async def _record_in_sql(db: Database, principal: Principal, data: PromptFeedbackData) -> None:
    """For a prompt shown before the feedback window (or before prompts were journaled)."""
    async with db.session() as s:
        prompt = await s.get(PromptRecord, data.prompt_id)
        if prompt is None:
            raise NotFound(f"no prompt {data.prompt_id!r}", code="unknown_prompt")
        if not principal.may_act_as(prompt.agent_id):
            raise Forbidden("that prompt was shown to another agent", code="other_agent")
        if (await s.exec(select(PromptFeedback).where(PromptFeedback.prompt_id == data.prompt_id))).first():
            raise already_answered()
        s.add(PromptFeedback(prompt_id=prompt.id, agent_id=prompt.agent_id, verdict=data.verdict, reason=data.reason,
                             seconds_to_act=(datetime.now(UTC) - prompt.shown_at).total_seconds()))


def already_answered() -> Conflict:
    return Conflict("this prompt was already answered", code="already_answered")
