"""Experiment payloads: what a supervisor asks for, what is stored and listed, and the results per arm."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assist.adoption.schemas import RateInterval

__all__ = ["Arm", "ArmComparison", "ArmKind", "ArmResult", "Difference", "ExperimentCreate", "ExperimentResults",
           "ServedArm",
           "ExperimentView", "MeanInterval", "Unit"]

ArmKind = Literal["model_version", "model", "rules", "off"]
"""model_version: one registered version, whatever is promoted; model: the promoted model (as served outside
experiments); rules: the rule-based guidance; off: a hold-out whose panel gets the context card, no prompts."""
Unit = Literal["agent", "contact"]
Status = Literal["scheduled", "running", "ended", "stopped"]

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\- ]*$"


class Arm(BaseModel):
    """One arm: what serves it and its share of the units (weights are relative: 1 and 3 give 25 % / 75 %)."""

    name: str = Field(min_length=1, max_length=64, pattern=_NAME)
    kind: ArmKind
    model_version: str | None = Field(default=None, min_length=1, max_length=96,
                                      description="the registered version, for kind model_version only")
    weight: float = Field(default=1.0, gt=0, le=1000, allow_inf_nan=False)
    control: bool = Field(default=False, description="the arm the others are compared with (default: the first)")

    @model_validator(mode="after")
    def _version_iff_pinned(self) -> Arm:
        if self.kind == "model_version" and self.model_version is None:
            raise ValueError("an arm of kind model_version names its model_version")
        if self.kind != "model_version" and self.model_version is not None:
            raise ValueError(f"an arm of kind {self.kind} takes no model_version")
        return self


class ExperimentCreate(BaseModel):
    """A new experiment; it runs from ``start_at`` (default now) until ``end_at`` or until stopped."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "rules vs model on refunds", "unit": "contact", "queue": "refund",
        "arms": [{"name": "rules", "kind": "rules", "weight": 1, "control": True},
                 {"name": "model", "kind": "model", "weight": 1},
                 {"name": "hold-out", "kind": "off", "weight": 0.5}],
        "end_at": "2027-01-31T00:00:00Z"}]})

    name: str = Field(min_length=1, max_length=128)
    unit: Unit = Field(description="agent: all of an agent's contacts in one arm; contact: each contact drawn")
    queue: str | None = Field(default=None, min_length=1, max_length=64,
                              description="only contacts of this routing queue (contact reason); none for all")
    arms: list[Arm] = Field(min_length=2, max_length=8)
    start_at: datetime | None = None
    end_at: datetime | None = None

    @model_validator(mode="after")
    def _arms_make_sense(self) -> ExperimentCreate:
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names):
            raise ValueError("arm names must differ")
        if sum(a.control for a in self.arms) > 1:
            raise ValueError("at most one arm is the control")
        served = [(a.kind, a.model_version) for a in self.arms]
        if len(set(served)) != len(served):
            raise ValueError("two arms serve the same guidance: nothing to compare")
        return self


class ExperimentView(BaseModel):
    id: str
    name: str
    unit: Unit
    queue: str | None
    arms: list[Arm]
    status: Status
    """running between start and end; scheduled before start; ended after end; stopped by hand."""
    start_at: datetime
    end_at: datetime | None
    created_at: datetime
    created_by: str
    stopped_at: datetime | None
    stopped_by: str | None


class MeanInterval(BaseModel):
    """A mean with its 95 % t interval (None with fewer than two values)."""

    n: int
    mean: float | None
    sd: float | None
    low: float | None
    high: float | None


class ArmResult(BaseModel):
    arm: str
    kind: ArmKind
    model_version: str | None
    control: bool
    contacts: int
    """Closed contacts served under this arm (live work only)."""
    resolution: RateInterval
    csat: MeanInterval
    handle_seconds: MeanInterval
    prompts: int


class Difference(BaseModel):
    """This arm minus the control, with its 95 % interval (None when either side lacks data)."""

    value: float | None
    low: float | None
    high: float | None
    method: Literal["newcombe", "welch"]
    significant: bool
    """The interval excludes 0."""


class ArmComparison(BaseModel):
    arm: str
    versus: str
    resolution: Difference
    csat: Difference
    handle_seconds: Difference
    detect: float | None
    """The resolution difference the sample size is for: the stated minimum, else the observed one."""
    needed_per_arm: int | None
    """Contacts per arm to detect ``detect`` at the report's alpha and power (two-proportion formula)."""
    underpowered: bool
    warning: str | None


class ExperimentResults(BaseModel):
    experiment: ExperimentView
    generated_at: datetime
    alpha: float
    power: float
    arms: list[ArmResult]
    comparisons: list[ArmComparison]
    note: str


class ServedArm(BaseModel):
    """The arm a live session is served under, kept on the session (``SessionState.experiment``) from accept to
    close: an experiment stopped meanwhile does not change guidance in the middle of a contact."""

    experiment_id: str
    arm: str
    kind: ArmKind
    model_version: str | None = None
