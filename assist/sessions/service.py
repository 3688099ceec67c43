"""The session lifecycle: offer -> accept/decline -> open -> live events -> handoff or close.

Every step is a plain async method that tests call directly; the websocket and REST handlers only parse,
authorize and call one of them. Messages for the panel go through the outbox, so the agent gets them on
whichever worker holds the socket.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from assist.audit import record_access
from assist.auth.principal import Principal
from assist.context.card import build_context_card
from assist.customers.service import customer_view
from assist.customers.temperament import contact_read, recorded_reads, remembers
from assist.errors import Conflict, Forbidden, NotFound, as_store_unavailable
from assist.guidance.interface import GuidanceInput, GuidanceProvider, Prompt
from assist.guidance.model import journey_heard, journey_temperament, temperament_detector
from assist.identity import Identity, IdentityStatus, masked_candidates, resolve_identity
from assist.journeys.state import Handler, JourneyState
from assist.journeys.store import JourneyStore, LiveRead
from assist.sessions.delivery import Delivery
from assist.sessions.live import LiveSessions
from assist.sessions.schemas import OfferRequest
from assist.sessions.state import SessionState, SessionStore
from assist.sessions.transfer import HandoffContext, QueueRouter, check_target, transfer_of
from assist.settings import Settings
from assist.stores.sql import Database
from assist.stores.tables import Agent, Customer, Interaction
from assist.stream.protocol import CloseData, EventData, HandoffRequestData, WrapUpData
from assist.supervision.followups import open_follow_up
from assist.wrapup.service import AfterContactWork
from models.language.intent import IntentDetector

if TYPE_CHECKING:
    from assist.experiments.serving import ArmServing

log = logging.getLogger(__name__)

DEFAULT_REFUND_LIMIT = 50.0
"""For an agent with no record (a practice trainee): the most conservative limit."""

SessionHook = Callable[[SessionState, str], Awaitable[None]]
"""Called with the session and what happened (accepted, declined, closed): routing frees its slots here."""
StatusHook = Callable[[str, str], Awaitable[None]]
"""Called with (agent id, new status): routing keeps the agent's availability."""
EventHook = Callable[[SessionState, JourneyState, EventData, list[Prompt]], Awaitable[None]]
"""Called after an event was applied and guided: practice mode's simulated customer answers here. It reads the
journey and must not change it: the next event on the session starts from that object (``LiveSnapshot.hand_back``)."""


