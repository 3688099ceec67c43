"""Live events: what was said and done updates the journey, then guidance runs again.

An action the agent reports becomes a step done (``verify_identity`` -> ``identity_verified``); CRM events
fill collected fields; a customer utterance lands in the transcript. The journey update is atomic, so the
panel and a channel system posting at once never lose each other's changes.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from assist import metrics
from assist.auth.principal import Principal
from assist.customers.service import customer_view
from assist.errors import Conflict, InvalidInput
from assist.guidance.interface import Prompt
from assist.identity import Identity, IdentityStatus, candidate_for
from assist.journeys.intent import detect_reason
from assist.journeys.state import JourneyState
from assist.sessions.journey_update import journey_mark, journey_update, ticks_an_item
from assist.sessions.live import LiveSnapshot
from assist.sessions.service import SessionService, allowed, unknown_session
from assist.sessions.state import SessionState
from assist.stores.tables import Customer
from assist.stream.protocol import Envelope, EventData
from models.language.intent import IntentDetector

ACTION_STEPS = {
    "verify_identity": "identity_verified",
    "send_knowledge_article": "knowledge_article_sent",
    "issue_refund": "refund_issued",
    "request_refund": "refund_requested",
}
"""Actions whose step has its own name; any other action is recorded as done under its own name."""


def validate_event(event: EventData) -> None:
    """Raises InvalidInput for an event that says nothing, before any stored state is touched."""
    if event.kind == "utterance" and not event.text:
        raise InvalidInput("an utterance needs text", code="invalid_message")
    if event.kind == "action" and not event.action:
        raise InvalidInput("an action event needs 'action'", code="invalid_message")
    if event.kind == "crm" and not event.fields:
        raise InvalidInput("a crm event needs 'fields'", code="invalid_message")


def apply_to_journey(journey: JourneyState, channel: str, event: EventData,
                     intents: IntentDetector | None = None) -> None:
    """The pure part: how one (valid) event changes the journey. With ``intents``, a customer's first words
    name the reason of a journey that arrived without one (``assist.journeys.intent``)."""
    if event.kind == "utterance":
        journey.say(channel, event.speaker, event.text)
        if intents is not None and event.speaker == "customer":
            detect_reason(journey, intents)
    elif event.kind == "action" and event.action:
        journey.mark_done(ACTION_STEPS.get(event.action, event.action))
        if event.action == "request_refund" and "amount" in event.fields:
            journey.collected["refund_amount"] = event.fields["amount"]
            journey.add_pending("refund_issued")
    elif event.kind == "crm":
        journey.collected.update(event.fields)


async def handle_event(service: SessionService, principal: Principal, event: EventData,
                       simulated: bool = False) -> list[Prompt]:
    """Apply ``event`` to its session's journey and push any new prompts; returns them.

    Raises NotFound/Forbidden/Conflict for an unknown, foreign or closed session, InvalidInput for an event
    that says nothing, or picks a customer who was not among the ambiguous candidates. What a machine (a
    channel system, a simulated customer) says is also pushed to the panel as a ``transcript`` message.
    The journey's change, its prompts and the panel's messages are one commit (``LiveSessions``): one round
    trip on the worker that holds the session, repeated on a fresh read if anything moved meanwhile.
    """
    started = time.perf_counter()
    live = service.live
    snapshot = live.get(event.session_id)
    while True:
        if snapshot is None:
            snapshot = await read_snapshot(service, principal, event.session_id)
        state = allowed(principal, event.session_id, "open", snapshot.state)
        if event.kind == "action" and event.action == "resolve_identity":
            live.forget(state.id)  # it changes the session: the copy must not change with it before the write
            return await _resolve_ambiguous(service, principal, state.model_copy(deep=True), event.fields)
        validate_event(event)
        try:
            journey = snapshot.journey_state()
        except KeyError:
            raise journey_gone(state.id) from None
        mark = journey_mark(journey)
        if service.arms is not None:
            await service.arms.prepare(state.experiment)
        prompts = service.guide(state, journey, partial(apply_to_journey, channel=state.channel, event=event,
                                                         intents=service.intents))
        messages: list[Envelope | str] = []
        if event.kind == "utterance" and (principal.is_machine or simulated):
            messages.append(Envelope(type="transcript", data={
                "session_id": state.id, "speaker": event.speaker, "text": event.text, "practice": state.practice,
                **({"simulated": True} if simulated else {})}))
        if mark != journey_mark(journey) or (event.kind == "utterance" and event.speaker == "agent"
                                             and ticks_an_item(journey, event.text)):
            # before the prompts it explains, with the checklist their evaluation ticked
            messages.append(journey_update(state, journey, prompts[0].checklist if prompts else None))
        messages += service.delivery.messages(state, prompts)
        if await live.commit(snapshot, journey, messages, prompts) is not None:
            break
        snapshot = None
    written = snapshot.journey
    metrics.event_prompted(started, prompts)
    for hook in service.event_hooks:
        await hook(state, journey, event, prompts)
    snapshot.hand_back(written, journey)
    return prompts


async def read_snapshot(service: SessionService, principal: Principal, session_id: str) -> LiveSnapshot:
    """The session and its journey as stored now (not yet checked against ``principal``: the caller does).
    Raises NotFound for an unknown session, and for a session whose journey is gone Forbidden/Conflict when
    ``principal`` may not act on it or it is not open, else Conflict ``journey_gone``."""
    try:
        snapshot = await service.live.read(session_id)
    except KeyError:
        allowed(principal, session_id, "open", await service.sessions.get(session_id))
        raise journey_gone(session_id) from None
    if snapshot is None:
        raise unknown_session(session_id)
    return snapshot


def journey_gone(session_id: str) -> Conflict:
    """For an open session whose journey is gone (an accept that failed half-way before this was fixed, or a
    journey erased): it takes no more events, but it can still be closed."""
    return Conflict(f"session {session_id!r} has no journey any more: close it", code="journey_gone")


async def _resolve_ambiguous(service: SessionService, principal: Principal, state: SessionState,
                             fields: dict[str, Any]) -> list[Prompt]:
    """After verifying, the agent picks one of the candidates (by the ``candidate`` handle the context card
    showed, or by a ``customer_id`` typed from the CRM); only then does any customer data appear."""
    handle = str(fields.get("candidate", ""))
    customer_id = str(fields.get("customer_id", ""))
    if handle:
        secret = service.settings.jwt_secret.get_secret_value()
        customer_id = candidate_for(secret, state.id, state.candidates, handle) or ""
    if customer_id not in state.candidates:
        raise InvalidInput("that customer is not one of this contact's candidates", code="not_a_candidate")
    async with service.db.session() as s:
        customer = await s.get(Customer, customer_id)
    state.identity = Identity(status=IdentityStatus.RESOLVED, customer_id=customer_id, matched_on=["agent_verified"])
    state.customer_id, state.candidates = customer_id, []
    state.customer = customer_view(customer, principal.role) if customer else None
    existing = await service.journeys.open_for_customer(customer_id, state.practice)

    def adopt(j: JourneyState) -> None:
        j.customer_id = customer_id
        j.mark_done("identity_verified")

    verified = (lambda j: j.mark_done("identity_verified")) if existing else adopt
    journey, prompts, written = await service.advance(state, existing.id if existing else state.journey_id or "",
                                                      verified)
    if existing is None:
        await service.journeys.persist(journey)
    state.journey_id = journey.id
    service.live.remember(await service.sessions.put(state), written)
    await service.push_context(principal, state, journey)
    await service.delivery.prompts(state, prompts)
    return prompts
