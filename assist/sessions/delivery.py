"""Sending session messages to an agent's panel through the outbox (any worker can deliver them), and
recording the prompts shown, in batches and off the event path, for adoption analytics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import insert

from assist.guidance.interface import Prompt
from assist.sessions.state import SessionState
from assist.stores.sql import Database
from assist.stores.tables import PromptRecord, utcnow
from assist.stream.outbox import Outbox
from assist.stream.protocol import Envelope

log = logging.getLogger(__name__)


class PromptLog:
    """Shown prompts, written to SQL by a background task: one multi-row insert per batch instead of a
    transaction per prompt. Rows are plain dicts (``PromptRecord`` columns): building ORM objects on the
    event path cost more than the rest of the prompt's delivery.

    ``flush`` writes what is pending now (feedback on a prompt just shown calls it before looking it up);
    ``stop`` flushes before the process exits, so a clean shutdown loses nothing. A batch goes when it holds
    ``max_batch`` rows or ``flush_seconds`` after its first row, well inside the time feedback arriving on
    another worker waits for it (``assist.guidance.feedback.FEEDBACK_WAIT_SECONDS``), with the event loop
    free between inserts. Both limits are about the loop: an insert costs ~2 ms of the worker's time
    whatever its size, so five small batches a second added 0.2 ms to every event of a quiet panel, while
    preparing 500 rows at once (a second of 1,000 busy panels) held the loop for tens of milliseconds.
    """

    def __init__(self, db: Database, flush_seconds: float = 1.0, max_batch: int = 100) -> None:
        self.db = db
        self.flush_seconds = flush_seconds
        self.max_batch = max_batch
        self._pending: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def add(self, rows: list[dict[str, Any]]) -> None:
        """Queue ``PromptRecord`` rows (every column given) for the next batch."""
        self._pending.extend(rows)
        self._wake.set()
        if len(self._pending) >= self.max_batch:
            self._full.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="prompt-log")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            while self._pending:
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch:]
                try:
                    async with self.db.session() as s:
                        await (await s.connection()).execute(insert(PromptRecord), batch)
                except Exception:  # noqa: BLE001 - analytics must not take the stream down; the loss is logged
                    log.exception("could not record %d prompts", len(batch))
                await asyncio.sleep(0)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self.flush_seconds)
            self._full.clear()
            await self.flush()


class Delivery:
    def __init__(self, outbox: Outbox, prompt_log: PromptLog) -> None:
        self.outbox = outbox
        self.prompt_log = prompt_log

    async def send(self, agent_id: str, kind: str, data: dict[str, Any]) -> int:
        """Durable message ``kind`` for ``agent_id``; returns its seq."""
        return await self.outbox.append(agent_id, Envelope(type=kind, data=data))

    async def prompts(self, session: SessionState, prompts: list[Prompt]) -> None:
        """Push prompts to the panel (one outbox round trip), then queue their records for the prompt log."""
        if prompts:
            messages, rows = self.shown(session, prompts)
            await self.outbox.append_all(session.agent_id, messages)
            self.prompt_log.add(rows)

    @staticmethod
    def shown(session: SessionState, prompts: list[Prompt]) -> tuple[list[Envelope], list[dict[str, Any]]]:
        """The panel's ``prompt`` messages and the prompt log's rows for ``prompts`` shown on ``session``
        (add the rows once the messages are stored)."""
        dumped = [p.model_dump() for p in prompts]
        messages = [Envelope(type="prompt", data={"session_id": session.id, "journey_id": session.journey_id,
                                                  "practice": session.practice, **data}) for data in dumped]
        shown_at = utcnow()
        rows = [{"id": p["id"], "session_id": session.id, "journey_id": session.journey_id,
                 "agent_id": session.agent_id, "action": p["action"], "confidence": p["confidence"],
                 "source": p["source"], "model_version": p["model_version"], "guardrails": p["guardrails"],
                 "reasons": p["reasons"], "degraded": p["degraded"], "practice": session.practice,
                 "shown_at": shown_at}
                for p in dumped]
        return messages, rows
