"""Draining the record journal into SQL: one writer at a time, idempotent inserts, retried with backoff.

Every worker runs a ``RecordWriter``; the one that holds the journal's lock reads the oldest entries, writes
them in one transaction (prompt records, journeys, interactions, then feedback, whose foreign key needs its
prompt, and wrap-ups, which update their interaction), and only then deletes them from the stream. A failed
transaction leaves them there for the next attempt; a worker that dies holding the lock loses it after
``lock_seconds`` and whichever worker runs next drains what it left. Inserts skip rows already there (by
prompt id, interaction id, one feedback per prompt), so an entry written twice (the worker died between the
commit and the delete) stores one row.

An entry the database refuses for what it is (not because it is down) would stop the drain forever; the batch
is then written entry by entry and such an entry moves to a dead-letter stream (``<journal>:dead``), logged as
an error, instead of being lost or blocking the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from assist.errors import as_store_unavailable
from assist.ids import new_id
from assist.journeys.state import JourneyState
from assist.journeys.store import write_journey_row
from assist.metrics import RECORD_WRITE_FAILURES
from assist.panel_use.journal import JOURNAL_KIND as PANEL_KIND
from assist.panel_use.journal import panel_row
from assist.panel_use.tables import PanelEvent
from assist.records.journal import RecordJournal
from assist.stores.sql import Database
from assist.stores.tables import Customer, Interaction, PromptFeedback, PromptRecord
from assist.supervision.journal import FOLLOW_UP_KIND, JOURNAL_KIND, follow_up_row, follow_up_upsert, request_row
from assist.supervision.tables import SupervisorRequest
from assist.tasks import cancel_and_wait
from assist.wrapup.service import apply_wrapup

log = logging.getLogger(__name__)

Entry = tuple[str, dict[str, str]]


def _when(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


def prompt_rows(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """``PromptRecord`` rows (every column given) from a ``prompts`` entry (one journaled before propensities
    were logged has neither propensity nor context: null; one journaled before sessions' queues and channels
    were, neither of those)."""
    shown_at = _when(entry["at"])
    return [{"id": p["id"], "session_id": entry["session_id"], "journey_id": entry["journey_id"],
             "agent_id": entry["agent_id"], "action": p["action"], "confidence": p["confidence"],
             "source": p["source"], "model_version": p["model_version"], "guardrails": p["guardrails"],
             "reasons": p["reasons"], "degraded": p["degraded"], "practice": entry["practice"], "shown_at": shown_at,
             "propensity": p.get("propensity"), "context": entry.get("context"),
             "experiment_id": entry.get("experiment_id"), "arm": entry.get("arm"), "queue": entry.get("queue"),
             "channel": entry.get("channel")}
            for p in entry["prompts"]]


class RecordWriter:
    def __init__(self, journal: RecordJournal, db: Database, flush_seconds: float = 1.0, max_batch: int = 200,
                 lock_seconds: float = 30.0, max_backoff_seconds: float = 5.0) -> None:
        self.journal = journal
        self.db = db
        self.flush_seconds = flush_seconds
        self.max_batch = max_batch
        self.lock_seconds = lock_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.dead_key = journal.key + ":dead"
        self._token = new_id("W-")
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failing = False

    def wake(self) -> None:
        """Something was journaled on this worker: drain now rather than at the next interval."""
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="record-writer")

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop the task and try one last drain (bounded): what stays in the journal waits for the next worker."""
        await cancel_and_wait(self._task)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.flush(), timeout)

    async def flush(self) -> bool:
        """Write everything journaled now to SQL; True when the journal was drained, False when another
        worker holds the lock. Raises the database's (or Redis's) error when a batch could not be written."""
        async with self._lock:
            if not await self.journal.lock(self._token, self.lock_seconds):
                return False
            try:
                while entries := await self.journal.read(self.max_batch):
                    await self._write(entries)
                    await self.journal.remove([entry_id for entry_id, _ in entries])
                    if not await self.journal.renew(self._token, self.lock_seconds):
                        return False  # held too long (a stalled database): another worker drains now
                return True
            finally:
                with contextlib.suppress(Exception):
                    await self.journal.unlock(self._token)

    async def _run(self) -> None:
        failures = 0
        while True:
            delay = self.flush_seconds if not failures else min(self.max_backoff_seconds, 0.25 * 2 ** failures)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._wake.clear()
            try:
                # bounded well inside the lock's life, so a database that stalls instead of refusing cannot
                # let a second writer in while this one still writes
                await asyncio.wait_for(self.flush(), self.lock_seconds / 2)
            except Exception as exc:  # noqa: BLE001 - the entries stay journaled; retried with backoff
                failures += 1
                RECORD_WRITE_FAILURES.inc()
                if not self._failing:
                    log.warning("records wait in the journal: %s", as_store_unavailable(exc) or exc)
                self._failing = True
                continue
            if self._failing:
                log.info("records journal drained again after %d failed attempts", failures)
            failures, self._failing = 0, False

    async def _write(self, entries: Sequence[Entry]) -> None:
        """All of ``entries`` in one transaction; entry by entry when the database refuses the batch itself (not
        because it is down), burying the entry it refuses."""
        try:
            await self._transaction(entries)
        except Exception as exc:
            if as_store_unavailable(exc) is not None:
                raise
            if len(entries) == 1:
                await self._bury(entries[0], exc)
                return
            for entry in entries:
                await self._write([entry])

    async def _bury(self, entry: Entry, exc: Exception) -> None:
        entry_id, fields = entry
        log.error("record %s moved to %s: %s", entry_id, self.dead_key, exc)
        buried: dict[Any, Any] = {**fields, "id": entry_id, "error": str(exc)[:500]}
        await self.journal.client.xadd(self.dead_key, buried)

    async def _transaction(self, entries: Sequence[Entry]) -> None:
        prompts: list[dict[str, Any]] = []
        journeys: list[dict[str, Any]] = []
        interactions: list[dict[str, Any]] = []
        feedback: list[tuple[dict[str, Any], float | None]] = []
        requests: list[dict[str, Any]] = []
        wrapups: list[dict[str, Any]] = []
        follow_ups: list[dict[str, Any]] = []
        panel_events: list[dict[str, Any]] = []
        for _, fields in entries:
            kind, entry = fields.get("k"), json.loads(fields["e"])
            if kind == "prompts":
                prompts += prompt_rows(entry)
            elif kind == "journey":
                journeys.append(entry)
            elif kind == "interaction":
                interactions.append(entry)
            elif kind == "feedback":
                feedback.append((entry, float(fields["s"]) if fields.get("s") else None))
            elif kind == JOURNAL_KIND:
                requests.append(request_row(entry))
            elif kind == "wrapup":
                wrapups.append(entry)
            elif kind == FOLLOW_UP_KIND:
                follow_ups.append(entry)
            elif kind == PANEL_KIND:
                panel_events.append(panel_row(entry))
            else:
                raise ValueError(f"unknown record kind {kind!r}")
        async with self.db.session() as s:
            connection = await s.connection()
            erased = await _erased(connection, {i["customer_id"] for i in interactions} |
                                   {JourneyState.model_validate_json(j["state"]).customer_id for j in journeys} |
                                   {f.get("customer_id") for f in follow_ups})
            if prompts:
                await connection.execute(self._insert_new(PromptRecord), prompts)
            for entry in journeys:
                state = JourneyState.model_validate_json(entry["state"])
                if state.customer_id not in erased:
                    await write_journey_row(s, state, _when(entry["at"]))
            if interactions:
                await connection.execute(self._insert_new(Interaction), [
                    {**i, "started_at": _when(i["started_at"]), "ended_at": _when(i["ended_at"]),
                     "summary": "" if i["customer_id"] in erased else i["summary"],
                     "disposition": i.get("disposition"), "experiment_id": i.get("experiment_id"),
                     "arm": i.get("arm"),
                     **{k: None if i["customer_id"] in erased else i.get(k)
                        for k in ("temperament", "temperament_confidence")}}
                    for i in interactions])
            for entry, shown_at in feedback:
                await _insert_feedback(connection, entry, shown_at)
            if requests:
                await connection.execute(self._insert_new(SupervisorRequest), requests)
            if panel_events:
                await connection.execute(self._insert_new(PanelEvent), panel_events)
            for entry in wrapups:  # after the inserts: a close and its wrap-up journaled in one outage
                await apply_wrapup(connection, entry)
            for entry in follow_ups:  # one by one, in order: a close's item, then its wrap-up's update
                await connection.execute(follow_up_upsert(self.db.is_sqlite),
                                         follow_up_row(entry, entry.get("customer_id") in erased))

    def _insert_new(self, table: Any) -> Any:
        """An insert that skips rows whose primary key is already there."""
        dialect = sqlite if self.db.is_sqlite else postgresql
        return dialect.insert(table).on_conflict_do_nothing(index_elements=["id"])


