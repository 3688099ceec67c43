"""After-contact work (ACW): a closed contact's wrap-up, and the agent's status around it.

On close the agent's status becomes ``after_contact_work`` (routing offers them nothing) until they submit the
wrap-up or ``ASSIST_WRAPUP_SECONDS`` pass, whichever comes first; then they are ``available`` again. The timer
lives in Redis, not in a worker's memory: the agent's ``acw`` key names the session being wrapped up, and a
sorted set holds every deadline. Each worker sweeps the due deadlines once a second; ``ZREM`` picks the one
worker that ends each, so a worker that dies mid-ACW leaves its deadline to the others. Ending ACW is a
compare-and-delete of the ``acw`` key: a wrap-up submitted and a deadline passing at once end it once, a later
close (a new ACW) is not ended by an earlier contact's deadline, and an agent who changed their status by hand
meanwhile (which deletes the key) is left as they chose.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

from redis.asyncio import Redis
from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from assist.errors import Conflict, as_store_unavailable
from assist.journeys.state import JourneyState
from assist.sessions.state import SessionState, SessionStore
from assist.stores.redis import KeySpace
from assist.stores.sql import Database
from assist.stores.tables import Customer, Interaction
from assist.tasks import cancel_and_wait
from assist.wrapup.dispositions import Disposition, check_disposition, choices
from assist.wrapup.schemas import WrapUpOffer, WrapUpSaved, WrapUpState
from assist.wrapup.summary import ContactSummary, build_summary, private_values

__all__ = ["AfterContactWork", "StatusSetter"]

log = logging.getLogger(__name__)

StatusSetter = Callable[[str, str, dict[str, Any]], Awaitable[None]]
"""Sets an agent's status everywhere (routing, every open panel): (agent id, status, extra message data)."""
Send = Callable[[str, str, dict[str, Any]], Awaitable[int]]
Journal = Callable[[str, dict[str, Any]], Awaitable[None]]

_END_IF_SAME = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
"""KEYS: the agent's acw key. ARGV: the session whose after-contact work ends. 1 if it was still that one."""