class SessionService:
    def __init__(self, settings: Settings, db: Database, sessions: SessionStore, journeys: JourneyStore,
                 delivery: Delivery, guidance: GuidanceProvider, hooks: list[SessionHook] | None = None,
                 status_hooks: list[StatusHook] | None = None, event_hooks: list[EventHook] | None = None,
                 intents: IntentDetector | None = None) -> None:
        self.settings = settings
        self.db = db
        self.sessions = sessions
        self.journeys = journeys
        self.delivery = delivery
        self.guidance = guidance
        self.hooks = hooks or []
        self.status_hooks = status_hooks or []
        self.event_hooks = event_hooks or []
        self.intents = intents or IntentDetector(threshold=settings.intent_threshold)
        """Names the reason of a contact that arrived without one, from the customer's words."""
        self.live = LiveSessions(sessions, journeys, delivery.outbox, delivery.prompt_log)
        self.wrapup = AfterContactWork(settings.dispositions, settings.wrapup_seconds, sessions.client,
                                       sessions.keys, sessions, db, delivery.send, self.apply_status, self._journal)
        self.queue_router: QueueRouter | None = None
        """Routing, for transfers to a queue; set once routing runs (``assist.offers``)."""
        self.arms: ArmServing | None = None
        """Experiment arms (``assist.experiments.serving``); None: every contact gets ``guidance``."""

    async def set_status(self, principal: Principal, status: str) -> None:
        """The agent changes availability; every open panel of theirs shows it. A status set by hand ends any
        after-contact work (its deadline then changes nothing)."""
        if principal.is_machine:
            raise Forbidden("only the agent sets their status", code="role_forbidden")
        await self.wrapup.leave(principal.subject)
        await self.apply_status(principal.subject, status, {})

    async def apply_status(self, agent_id: str, status: str, extra: dict[str, Any]) -> None:
        """Set ``agent_id``'s status in routing (the status hooks) and on every open panel of theirs."""
        await self.sessions.set_status(agent_id, status)
        for hook in self.status_hooks:
            await hook(agent_id, status)
        await self.delivery.send(agent_id, "status", {"status": status, **extra})

    async def offer(self, request: OfferRequest, handoff_from: str | None = None, note: str = "") -> SessionState:
        """Create the session and push an ``offer`` (no customer data before the agent accepts)."""
        state = SessionState(agent_id=request.agent_id, channel=request.channel, reason=request.reason,
                             queue=request.queue or request.reason,
                             identifiers=request.identifiers, practice=request.practice,
                             journey_id=request.journey_id, reservation_id=request.reservation_id,
                             handoff_from=handoff_from, handoff_note=note,
                             expires_at=time.time() + request.expires_in_seconds)
        await self.sessions.put(state)
        await self.delivery.send(state.agent_id, "offer", {
            "offer_id": state.id, "session_id": state.id, "channel": state.channel, "reason": state.reason,
            "practice": state.practice, "expires_at": state.expires_at, "handoff_from": handoff_from,
            "note": note, "resumes_journey": state.journey_id is not None})
        return state

    async def owned(self, principal: Principal, session_id: str, status: str) -> SessionState:
        """The session if ``principal`` may act on it and it is in ``status``; raises NotFound/Forbidden/Conflict."""
        return allowed(principal, session_id, status, await self.sessions.get(session_id))

    async def accept(self, principal: Principal, offer_id: str) -> SessionState:
        """Open the session: resolve identity, resume or start the journey, push context and first prompts.

        All or nothing: when a step fails (the database is down) the claim is undone and the offer can be
        accepted again; a store that is down answers ``StoreUnavailable``. Routing's reservation is settled
        only once the session is open, so its capacity follows what happened.
        """
        offered = await self.owned(principal, offer_id, "offered")
        if offered.expires_at is not None and offered.expires_at < time.time():
            await self.sessions.claim(offer_id, "offered", "expired")
            raise Conflict("the offer expired", code="offer_expired")
        state = await self.sessions.claim(offer_id, "offered", "open")
        if state is None:
            raise Conflict("the offer is no longer available", code="offer_unavailable")
        try:
            await self._open(principal, state)
        except BaseException as exc:  # a cancelled accept (the panel went away) is undone too
            await self._undo_accept(offered, state)
            unavailable = as_store_unavailable(exc)
            if unavailable is not None:
                raise unavailable from exc
            raise
        for hook in self.hooks:
            await hook(state, "accepted")
        return state

    async def _undo_accept(self, offered: SessionState, state: SessionState) -> None:
        """Put the offer back as it was before ``accept`` claimed it, and take its agent off the journey it
        joined, if it got that far. Best effort: if Redis is down too, the session stays open and ``close``
        ends it."""
        self.live.forget(state.id)
        try:
            if state.opened_at is not None and state.journey_id:  # it joined the journey
                def leave(j: JourneyState) -> None:
                    j.handled_by[:] = [h for h in j.handled_by if h.session_id != state.id]
                    j.shown_by_session.pop(state.id, None)  # a new accept is prompted afresh

                await self.journeys.update(state.journey_id, leave)
            await self.sessions.put(offered)
        except Exception:  # noqa: BLE001 - the caller raises the accept's own error
            log.warning("accept of %s failed and could not be undone", state.id, exc_info=True)

    async def _open(self, principal: Principal, state: SessionState) -> None:
        """``accept``'s steps after the claim: everything that may fail, and fails as one."""
        reads_of: str | None = None
        async with self.db.session() as s:
            agent = await s.get(Agent, state.agent_id)
            identity = await self._identity(s, state)
            state.customer_id = identity.customer_id if identity.status is IdentityStatus.RESOLVED else None
            if state.customer_id:
                customer = await s.get(Customer, state.customer_id)
                state.customer = customer_view(customer, principal.role) if customer else None
                if customer is not None and remembers(self.settings, customer.consent, state.practice):
                    reads_of = customer.id
        journey_id = await self._journey_for(state)
        if reads_of is not None or self.arms is not None:
            async with self.db.session() as s:
                if reads_of is not None:  # the journey's own contacts are heard through its transcript
                    state.temperament_reads = await recorded_reads(s, reads_of, besides=journey_id)
                if self.arms is not None:
                    state.experiment = await self.arms.assign(
                        s, practice=state.practice, queue=state.queue or state.reason, agent_id=state.agent_id,
                        contact_id=journey_id)
        state.identity, state.candidates = identity, identity.candidates
        state.agent_role = principal.role.value
        state.refund_limit = agent.refund_limit if agent else DEFAULT_REFUND_LIMIT
        handler = Handler(agent_id=state.agent_id, channel=state.channel, session_id=state.id)

        def join(j: JourneyState) -> None:
            if state.channel not in j.channels:
                j.channels.append(state.channel)
            j.handled_by.append(handler)

        journey, prompts, live = await self.advance(state, journey_id, join)
        state.journey_id, state.opened_at = journey.id, time.time()
        self.live.remember(await self.sessions.put(state), live)
        await self.push_context(principal, state, journey)
        await self.delivery.prompts(state, prompts)

    async def _identity(self, s: AsyncSession, state: SessionState) -> Identity:
        """Who the contact is: the handed-off journey's customer, or what the identifiers resolve to."""
        if not state.journey_id:
            return await resolve_identity(s, state.identifiers)
        journey = await self.journeys.get(state.journey_id)
        if journey is None:
            raise NotFound("the handed-off journey no longer exists", code="unknown_journey")
        return Identity(status=IdentityStatus.RESOLVED if journey.customer_id else IdentityStatus.UNKNOWN,
                        customer_id=journey.customer_id, matched_on=["handoff"])

    async def _journey_for(self, state: SessionState) -> str:
        """The handed-off journey, else the customer's open one on any channel, else a new one."""
        if state.journey_id:
            return state.journey_id
        if state.customer_id:
            journey = await self.journeys.open_for_customer(state.customer_id, state.practice)
            if journey is not None:
                return journey.id
        return (await self.journeys.create(state.customer_id, state.reason, state.practice)).id

    async def push_context(self, principal: Principal, state: SessionState, journey: JourneyState) -> None:
        """Build, audit and send the context card."""
        identity = state.identity or Identity(status=IdentityStatus.UNKNOWN)
        async with self.db.session() as s:
            choices = []
            if identity.status is IdentityStatus.AMBIGUOUS:
                choices = await masked_candidates(s, self.settings.jwt_secret.get_secret_value(), state.id,
                                                  state.candidates)
                for customer_id in state.candidates:  # masked, but still about them: audited like a card
                    await record_access(s, principal, customer_id, "candidate_shown",
                                        fields=["initial", "last_digits", "last_contact"],
                                        reason=f"session {state.id}: ambiguous {', '.join(identity.matched_on)}")
            card = await build_context_card(s, principal, session_id=state.id, channel=state.channel,
                                            reason=state.reason, identity=identity, journey=journey,
                                            practice=state.practice, history_limit=self.settings.history_limit,
                                            choices=choices, dispositions=self.settings.dispositions,
                                            temperament=journey_heard(journey, state.temperament_reads))
        context = card.model_dump(mode="json")
        if state.handoff_from:
            context["handoff"] = HandoffContext(from_agent=state.handoff_from,
                                                note=state.handoff_note).model_dump()
        await self.delivery.send(state.agent_id, "context", context)

    async def advance(self, state: SessionState, journey_id: str,
                      change: Callable[[JourneyState], None]) -> tuple[JourneyState, list[Prompt], LiveRead]:
        """Apply ``change`` and run guidance in ONE atomic journey update; returns the journey, the new
        prompts and the journey's live hash as written."""
        prompts: list[Prompt] = []
        if self.arms is not None:
            await self.arms.prepare(state.experiment)

        def change_and_guide(journey: JourneyState) -> None:
            prompts[:] = self.guide(state, journey, change)

        journey, live = await self.journeys.update_live(journey_id, change_and_guide)
        return journey, prompts, live

    def guide(self, state: SessionState, journey: JourneyState,
              change: Callable[[JourneyState], None]) -> list[Prompt]:
        """Apply ``change`` to ``journey`` and return the prompts guidance now gives, recorded in the journey
        as shown on this session (another agent on the journey later is prompted afresh for what is undone).
        Pure and fast, so it runs inside an optimistic update: a concurrent change re-runs it and the prompts
        are written with the change that produced them."""
        change(journey)
        # a system line (a transfer's note) is no one speaking: the customer's last words still stand
        latest = next((t for t in reversed(journey.transcript) if t.speaker != "system"), None)
        provider = self.guidance if self.arms is None else self.arms.provider(state.experiment)
        if provider is None:  # an experiment's guidance-off hold-out: context card, no prompts
            return []
        prompts = provider.evaluate(GuidanceInput(
            journey=journey, customer=state.customer, channel=state.channel, agent_role=state.agent_role,
            refund_limit=state.refund_limit, latest=latest, already_shown=journey.shown_in(state.id),
            queue=state.reason, remembered=tuple(state.temperament_reads)))
        journey.record_shown(state.id, [p.action for p in prompts])
        return prompts

    async def decline(self, principal: Principal, offer_id: str, reason: str = "") -> SessionState:
        await self.owned(principal, offer_id, "offered")
        state = await self.sessions.claim(offer_id, "offered", "declined")
        if state is None:
            raise Conflict("the offer is no longer available", code="offer_unavailable")
        for hook in self.hooks:
            await hook(state, "declined")
        return state

    async def handoff(self, principal: Principal, data: HandoffRequestData) -> SessionState | None:
        """Transfer the contact (``assist.sessions.transfer``): persist the journey with the note, end this
        agent's session, then offer it to ``to_agent``, or submit it to routing for ``to_queue``.

        Returns the new offer's session, or None when routing will bring the customer to someone. Raises
        (before anything changes) when the target cannot take the contact.
        """
        state = await self.owned(principal, data.session_id, "open")
        await check_target(self.db, self.sessions, self.queue_router, state, data)
        target = data.to_agent or (f"queue {data.to_queue}" if data.to_queue else None)
        line = f"handed off to {data.channel}" + (f" ({target})" if target else "")

        def hand_over(j: JourneyState) -> None:
            j.say(state.channel, "system", line + (f": {data.note}" if data.note else ""))
            j.transfer_note = data.note

        journey = await self._change_journey(state, hand_over)
        await self._record_interaction(state, journey, "transferred", None, data.note,
                                       journey.reason if journey else state.reason)
        state.status = "handed_off"
        await self.sessions.put(state)
        self.live.forget(state.id)
        journey_id = journey.id if journey else None
        await self.delivery.send(state.agent_id, "handoff", {"session_id": state.id, "journey_id": journey_id,
                                                             "channel": data.channel, "to_agent": data.to_agent,
                                                             "to_queue": data.to_queue, "note": data.note})
        await self.delivery.send(state.agent_id, "session_closed", {"session_id": state.id, "reason": "handoff"})
        for hook in self.hooks:
            await hook(state, "closed")
        if data.to_queue is not None and self.queue_router is not None:
            await self.queue_router.route_transfer(transfer_of(state, data))
        if data.to_agent is None:
            return None
        return await self.offer(OfferRequest(agent_id=data.to_agent, channel=data.channel, reason=state.reason,
                                             queue=state.queue,
                                             identifiers=state.identifiers, practice=state.practice,
                                             journey_id=journey_id), handoff_from=state.agent_id, note=data.note)

    async def close(self, principal: Principal, data: CloseData) -> SessionState:
        """Record the interaction, close the journey if resolved, persist it, tell the panel, then wrap up:
        the automatic summary is stored with the interaction (unless the close carries one) and offered to the
        agent with the disposition codes, and the agent enters after-contact work (``assist.wrapup``). A close
        that carries its disposition is the whole wrap-up in one step. A disposition not in the list is
        refused before anything changes. A detractor contact (low CSAT, a complaint disposition) journals a
        follow-up for supervisors (``assist.supervision.followups``).

        Always possible for an open session: one without a journey (an accept that failed half-way before
        that was made atomic) closes without one, and SQL writes the database cannot take now wait in the
        record journal (``assist.records``) instead of failing the close."""
        state = await self.owned(principal, data.session_id, "open")
        chosen = self.wrapup.check(data.disposition) if data.disposition is not None else None

        def finish(j: JourneyState) -> None:
            if data.outcome == "resolved":
                j.status = "closed"

        journey = await self._change_journey(state, finish)
        draft = await self.wrapup.draft(state, journey, data.outcome)
        summary = data.summary.strip() or draft.text
        await self._record_interaction(state, journey, data.outcome, data.csat, summary,
                                       journey.reason if journey else state.reason, chosen.code if chosen else None)
        await self._follow_up(state, data.csat, data.outcome, chosen.code if chosen else None, summary)
        state.status, state.wrapup = "closed", self.wrapup.start_state(draft, chosen, summary)
        state.wrapup.csat, state.wrapup.outcome = data.csat, data.outcome
        await self.sessions.put(state)
        self.live.forget(state.id)
        await self.delivery.send(state.agent_id, "session_closed", {"session_id": state.id,
                                                                    "outcome": data.outcome})
        for hook in self.hooks:
            await hook(state, "closed")
        await self.wrapup.begin(state, draft)
        return state

    async def submit_wrapup(self, principal: Principal, data: WrapUpData) -> SessionState:
        """The agent's wrap-up of a contact they closed (``AfterContactWork.submit``)."""
        state = await self.owned(principal, data.session_id, "closed")
        state = await self.wrapup.submit(state, data.disposition, data.summary)
        if (wrapup := state.wrapup) is not None:
            await self._follow_up(state, wrapup.csat, wrapup.outcome, wrapup.disposition, wrapup.summary or "")
        return state

    async def _follow_up(self, state: SessionState, csat: int | None, outcome: str | None, disposition: str | None,
                         summary: str) -> None:
        """A detractor contact opens (or, from its wrap-up, updates) a follow-up for supervisors, journaled."""
        await open_follow_up(self._journal, state, csat=csat, outcome=outcome, disposition=disposition,
                             summary=summary, csat_at_most=self.settings.follow_up_csat,
                             codes=self.settings.follow_up_dispositions, labels=self.settings.dispositions,
                             at=time.time())

    async def _change_journey(self, state: SessionState,
                              change: Callable[[JourneyState], None]) -> JourneyState | None:
        """Apply ``change`` to the session's journey and persist it (through the journal if the database is
        down); None for a session without a journey (any more)."""
        if not state.journey_id:
            return None
        try:
            journey = await self.journeys.update(state.journey_id, change)
        except KeyError:
            log.warning("session %s lost its journey %s", state.id, state.journey_id)
            return None
        try:
            await self.journeys.persist(journey)
        except Exception as exc:
            if not _database_down(exc):
                raise
            await self._journal("journey", {"state": journey.model_dump_json(), "at": time.time()})
        return journey

    async def _record_interaction(self, state: SessionState, journey: JourneyState | None, outcome: str,
                                  csat: int | None, summary: str, intent: str, disposition: str | None = None) -> None:
        """The interaction row; journaled when the database is down (the journal's writer inserts it later).
        ``intent``: the journey's reason, which the customer's words may have named on a ``general`` contact.
        With the customer's profiling consent it keeps the temperament the journey's words showed, for the
        customer's next contacts (``assist.customers.temperament``)."""
        if state.customer_id is None:
            return
        started, ended = state.opened_at or state.offered_at, time.time()
        consent = state.customer.consent if state.customer is not None else None
        read = (contact_read(journey_temperament(journey), temperament_detector().threshold, ended)
                if journey is not None and remembers(self.settings, consent, state.practice) else None)
        row: dict[str, Any] = {"id": f"I-{state.id}", "customer_id": state.customer_id, "journey_id": state.journey_id,
               "channel": state.channel, "agent_id": state.agent_id, "intent": intent, "outcome": outcome,
               "csat": csat, "summary": summary, "disposition": disposition, "practice": state.practice,
               "experiment_id": state.experiment.experiment_id if state.experiment else None,
               "arm": state.experiment.arm if state.experiment else None,
               "temperament": read.temperament if read else None,
               "temperament_confidence": read.confidence if read else None}
        try:
            async with self.db.session() as s:
                s.add(Interaction(**row, started_at=datetime.fromtimestamp(started, UTC),
                                  ended_at=datetime.fromtimestamp(ended, UTC)))
        except Exception as exc:
            if not _database_down(exc):
                raise
            await self._journal("interaction", {**row, "started_at": started, "ended_at": ended})

    async def _journal(self, kind: str, entry: dict[str, Any]) -> None:
        prompt_log = self.delivery.prompt_log
        await prompt_log.journal.append(kind, entry)
        prompt_log.writer.wake()


def _database_down(exc: BaseException) -> bool:
    unavailable = as_store_unavailable(exc)
    return unavailable is not None and unavailable.store == "database"


def allowed(principal: Principal, session_id: str, status: str, state: SessionState | None) -> SessionState:
    """``state`` if ``principal`` may act on it and it is in ``status``; raises NotFound/Forbidden/Conflict."""
    if state is None:
        raise unknown_session(session_id)
    if not (principal.may_act_as(state.agent_id) or principal.is_machine):
        raise Forbidden("that session belongs to another agent", code="other_agent")
    if state.status != status:
        raise Conflict(f"session is {state.status}, not {status}", code="session_not_" + status)
    return state


def unknown_session(session_id: str) -> NotFound:
    return NotFound(f"no session {session_id!r}", code="unknown_session")