async def _erased(connection: AsyncConnection, customer_ids: set[str | None]) -> set[str]:
    """Which of ``customer_ids`` were erased: a close buffered during an outage and written after the erasure
    must not bring back what the erasure removed (its summary, the journey's transcript)."""
    wanted = [c for c in customer_ids if c is not None]
    if not wanted:
        return set()
    rows = await connection.execute(select(Customer.id).where(  # type: ignore[call-overload]
        col(Customer.id).in_(wanted), col(Customer.erased_at).is_not(None)))
    return {row[0] for row in rows}


async def _insert_feedback(connection: AsyncConnection, entry: dict[str, Any], shown_at: float | None) -> None:
    """One verdict per prompt: inserted unless the prompt already has one (the writer holds the journal's lock,
    so no other writer inserts between the check and the insert)."""
    table = PromptFeedback.__table__  # type: ignore[attr-defined]
    values = {"prompt_id": entry["prompt_id"], "agent_id": entry["agent_id"], "verdict": entry["verdict"],
              "reason": entry["reason"], "at": _when(entry["at"]),
              "seconds_to_act": entry["at"] - shown_at if shown_at is not None else None}
    columns = list(values)
    chosen = select(*[literal(values[c], table.c[c].type) for c in columns]).where(
        ~exists().where(table.c.prompt_id == entry["prompt_id"]))
    await connection.execute(insert(table).from_select(columns, chosen))
