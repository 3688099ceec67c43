"""Every websocket message, as one pydantic model per type. docs/protocol.md documents the same set.

Envelope: ``{"type", "id", "seq", "epoch", "ts", "data"}``. Server messages that change what the panel shows
(offer, context, prompt, handoff, session_closed, status, wrapup, wrapup_saved) are durable: they carry a
per-agent increasing ``seq``, counted within an ``epoch`` (a new epoch means the numbering started over), and
are replayed on resume. ``hello`` and ``error`` answer one connection and carry neither.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, model_validator

from assist.ids import new_id

PROTOCOL_VERSION = "1.0"


class ErrorCode:
    """Machine codes of ``error`` messages; the close codes used are 1008 (policy), 1009 (too big), 1011
    (internal error) and 1013 (try again later: a slow reader, or a store down)."""

    INVALID_JSON = "invalid_json"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_MESSAGE = "invalid_message"
    UNAUTHORIZED = "unauthorized"
    OTHER_AGENT = "other_agent"
    RATE_LIMITED = "rate_limited"
    RESUME_GAP = "resume_gap"
    STORE_UNAVAILABLE = "store_unavailable"
    UNKNOWN_AGENT = "unknown_agent"
    AGENT_OFFLINE = "agent_offline"
    UNKNOWN_QUEUE = "unknown_queue"
    TRANSFER_TO_SELF = "transfer_to_self"
    DEMO_ONLY = "demo_only"
    INTERNAL_ERROR = "internal_error"


# ---- panel -> server -------------------------------------------------------------------------------

class AcceptData(BaseModel):
    offer_id: str = Field(min_length=1, max_length=64)


class DeclineData(BaseModel):
    offer_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="", max_length=200)


class StatusData(BaseModel):
    status: Literal["available", "busy", "after_contact_work", "away"]


class EventBody(BaseModel):
    """Something happened in the interaction: the customer or agent said something, or the agent acted."""

    kind: Literal["utterance", "action", "crm"]
    speaker: Literal["customer", "agent", "system"] = "agent"
    text: str = Field(default="", max_length=4000)
    action: str | None = Field(default=None, max_length=64)
    fields: dict[str, str | int | float | bool] = Field(default_factory=dict, max_length=50)


class EventData(EventBody):
    session_id: str = Field(min_length=1, max_length=64)


class PromptFeedbackData(BaseModel):
    prompt_id: str = Field(min_length=1, max_length=64)
    verdict: Literal["accepted", "dismissed"]
    reason: str = Field(default="", max_length=200)


class HandoffRequestData(BaseModel):
    """A transfer: to one agent (``to_agent``), to a queue (``to_queue``: routing picks the agent by that
    skill), or, naming neither, to another channel (the customer comes back through routing there)."""

    session_id: str = Field(min_length=1, max_length=64)
    channel: Literal["chat", "phone", "email"]
    to_agent: str | None = Field(default=None, min_length=1, max_length=64)
    to_queue: str | None = Field(default=None, min_length=1, max_length=64)
    note: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _one_target(self) -> HandoffRequestData:
        if self.to_agent is not None and self.to_queue is not None:
            raise ValueError("name to_agent or to_queue, not both")
        return self


class SimulateCustomerData(BaseModel):
    """Demo mode only: a customer line the panel posts itself, shown as simulated."""

    session_id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=1000)


class CloseData(BaseModel):
    session_id: str = Field(min_length=1, max_length=64)
    outcome: Literal["resolved", "escalated", "transferred", "abandoned", "unresolved"]
    csat: int | None = Field(default=None, ge=1, le=5)
    summary: str = Field(default="", max_length=1000)
    disposition: str | None = Field(default=None, max_length=64)
    """Given: the wrap-up is done in the same step (no ``wrapup`` form, no after-contact work)."""


class WrapUpData(BaseModel):
    """The agent's wrap-up of a closed contact: a disposition code and the summary as edited."""

    session_id: str = Field(min_length=1, max_length=64)
    disposition: str = Field(min_length=1, max_length=64)
    summary: str = Field(default="", max_length=1000)
    """Empty keeps the automatic summary."""


