"""Sending session messages to an agent's panel through the outbox (any worker can deliver them), and
recording the prompts shown, in batches and off the event path, for adoption analytics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from assist.guidance.interface import Prompt, Reason
from assist.sessions.state import SessionState
from assist.stores.sql import Database
from assist.stores.tables import PromptRecord
from assist.stream.outbox import Outbox, stored
from assist.stream.protocol import Envelope

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Shown:
    """Prompts shown on one session at one moment, as much of them as the prompt log keeps. Its rows are made
    when the batch is written: building them on the event path delayed every prompt's way to the panel, and
    holding the whole prompts (articles, checklist) until then made the garbage collector run ten times as
    often."""

    session_id: str
    journey_id: str | None
    agent_id: str
    practice: bool
    prompts: list[tuple[str, str, float, str, str | None, list[str], list[Reason], bool]]
    """Per prompt: id, action, confidence, source, model version, guardrails, reasons, degraded."""
    at: float = field(default_factory=time.time)

    @classmethod
    def on(cls, session: SessionState, prompts: list[Prompt]) -> Shown:
        return cls(session.id, session.journey_id, session.agent_id, session.practice,
                   [(p.id, p.action, p.confidence, p.source, p.model_version, p.guardrails, p.reasons, p.degraded)
                    for p in prompts])

    def rows(self) -> list[dict[str, Any]]:
        """``PromptRecord`` rows, every column given."""
        shown_at = datetime.fromtimestamp(self.at, UTC)
        return [{"id": id_, "session_id": self.session_id, "journey_id": self.journey_id, "agent_id": self.agent_id,
                 "action": action, "confidence": confidence, "source": source, "model_version": model_version,
                 "guardrails": list(guardrails), "reasons": [r.model_dump() for r in reasons], "degraded": degraded,
                 "practice": self.practice, "shown_at": shown_at}
                for id_, action, confidence, source, model_version, guardrails, reasons, degraded in self.prompts]


class PromptLog:
    """Shown prompts, written to SQL by a background task: one multi-row insert per batch instead of a
    transaction per prompt. Rows are plain dicts (``PromptRecord`` columns), made from ``Shown`` records
    when their batch is written: building ORM objects, or even the dicts, on the event path cost more than
    the rest of the prompt's delivery.

    ``flush`` writes what is pending now (feedback on a prompt just shown calls it before looking it up);
    ``stop`` flushes before the process exits, so a clean shutdown loses nothing. A batch goes when it holds
    ``max_batch`` prompts or ``flush_seconds`` after its first, well inside the time feedback arriving on
    another worker waits for it (``assist.guidance.feedback.FEEDBACK_WAIT_SECONDS``), with the event loop
    free between inserts. Both limits are about the loop: an insert costs ~2 ms of the worker's time
    whatever its size, so five small batches a second added 0.2 ms to every event of a quiet panel, while
    preparing 500 rows at once (a second of 1,000 busy panels) held the loop for tens of milliseconds.
    """

    def __init__(self, db: Database, flush_seconds: float = 1.0, max_batch: int = 100) -> None:
        self.db = db
        self.flush_seconds = flush_seconds
        self.max_batch = max_batch
        self._pending: deque[Shown] = deque()
        self._pending_prompts = 0
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def add(self, shown: Shown) -> None:
        """Queue ``shown`` for the next batch."""
        if not shown.prompts:
            return
        self._pending.append(shown)
        self._pending_prompts += len(shown.prompts)
        self._wake.set()
        if self._pending_prompts >= self.max_batch:
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
                batch: list[dict[str, Any]] = []
                while self._pending and len(batch) < self.max_batch:
                    shown = self._pending.popleft()
                    self._pending_prompts -= len(shown.prompts)
                    batch.extend(shown.rows())
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
        """Push prompts to the panel (one outbox round trip), then queue them for the prompt log."""
        if prompts:
            await self.outbox.append_all(session.agent_id, self.messages(session, prompts))
            self.prompt_log.add(Shown.on(session, prompts))

    @staticmethod
    def messages(session: SessionState, prompts: list[Prompt]) -> list[str]:
        """The panel's ``prompt`` messages for ``prompts`` shown on ``session``, as stored (add the prompts to
        the prompt log once the messages are)."""
        return [stored(Envelope(type="prompt", data={"session_id": session.id, "journey_id": session.journey_id,
                                                     "practice": session.practice}), p) for p in prompts]