class AfterContactWork:
    def __init__(self, settings_dispositions: Mapping[str, str], seconds: int, client: Redis, keys: KeySpace,
                 sessions: SessionStore, db: Database, send: Send, set_status: StatusSetter, journal: Journal,
                 sweep_seconds: float = 1.0) -> None:
        self.dispositions = settings_dispositions
        self.seconds = seconds
        self.client = client
        self.keys = keys
        self.sessions = sessions
        self.db = db
        self.send = send
        self.set_status = set_status
        self.journal = journal
        self.sweep_seconds = sweep_seconds
        self.due_key = keys.key("wrapup", "due")
        self._task: asyncio.Task[None] | None = None

    def acw_key(self, agent_id: str) -> str:
        return self.keys.key("agent", agent_id, "acw")

    def check(self, code: str) -> Disposition:
        """``code``'s disposition; raises InvalidInput ``unknown_disposition`` (before anything is stored)."""
        return check_disposition(self.dispositions, code)

    async def draft(self, state: SessionState, journey: JourneyState | None, outcome: str) -> ContactSummary:
        """The automatic summary of ``state``'s contact. The customer's own values are read from SQL to be masked
        in what they said; with the database down only the general masking (e-mails, long numbers) applies."""
        private: list[str] = []
        if state.customer_id:
            try:
                async with self.db.session() as s:
                    customer = await s.get(Customer, state.customer_id)
                private = private_values(customer.model_dump() if customer else None)
            except Exception as exc:
                if as_store_unavailable(exc) is None:
                    raise
        return build_summary(journey, reason=state.reason, outcome=outcome, since=state.opened_at, private=private)

    def start_state(self, draft: ContactSummary, chosen: Disposition | None, summary: str) -> WrapUpState:
        """What the closing session keeps: saved at once when the close carried its disposition, else open with
        its ACW deadline (none when ACW is off)."""
        if chosen is not None:
            return WrapUpState(draft=draft.text, disposition=chosen.code, summary=summary, saved_at=time.time())
        return WrapUpState(draft=draft.text, deadline=time.time() + self.seconds if self.seconds else None)

    async def begin(self, state: SessionState, draft: ContactSummary) -> None:
        """After the close was sent: the saved wrap-up, or the ``wrapup`` form and (with a deadline) ACW."""
        wrapup = state.wrapup
        if wrapup is None:
            return
        if wrapup.saved_at is not None and wrapup.disposition is not None:
            await self._saved(state, self.check(wrapup.disposition), wrapup.summary or "")
            return
        if wrapup.deadline is not None:
            await self.client.set(self.acw_key(state.agent_id), state.id, ex=self.seconds + 24 * 3600)
            await self.client.zadd(self.due_key, {json.dumps([state.agent_id, state.id]): wrapup.deadline})
        await self.send(state.agent_id, "wrapup", WrapUpOffer(
            session_id=state.id, journey_id=state.journey_id, practice=state.practice,
            dispositions=choices(self.dispositions), summary=draft.text, draft=draft, deadline=wrapup.deadline,
            seconds=self.seconds if wrapup.deadline is not None else 0).model_dump(mode="json"))
        if wrapup.deadline is not None:
            await self.set_status(state.agent_id, "after_contact_work", {"reason": "wrapup", "until": wrapup.deadline,
                                                                         "session_id": state.id})

    async def submit(self, state: SessionState, code: str, summary: str) -> SessionState:
        """Save the wrap-up of the closed ``state`` (already authorised) and end its ACW. Raises InvalidInput
        ``unknown_disposition`` or Conflict ``wrapup_not_pending`` before anything is stored. An empty summary
        keeps the automatic one. Allowed after the deadline too: the time limit ends ACW, not the wrap-up."""
        wrapup = state.wrapup
        if wrapup is None or wrapup.saved_at is not None:
            raise Conflict("this contact has no wrap-up waiting (already saved, or closed without one)",
                           code="wrapup_not_pending")
        chosen = self.check(code)
        text = summary.strip() or wrapup.draft
        if state.customer_id:
            await self.store(f"I-{state.id}", chosen.code, text)
        wrapup.disposition, wrapup.summary, wrapup.saved_at = chosen.code, text, time.time()
        await self.sessions.put(state)
        await self._saved(state, chosen, text)
        await self.end(state.agent_id, state.id, "wrapup_saved")
        return state

    async def store(self, interaction_id: str, disposition: str, summary: str) -> None:
        """Write the wrap-up onto its interaction row; journaled when the database is down or the row is not
        written yet (the record writer applies it after the row's own insert). An erased customer's row keeps
        its summary empty."""
        entry = {"id": interaction_id, "disposition": disposition, "summary": summary}
        try:
            async with self.db.session() as s:
                changed = await apply_wrapup(await s.connection(), entry)
        except Exception as exc:
            unavailable = as_store_unavailable(exc)
            if unavailable is None or unavailable.store != "database":
                raise
            changed = 0
        if not changed:  # the close's own row still waits in the journal: this goes after it
            await self.journal("wrapup", entry)

    async def _saved(self, state: SessionState, chosen: Disposition, summary: str) -> None:
        await self.send(state.agent_id, "wrapup_saved",
                        WrapUpSaved(session_id=state.id, disposition=chosen, summary=summary).model_dump(mode="json"))

    async def end(self, agent_id: str, session_id: str, why: str) -> bool:
        """End ``agent_id``'s after-contact work for ``session_id`` if it is still on: back to available.
        Returns whether it was (False: already ended, replaced by a later close, or left by hand)."""
        if not await self.client.eval(_END_IF_SAME, 1, self.acw_key(agent_id), session_id):
            return False
        await self.client.zrem(self.due_key, json.dumps([agent_id, session_id]))
        await self.set_status(agent_id, "available", {"reason": why, "session_id": session_id})
        return True

    async def leave(self, agent_id: str) -> None:
        """The agent set a status by hand: whatever ACW they were in ends without another status change."""
        await self.client.delete(self.acw_key(agent_id))

    async def sweep(self, now: float | None = None) -> int:
        """End every ACW whose deadline has passed; returns how many this worker ended."""
        until = time.time() if now is None else now
        due = cast(list[str], await self.client.zrangebyscore(self.due_key, "-inf", until, start=0, num=100))
        ended = 0
        for member in due:
            if not await self.client.zrem(self.due_key, member):
                continue  # another worker took it
            agent_id, session_id = json.loads(member)
            ended += await self.end(agent_id, session_id, "wrapup_timeout")
        return ended

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="wrapup-sweep")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        failing = False
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                await self.sweep()
                failing = False
            except Exception as exc:  # noqa: BLE001 - the deadlines stay in Redis; the next sweep ends them
                if not failing:
                    log.warning("after-contact work sweep failed; retrying: %r", exc)
                failing = True


async def apply_wrapup(connection: AsyncConnection, entry: Mapping[str, str]) -> int:
    """Set an interaction's disposition and summary; returns the rows changed (0: the row is not there yet).
    An erased customer's interaction keeps an empty summary (a wrap-up saved or journaled before the erasure
    must not bring back what it removed)."""
    erased = select(Customer.id).where(col(Customer.erased_at).is_not(None))  # type: ignore[call-overload]
    result = await connection.execute(update(Interaction).where(col(Interaction.id) == entry["id"]).values(
        disposition=entry["disposition"],
        summary=case((col(Interaction.customer_id).in_(erased), ""), else_=entry["summary"])))
    return int(result.rowcount or 0)
