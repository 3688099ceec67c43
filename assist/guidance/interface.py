"""The contract between the stream and whatever produces prompts (rules, or a LightGBM model with SHAP)."""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from assist.customers.schemas import CustomerView
from assist.ids import new_id
from assist.journeys.state import JourneyState, Turn
from models.language.temperament_memory import Detection


class Reason(BaseModel):
    """One plain-language reason: which fact pushed the suggestion, which way, and how hard."""

    feature: str
    text: str
    direction: Literal["raises", "lowers"] = "raises"
    weight: float = 1.0
    versus: str | None = None
    """Set on a contrastive reason: the runner-up action the shown one beats (``raises``) or loses to on
    this fact (``lowers``); None for a reason about the shown action alone (then not serialised, so rule
    prompts and stored records keep their shape)."""

    @model_serializer(mode="wrap")
    def _versus_only_when_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("versus") is None:
            data.pop("versus", None)
        return data


class ArticleSuggestion(BaseModel):
    """A knowledge article worth opening now; ``matched_terms`` say why it was found."""

    id: str
    title: str
    score: float
    matched_terms: list[str] = Field(default_factory=list)


class ChecklistItem(BaseModel):
    """One step the agent must cover for this contact reason, ticked when the journey shows it done."""

    id: str
    label: str
    done: bool = False
    evidence: str | None = None


class Prompt(BaseModel):
    id: str = Field(default_factory=lambda: new_id("P-"))
    action: str
    title: str
    text: str
    confidence: float = Field(ge=0.0, le=1.0)
    reasons: list[Reason] = Field(default_factory=list)
    source: Literal["rules", "model"] = "rules"
    model_version: str | None = None
    guardrails: list[str] = Field(default_factory=list)
    """Each guardrail that changed this prompt, in words (e.g. refund above your limit -> ask approval)."""
    degraded: bool = False
    """True when a model should have answered but rules did (no model, or it failed)."""
    articles: list[ArticleSuggestion] = Field(default_factory=list)
    checklist: list[ChecklistItem] = Field(default_factory=list)
    propensity: float = Field(default=1.0, gt=0.0, le=1.0)
    """P(this prompt is shown in its place, for this context) under the serving policy: 1 unless exploration
    (``models.exploration``) drew it. Logged with the prompt so live data can evaluate the next model."""
    context: dict[str, Any] | None = Field(default=None, exclude=True)
    """The model's input for this decision (``journey_context``), logged with the prompt record for
    ``assist models export-live``; never sent to the panel."""


class GuidanceInput(BaseModel):
    """What guidance may look at: the journey, the customer as this agent may see them, the agent's limits."""

    journey: JourneyState
    customer: CustomerView | None
    channel: str
    agent_role: str = "agent"
    refund_limit: float = 50.0
    latest: Turn | None = None
    already_shown: frozenset[str] = frozenset()
    """Actions this agent was already prompted with on this contact: not suggested again."""
    queue: str | None = None
    """The routing queue the contact came through (the offer's reason): exploration is set per queue."""
    remembered: tuple[Detection, ...] = ()
    """The customer's earlier contacts' temperament reads (``assist.customers.temperament``; empty without
    profiling consent): the served temperament combines them with this contact's words."""


class GuidanceProvider(Protocol):
    name: str

    def evaluate(self, given: GuidanceInput) -> list[Prompt]:
        """Prompts worth showing now, best first; must be fast (it runs on every event) and pure. Each call
        returns new Prompt objects (each shown prompt is logged under its own id), which the caller may
        complete in place."""
        ...
