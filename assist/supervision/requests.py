"""Approval and help requests: an agent asks from the panel, a supervisor answers once, the agent is told.

An approval request is made from a prompt that the empowerment-limit guardrail turned into "ask supervisor
approval": the service checks the prompt was shown to this agent and that the session's refund is still above
their limit (``models.guardrails.refund_above_limit``, the rule the guardrail itself applies), so a panel can
not ask approval for what needs none. A raised hand needs only an open session of the agent's own.

Both are made through the record journal (``assist.records``), like the prompt log: the request reaches SQL
within about a second, or waits in Redis while the database is down, and is never lost. Its id is derived from
the prompt, so asking twice (a panel that resends after a reconnect) stores one request. The agent's panel gets
a durable ``supervisor_request`` message when the request is made and again when it is answered.

A decision is one conditional update (``pending`` -> the verdict) with its audit row in the same transaction:
a second decision finds nothing pending and is refused, whichever worker or supervisor sends it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import col, select

from assist.audit import record_access
from assist.auth.principal import Principal, Role
from assist.errors import Conflict, InvalidInput, NotFound
from assist.ids import new_id
from assist.sessions.delivery import Delivery
from assist.sessions.events import journey_gone, read_snapshot
from assist.sessions.live import LiveSnapshot
from assist.sessions.service import SessionService, allowed
from assist.sessions.state import SessionState
from assist.stores.sql import Database
from assist.stores.tables import utcnow
from assist.stream.protocol import ApprovalRequestData, RaiseHandData
from assist.supervision.customer import supervisor_view
from assist.supervision.journal import JOURNAL_KIND
from assist.supervision.schemas import VERDICTS, DecisionIn, RequestKind, RequestStatus, SupervisorRequestOut
from assist.supervision.tables import SupervisorRequest
from models.guardrails import refund_above_limit

__all__ = ["MESSAGE_TYPE", "ask_approval", "decide", "list_requests", "raise_hand", "supervisor_view"]

MESSAGE_TYPE = "supervisor_request"
"""The durable stream message the agent's panel gets when a request is made and when it is answered."""


async def ask_approval(service: SessionService, principal: Principal,
                       data: ApprovalRequestData) -> SupervisorRequestOut:
    """Journal an approval request for the refund the prompt ``data.prompt_id`` said needs one; returns it.

    Raises NotFound/Forbidden/Conflict for an unknown, foreign or closed session, NotFound ``unknown_prompt``
    for a prompt not shown to this agent (or older than the feedback window), InvalidInput
    ``no_approval_needed`` when the session's refund is within the agent's limit (or there is none).
    """
    snapshot = await _open_session(service, principal, data.session_id)
    state = snapshot.state
    journal = service.delivery.prompt_log.journal
    if await journal.commands.call(("HGET", journal.prompt_key(data.prompt_id), "agent")) != state.agent_id:
        raise NotFound(f"no prompt {data.prompt_id!r} shown on this contact", code="unknown_prompt")
    try:
        journey = snapshot.journey_state()
    except KeyError:
        raise journey_gone(state.id) from None
    raw = journey.collected.get("refund_amount")
    try:
        amount = float(raw) if raw is not None else None
    except (TypeError, ValueError):
        amount = None
    note = refund_above_limit(amount, state.refund_limit) if amount is not None else None
    if amount is None or note is None:
        raise InvalidInput("this contact's refund is within your limit: no approval is needed",
                           code="no_approval_needed")
    return await _create(service, state, kind="approval", request_id=f"AP-{data.prompt_id}",
                         prompt_id=data.prompt_id, action="issue_refund", amount=amount, reason=note)


async def raise_hand(service: SessionService, principal: Principal, data: RaiseHandData) -> SupervisorRequestOut:
    """Journal a help request on the agent's open contact; returns it. Raises like ``ask_approval`` for the
    session."""
    snapshot = await _open_session(service, principal, data.session_id)
    return await _create(service, snapshot.state, kind="help", request_id=new_id("H-"), prompt_id=None,
                         action=None, amount=None, reason=data.note)


