"""What each panel message does: one domain call per message type."""

from __future__ import annotations

from assist.auth.principal import Principal
from assist.guidance.feedback import record_feedback
from assist.panel_use.capture import record_panel_event
from assist.sessions.demo import offer_demo_contact, simulate_customer
from assist.sessions.events import handle_event
from assist.sessions.service import SessionService
from assist.stream.protocol import (
    Accept,
    ApprovalRequest,
    Close,
    Decline,
    DemoOffer,
    Envelope,
    Event,
    HandoffRequest,
    InboundMessage,
    PanelEvent,
    Ping,
    PromptFeedback,
    RaiseHand,
    SimulateCustomer,
    Status,
    WrapUp,
)
from assist.supervision.requests import ask_approval, raise_hand


async def dispatch(service: SessionService, principal: Principal, message: InboundMessage) -> Envelope | None:
    """Run the message; returns a direct reply for this connection only (most effects arrive via the outbox)."""
    match message:
        case Accept(data=data):
            await service.accept(principal, data.offer_id)
        case Decline(data=data):
            await service.decline(principal, data.offer_id, data.reason)
        case Event(data=data):
            await handle_event(service, principal, data)
            if message.id:  # the panel marks a line it typed unsent until the server has recorded it
                return Envelope(type="ack", data={"in_reply_to": message.id, "session_id": data.session_id})
        case PromptFeedback(data=data):
            await record_feedback(service.db, service.delivery.prompt_log, principal, data)
            return Envelope(type="ack", data={"in_reply_to": message.id, "prompt_id": data.prompt_id})
        case HandoffRequest(data=data):
            await service.handoff(principal, data)
        case SimulateCustomer(data=data):
            await simulate_customer(service, principal, data)
            return Envelope(type="ack", data={"in_reply_to": message.id, "session_id": data.session_id})
        case DemoOffer(data=data):
            await offer_demo_contact(service, principal, data)
        case Close(data=data):
            await service.close(principal, data)
        case WrapUp(data=data):
            await service.submit_wrapup(principal, data)
        case Status(data=data):
            await service.set_status(principal, data.status)
        case ApprovalRequest(data=data):
            request = await ask_approval(service, principal, data)
            return Envelope(type="ack", data={"in_reply_to": message.id, "request_id": request.id})
        case RaiseHand(data=data):
            request = await raise_hand(service, principal, data)
            return Envelope(type="ack", data={"in_reply_to": message.id, "request_id": request.id})
        case PanelEvent(data=data):
            record_id = await record_panel_event(service, principal, data)
            if message.id:
                return Envelope(type="ack", data={"in_reply_to": message.id, "record_id": record_id})
        case Ping():
            return Envelope(type="pong", data={"in_reply_to": message.id})
    return None
