"""Payloads of the trainer API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema
from pydantic.config import JsonDict

from simulator.practice import WEIGHTS

AgentId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
ScenarioName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
"""A library scenario (``GET /v1/practice/scenarios``) or one a trainer built; the service refuses others with
``unknown_scenario`` and the list."""
_UNIQUE: JsonDict = {"uniqueItems": True}
"""Documented; the service refuses a repeat with ``duplicate_scenario`` / ``duplicate_trainee``."""


def _json_integer(value: object) -> object:
    """JSON Schema's ``integer`` (``2.0`` too), never ``true`` or ``"3"``, which pydantic's lax mode accepts."""
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON integer")
    return value


class RunCreate(BaseModel):
    """A cohort run: every trainee plays every scenario, one at a time, in the order given."""

    name: str = Field(min_length=1, max_length=200)
    scenarios: list[ScenarioName] = Field(min_length=1, max_length=20, json_schema_extra=_UNIQUE)
    trainees: list[AgentId] = Field(default_factory=list, max_length=100, json_schema_extra=_UNIQUE)
    seed: Annotated[int, Field(ge=0, le=2**31 - 1), BeforeValidator(_json_integer)] | None = None
    """Same seed, same scenario, same trainee behaviour -> same customer; random when omitted."""
    weights: dict[Annotated[str, WithJsonSchema({"type": "string", "enum": list(WEIGHTS)})],
                  Annotated[float, Field(ge=0, le=100)]] | None = Field(
        default=None, examples=[dict(WEIGHTS, communication=0.3, handle_time=0.0, guidance_use=0.05)])
    """The trainer's rubric: a weight for every criterion (scaled to sum to 1); the default rubric when omitted.
    Refused with ``invalid_weights`` if a criterion is missing or unknown, or all are zero."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Week 1 escalations", "scenarios": ["angry_billing_dispute"], "trainees": ["A1", "A2"], "seed": 7}]})


class AssignRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"trainees": ["A3"]}]})

    trainees: list[AgentId] = Field(min_length=1, max_length=100, json_schema_extra=_UNIQUE)


class TriggerView(BaseModel):
    when: str
    reaction: str
    threshold: float


class ScenarioView(BaseModel):
    name: str
    title: str
    reason: str
    channel: str
    persona: str
    summary: str
    goal: str
    temperament: str
    start_mood: float
    patience: int
    target_seconds: float
    resolves: list[str]
    forbidden: dict[str, str]
    requires_verification: bool
    triggers: list[TriggerView]


class LogLine(BaseModel):
    """One entry of a session's log as a trainer watches it."""

    seq: int
    source: str
    """trainee, customer or guidance."""
    kind: str
    at: float
    text: str = ""
    action: str | None = None
    verdict: str | None = None
    outcome: str | None = None
    mood: float | None = None


class PracticeSessionView(BaseModel):
    id: str
    session_id: str | None
    trainee_id: str
    scenario: str
    position: int
    status: str
    seed: int
    mood: float | None
    """The customer's mood now (after their latest turn); None before they spoke."""
    outcome: str | None
    score: float | None
    log: list[LogLine]


class RunView(BaseModel):
    id: str
    name: str
    created_by: str
    created_at: datetime
    seed: int
    weights: dict[str, float]
    """The rubric this run's debriefs use (the trainer's, scaled to sum to 1, or the default)."""
    status: str
    scenarios: list[str]
    trainees: list[str]
    sessions: list[PracticeSessionView]


class RunSummary(BaseModel):
    id: str
    name: str
    created_by: str
    created_at: datetime
    status: str
    scenarios: list[str]


class DebriefView(BaseModel):
    id: str
    session_id: str | None
    trainee_id: str
    scenario: str
    debrief: dict[str, Any]
    """Score, rubric (name, weight, score, points, note), turning points, outcome, mood trajectory."""


class ReplayCheck(BaseModel):
    """A stored session re-run from its inputs: ``matches`` when every customer turn, mood and the score agree."""

    id: str
    matches: bool
    differences: list[str]
    debrief: dict[str, Any]


class HistoryEntry(BaseModel):
    """One finished practice session of a trainee."""

    id: str
    run_id: str
    run_name: str
    scenario: str
    ended_at: datetime | None
    score: float | None
    outcome: str | None
    criteria: dict[str, float]
    """Each rubric criterion's 0..1 score."""


class ScenarioProgress(BaseModel):
    """A trainee's scores on one scenario over time."""

    scenario: str
    runs: int
    first: float
    latest: float
    best: float
    change: float
    """latest - first."""


class TraineeHistory(BaseModel):
    """A trainee's finished practice sessions, oldest first, and their progress per scenario."""

    trainee_id: str
    sessions: list[HistoryEntry]
    progress: list[ScenarioProgress]


class RubricView(BaseModel):
    """The default rubric: each criterion's weight (summing to 1); a run may carry its own."""

    weights: dict[str, float]


class FromJourneyRequest(BaseModel):
    """Build a practice scenario from a real closed journey (the customer's words masked)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"journey_id": "J-7f3a9c", "name": "double_charge_march"}]})

    journey_id: str = Field(min_length=1, max_length=64)
    name: ScenarioName | None = None
    """Defaults to ``journey_`` and the journey id."""