class ApprovalRequestData(BaseModel):
    """Ask a supervisor to approve what a guardrail refused this agent (the prompt that said so)."""

    session_id: str = Field(min_length=1, max_length=64)
    prompt_id: str = Field(min_length=1, max_length=64)


class RaiseHandData(BaseModel):
    session_id: str = Field(min_length=1, max_length=64)
    note: str = Field(default="", max_length=500)


class PanelEventData(BaseModel):
    """What the panel reports of its own use on a contact: it came into view or went out of it (the tab or
    window), a context card section was opened, a knowledge article was opened (``ref``: the section or the
    article id). Recorded for adoption analytics, off the event path (``assist.panel_use``)."""

    session_id: str = Field(min_length=1, max_length=64)
    kind: Literal["panel_visible", "panel_hidden", "card_view", "article_view"]
    ref: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9_.:-]*$")


class _Inbound(BaseModel):
    id: str | None = Field(default=None, max_length=64)


class Accept(_Inbound):
    type: Literal["accept"]
    data: AcceptData


class Decline(_Inbound):
    type: Literal["decline"]
    data: DeclineData


class Status(_Inbound):
    type: Literal["status"]
    data: StatusData


class Event(_Inbound):
    type: Literal["event"]
    data: EventData


class PromptFeedback(_Inbound):
    type: Literal["prompt_feedback"]
    data: PromptFeedbackData


class HandoffRequest(_Inbound):
    type: Literal["handoff_request"]
    data: HandoffRequestData


class DemoOfferData(BaseModel):
    """Demo mode only: offer the panel's agent a contact, as routing would."""

    reason: str = Field(default="refund", min_length=1, max_length=64, pattern=r"^[a-z_]+$")


class DemoOffer(_Inbound):
    type: Literal["demo_offer"]
    data: DemoOfferData = Field(default_factory=DemoOfferData)


class SimulateCustomer(_Inbound):
    type: Literal["simulate_customer"]
    data: SimulateCustomerData


class Close(_Inbound):
    type: Literal["close"]
    data: CloseData


class ApprovalRequest(_Inbound):
    type: Literal["approval_request"]
    data: ApprovalRequestData


class RaiseHand(_Inbound):
    type: Literal["raise_hand"]
    data: RaiseHandData


class WrapUp(_Inbound):
    type: Literal["wrapup"]
    data: WrapUpData


class PanelEvent(_Inbound):
    type: Literal["panel_event"]
    data: PanelEventData


class Ping(_Inbound):
    type: Literal["ping"]
    data: dict[str, Any] = Field(default_factory=dict)


InboundMessage = Annotated[Accept | Decline | Status | Event | PromptFeedback | HandoffRequest | SimulateCustomer
                           | DemoOffer | Close | WrapUp | ApprovalRequest | RaiseHand | PanelEvent | Ping,
                           Field(discriminator="type")]
INBOUND_TYPES = frozenset({"accept", "decline", "status", "event", "prompt_feedback", "handoff_request",
                           "simulate_customer", "demo_offer", "close", "wrapup", "approval_request", "raise_hand",
                           "panel_event", "ping"})
inbound_adapter: TypeAdapter[InboundMessage] = TypeAdapter(InboundMessage)


# ---- server -> panel -------------------------------------------------------------------------------

class Envelope(BaseModel):
    type: str
    id: str = Field(default_factory=new_id)
    seq: int | None = None
    epoch: str | None = None
    """What ``seq`` counts in: a new epoch starts over from 1 (the agent's stream expired or Redis lost it)."""
    ts: float = Field(default_factory=time.time)
    data: dict[str, Any] = Field(default_factory=dict)


def hello(agent_id: str, last_seq: int, resumed_from: int | None, epoch: str | None = None,
          demo: bool = False) -> Envelope:
    return Envelope(type="hello", data={"protocol": PROTOCOL_VERSION, "agent_id": agent_id,
                                        "server_time": time.time(), "epoch": epoch, "last_seq": last_seq,
                                        "resumed_from": resumed_from, "demo": demo})


def error(code: str, detail: str, in_reply_to: str | None = None) -> Envelope:
    return Envelope(type="error", data={"code": code, "detail": detail, "in_reply_to": in_reply_to})