async def _open_session(service: SessionService, principal: Principal, session_id: str) -> LiveSnapshot:
    """The agent's open session, read afresh (not this worker's copy: the refund may have moved elsewhere)."""
    snapshot = await read_snapshot(service, principal, session_id)
    allowed(principal, session_id, "open", snapshot.state)
    return snapshot


async def _create(service: SessionService, state: SessionState, *, kind: RequestKind, request_id: str,
                  prompt_id: str | None, action: str | None, amount: float | None,
                  reason: str) -> SupervisorRequestOut:
    request = SupervisorRequestOut(
        id=request_id, kind=kind, status="pending", agent_id=state.agent_id, session_id=state.id,
        journey_id=state.journey_id, prompt_id=prompt_id,
        customer=supervisor_view(state.customer, Role(state.agent_role)), channel=state.channel,
        contact_reason=state.reason, action=action, amount=amount, reason=reason, practice=state.practice,
        created_at=datetime.fromtimestamp(time.time(), UTC))
    prompt_log = service.delivery.prompt_log
    await prompt_log.journal.append(JOURNAL_KIND, {**request.model_dump(mode="json"),
                                                   "customer_id": state.customer_id})
    await prompt_log.flush()  # in SQL before the panel's ack when the database answers; journaled otherwise
    await service.delivery.send(state.agent_id, MESSAGE_TYPE, request.model_dump(mode="json"))
    return request


def _out(row: SupervisorRequest) -> SupervisorRequestOut:
    return SupervisorRequestOut.model_validate(row.model_dump())


async def list_requests(db: Database, status: RequestStatus | None = "pending", limit: int = 100,
                        practice: bool = False) -> list[SupervisorRequestOut]:
    """Requests in ``status`` (all when None), oldest first for pending ones (the queue a supervisor works
    through), newest first otherwise."""
    query = select(SupervisorRequest).where(SupervisorRequest.practice == practice)
    if status is not None:
        query = query.where(SupervisorRequest.status == status)
    order = col(SupervisorRequest.created_at)
    query = query.order_by(order if status == "pending" else order.desc()).limit(limit)
    async with db.session() as s:
        return [_out(row) for row in (await s.exec(query)).all()]


async def decide(db: Database, delivery: Delivery, principal: Principal, request_id: str,
                 decision: DecisionIn) -> SupervisorRequestOut:
    """Answer a pending request once, audited in the same transaction, then tell the agent's panel.

    Raises NotFound ``unknown_request``, InvalidInput ``invalid_verdict`` (approve a raised hand, acknowledge
    an approval), Conflict ``already_decided``.
    """
    async with db.session() as s:
        row = await s.get(SupervisorRequest, request_id)
        if row is None:
            raise NotFound(f"no request {request_id!r}", code="unknown_request")
        if decision.verdict not in VERDICTS[row.kind]:
            raise InvalidInput(f"a {row.kind} request is answered with one of {sorted(VERDICTS[row.kind])}",
                               code="invalid_verdict")
        now = utcnow()
        changed = await (await s.connection()).execute(
            update(SupervisorRequest).where(col(SupervisorRequest.id) == request_id,
                                            col(SupervisorRequest.status) == "pending")
            .values(status=decision.verdict, decided_at=now, decided_by=principal.subject, note=decision.note)
            .execution_options(synchronize_session=False))
        if changed.rowcount != 1:
            raise Conflict(f"request {request_id!r} was already {row.status}", code="already_decided")
        await record_access(s, principal, row.customer_id, f"{row.kind}_{decision.verdict}",
                            fields=[f for f in ("amount", "action") if getattr(row, f) is not None],
                            reason=f"{row.id} for {row.agent_id}" + (f": {decision.note}" if decision.note else ""))
        answered = _out(row).model_copy(update={"status": decision.verdict, "decided_at": now,
                                                "decided_by": principal.subject, "note": decision.note})
    await delivery.send(answered.agent_id, MESSAGE_TYPE, answered.model_dump(mode="json"))
    return answered
