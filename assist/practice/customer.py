"""The simulated customer on the agent stream: session and event hooks that let a persona talk.

On accept of a practice session the persona speaks first; after each trainee turn (an agent utterance or
an action) the turn is logged, the whole log is replayed through a fresh ``Conversation`` (pure, a few
dozen events) and the customer's reply is posted as a customer utterance through the same
``handle_event`` a channel system uses, so the panel shows it as a ``transcript`` and guidance reacts to
it. Customer utterances are never answered (no loops). Prompts the guidance pushes are logged as they
happen, for the "guidance use" criterion. When the persona hangs up, the session is closed for them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from assist.auth.principal import Principal, Role
from assist.guidance.interface import Prompt
from assist.journeys.state import JourneyState
from assist.practice import repository as repo
from assist.practice.scenarios import load_scenario
from assist.practice.tables import PracticeEvent, PracticeRun, PracticeSession
from assist.sessions.events import handle_event
from assist.sessions.service import SessionService
from assist.sessions.state import SessionState
from assist.stores.sql import Database
from assist.stores.tables import utcnow
from assist.stream.protocol import CloseData, EventData
from simulator.practice import AgentEvent, Conversation, CustomerVoice, Line, Scenario, replay

log = logging.getLogger(__name__)

SIMULATOR = Principal(subject="simulator", role=Role.SERVICE)
"""Who posts the simulated customer's turns: a machine, like a telephony transcription."""
PRACTICE_IDENTIFIER = "practice_session"
"""The offer's identifier naming the practice session, so accept finds it even before the offer is recorded.
Identity resolution ignores identifier kinds it does not know, so the contact stays an unknown caller."""

Finished = Callable[[PracticeSession], Awaitable[None]]


def agent_event(row: PracticeEvent) -> AgentEvent | None:
    """The replay input a log row holds; None for the customer's own turns (outputs)."""
    if row.source == "customer":
        return None
    return AgentEvent(kind=row.kind, at=row.at, text=row.text, action=row.action,  # type: ignore[arg-type]
                      fields=row.fields or {}, verdict=row.verdict, outcome=row.outcome)


def play(practice: PracticeSession, scenario: Scenario, rows: Sequence[PracticeEvent],
         voice: CustomerVoice | None = None) -> tuple[Conversation, dict[int, Line]]:
    """Replay the log's inputs; returns the conversation and each answered trainee turn's reply by seq."""
    conversation = Conversation(scenario, practice.seed, practice.refund_limit, voice)
    conversation.open()
    replies: dict[int, Line] = {}
    for row in rows:
        event = agent_event(row)
        if event is not None and (reply := conversation.feed(event)) is not None:
            replies[row.seq] = reply
    return conversation, replies


def _prompt_entries(actions: Sequence[str], at: float) -> list[dict[str, Any]]:
    return [{"source": "guidance", "kind": "prompt", "action": a, "at": at} for a in actions]


def _customer_entry(line: Line, reply_to: int) -> dict[str, Any]:
    return {"source": "customer", "kind": "utterance", "text": line.text, "at": line.at, "mood": line.mood,
            "moment": line.moment, "reply_to": reply_to}


class SimulatedCustomer:
    """Plays the customer's side of every practice session; ``finished`` runs when one ends."""

    def __init__(self, db: Database, sessions: SessionService, finished: Finished,
                 voice: CustomerVoice | None = None) -> None:
        self.db = db
        self.sessions = sessions
        self.finished = finished
        self.voice = voice

    async def on_session(self, state: SessionState, what: str) -> None:
        """Session hook: accepted -> the persona opens; declined or closed -> the session ends."""
        if not state.practice:
            return
        try:
            if what == "accepted":
                await self._opened(state)
            elif what in ("declined", "closed"):
                await self._ended(state, what)
        except Exception:  # noqa: BLE001 - a practice failure must not break the trainee's stream
            log.exception("practice session hook failed", extra={"session_id": state.id, "what": what})

    async def on_event(self, state: SessionState, journey: JourneyState, event: EventData,
                       prompts: list[Prompt]) -> None:
        """Event hook: log trainee turns and prompts; answer each trainee turn."""
        if not state.practice:
            return
        turn = event.kind == "action" or (event.kind == "utterance" and event.speaker == "agent")
        if not turn and not prompts:
            return
        try:
            async with self.db.session() as s:
                practice = await repo.by_stream_session(s, state.id)
            if practice is None or practice.status != "open":
                return
            at = _since(practice)
            entries = _prompt_entries([p.action for p in prompts], at)
            if turn:
                entries.insert(0, {"source": "trainee", "kind": "utterance" if event.kind == "utterance" else "action",
                                   "text": event.text, "action": event.action if event.kind == "action" else None,
                                   "fields": dict(event.fields), "at": at})
            await repo.append(self.db, practice.id, entries)
            if turn:
                await self._answer(state, practice)
        except Exception:  # noqa: BLE001
            log.exception("practice event hook failed", extra={"session_id": state.id})

    async def _opened(self, state: SessionState) -> None:
        practice_id = state.identifiers.get(PRACTICE_IDENTIFIER)
        if not practice_id:
            return
        opened_at = state.opened_at or time.time()
        async with self.db.session() as s:
            moved = await repo.move(s, practice_id, ("queued", "offered"), status="open", session_id=state.id,
                                    opened_at=opened_at, refund_limit=state.refund_limit)
            practice = await s.get(PracticeSession, practice_id) if moved else None
        if practice is None:
            return
        journey = await self.sessions.journeys.get(state.journey_id or "")
        scenario = await load_scenario(self.db, practice.scenario)
        conversation = Conversation(scenario, practice.seed, practice.refund_limit, self.voice)
        opening = conversation.open()
        shown = journey.shown_by_session.get(state.id, []) if journey else []
        entries = _prompt_entries(shown, 0.0) + [_customer_entry(opening, 0)]
        if await repo.append(self.db, practice.id, entries):
            await self._say(state, opening.text)

    async def _answer(self, state: SessionState, practice: PracticeSession) -> None:
        async with self.db.session() as s:
            rows = await repo.events_of(s, practice.id)
        answered = {r.reply_to for r in rows if r.reply_to is not None}
        scenario = await load_scenario(self.db, practice.scenario)
        conversation, replies = play(practice, scenario, rows, self.voice)
        for seq, line in sorted(replies.items()):
            if seq not in answered and await repo.append(self.db, practice.id, [_customer_entry(line, seq)]):
                await self._say(state, line.text)
        if conversation.state.ended:
            current = await self.sessions.sessions.get(state.id)
            if current is not None and current.status == "open":
                await self.sessions.close(SIMULATOR, CloseData(session_id=state.id, outcome="abandoned",
                                                               summary="the simulated customer hung up"))

    async def _say(self, state: SessionState, text: str) -> None:
        await handle_event(self.sessions, SIMULATOR, EventData(session_id=state.id, kind="utterance",
                                                               speaker="customer", text=text))

    async def _ended(self, state: SessionState, what: str) -> None:
        async with self.db.session() as s:
            practice = await repo.by_stream_session(s, state.id)
            if practice is None and what == "declined":
                practice_id = state.identifiers.get(PRACTICE_IDENTIFIER, "")
                practice = await s.get(PracticeSession, practice_id) if practice_id else None
        if practice is None:
            return
        if what == "declined":
            async with self.db.session() as s:
                moved = await repo.move(s, practice.id, ("queued", "offered"), status="declined",
                                        session_id=state.id, ended_at=utcnow())
        else:
            moved = await self._debrief(state, practice)
        if moved:
            await self.finished(practice)

    async def _debrief(self, state: SessionState, practice: PracticeSession) -> bool:
        if practice.status != "open":
            return False
        journey = await self.sessions.journeys.get(state.journey_id or "")
        async with self.db.session() as s:
            rows = await repo.events_of(s, practice.id)
            answered = await repo.verdicts(s, state.id)
        scenario = await load_scenario(self.db, practice.scenario)
        conversation, _ = play(practice, scenario, rows, self.voice)
        if journey is not None and journey.status == "closed":
            claimed = "resolved"
        elif state.status == "handed_off":
            claimed = "transferred"
        else:
            claimed = "abandoned" if conversation.state.ended else "unresolved"
        opened = practice.opened_at or time.time()
        entries = [{"source": "guidance", "kind": "feedback", "action": action, "verdict": verdict,
                    "at": round(max(0.0, at - opened), 3)} for action, verdict, at in answered]
        entries.append({"source": "trainee", "kind": "close", "outcome": claimed, "at": _since(practice)})
        await repo.append(self.db, practice.id, entries)
        async with self.db.session() as s:
            rows = await repo.events_of(s, practice.id)
            run = await s.get(PracticeRun, practice.run_id)
        inputs = [e for r in rows if (e := agent_event(r)) is not None]
        result = replay(scenario, practice.seed, inputs, practice.refund_limit, self.voice,
                        run.weights if run else None)
        async with self.db.session() as s:
            return await repo.move(s, practice.id, ("open",), status="closed", outcome=result.debrief.outcome,
                                   score=result.debrief.score, debrief=result.debrief.to_dict(), ended_at=utcnow())


def _since(practice: PracticeSession) -> float:
    return round(max(0.0, time.time() - (practice.opened_at or time.time())), 3)

