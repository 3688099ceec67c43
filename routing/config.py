"""Queues as an operator writes them: a YAML file of queue policies, validated before anything routes by it.

```yaml
max_misses: 3                      # missed offers before an agent is set away (optional)
queues:
  sales:
    group: sales                   # the queue's agent pool (omit: every agent)
    required_skills: {sales: 2}    # every contact of the queue needs these on top of its own
    offer_timeout_seconds: 15      # accept timeout
    sticky_seconds: 30             # the customer's last agent wins this long after arrival
    sticky_hold: true
    steps:                         # relaxation, by strictly increasing after_seconds
      - {after_seconds: 30, proficiency_delta: 1}
      - {after_seconds: 60, drop_preferred: true}
      - {after_seconds: 90, overflow_group: overflow}
```

A ``default`` queue is added when the file has none (contacts that name no queue go there). ``load_routing_config``
raises ``RoutingConfigError`` naming every problem, so a bad file stops the service at start rather than
misrouting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from routing.engine import MAX_PROFICIENCY, AgentStatus, QueuePolicy, RelaxationStep
from routing.schemas import NAMED_KEYS, JsonInteger, JsonNumber, Level, Name

__all__ = ["QueueFile", "RoutingConfigError", "RoutingFile", "load_routing_config", "load_routing_file"]



@dataclass(frozen=True, slots=True)
class RoutingConfig:
    """Queue policies by name (a contact names its queue) and service-wide limits."""

    policies: Mapping[str, QueuePolicy] = field(default_factory=lambda: {"default": QueuePolicy()})
    max_misses: int = 3
    new_agent_status: AgentStatus = AgentStatus.AWAY
    tick_seconds: float = 0.25
    dispatch_depth: int = 500
    max_attempts: int = 4
    resync_seconds: float = 30.0


class RoutingConfigError(ValueError):
    """The routing configuration file cannot be read or is invalid; the message says where and why."""


class _Strict(BaseModel):
    """No unknown field, and JSON's types as they are: ``0`` is not ``false``, ``"3"`` is not ``3``."""

    model_config = ConfigDict(extra="forbid")


class StepFile(_Strict):
    after_seconds: Annotated[float, Field(ge=0, le=86400), JsonNumber]
    proficiency_delta: Annotated[int, Field(ge=0, le=MAX_PROFICIENCY - 1), JsonInteger] = 0
    drop_preferred: StrictBool = False
    overflow_group: Name | None = None


class QueueFile(_Strict):
    group: Name | None = None
    required_skills: dict[Name, Level] = Field(default_factory=dict, json_schema_extra=NAMED_KEYS)
    offer_timeout_seconds: Annotated[float, Field(gt=0, le=3600), JsonNumber] = 20.0
    sticky_seconds: Annotated[float, Field(ge=0, le=86400), JsonNumber] = 0.0
    sticky_hold: StrictBool = True
    handle_seconds: Annotated[float, Field(gt=0, le=86400), JsonNumber] = 300.0
    idle_half_seconds: Annotated[float, Field(gt=0, le=86400), JsonNumber] = 60.0
    explain_limit: Annotated[int, Field(ge=1, le=50), JsonInteger] = 5
    steps: list[StepFile] = Field(default_factory=list, max_length=20)

    def problems(self) -> list[str]:
        """What the schema cannot say: relaxation steps must fall due one after another."""
        times = [step.after_seconds for step in self.steps]
        if any(b <= a for a, b in zip(times, times[1:], strict=False)):
            return ["steps must have strictly increasing after_seconds"]
        return []

    def policy(self, name: str) -> QueuePolicy:
        return QueuePolicy(
            name=name, group=self.group, sticky_seconds=self.sticky_seconds, sticky_hold=self.sticky_hold,
            offer_timeout_seconds=self.offer_timeout_seconds, handle_seconds=self.handle_seconds,
            idle_half_seconds=self.idle_half_seconds, explain_limit=self.explain_limit,
            required_skills=tuple(sorted(self.required_skills.items())),
            steps=tuple(RelaxationStep(s.after_seconds, s.proficiency_delta, s.drop_preferred, s.overflow_group)
                        for s in self.steps))


class RoutingFile(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "max_misses": 3,
        "queues": {"sales": {"group": "sales", "required_skills": {"sales": 2}, "offer_timeout_seconds": 15,
                             "sticky_seconds": 30, "steps": [{"after_seconds": 30, "proficiency_delta": 1},
                                                             {"after_seconds": 60, "drop_preferred": True}]}}}]})

    queues: dict[Name, QueueFile] = Field(default_factory=dict, json_schema_extra=NAMED_KEYS)
    max_misses: Annotated[int, Field(ge=1, le=100), JsonInteger] = 3

    def problems(self) -> list[str]:
        """Every rule a schema-valid document still breaks, with its place (``queues.sales.steps: ...``)."""
        return [f"queues.{name}.steps: {problem}" for name, queue in sorted(self.queues.items())
                for problem in queue.problems()]

    def config(self) -> RoutingConfig:
        """The service's configuration; a ``default`` queue with the engine's defaults when none is named."""
        queues = {"default": QueueFile(), **self.queues}
        return RoutingConfig(policies={name: queue.policy(name) for name, queue in queues.items()},
                             max_misses=self.max_misses)


def load_routing_file(path: Path) -> RoutingFile:
    """The routing configuration document in the YAML file at ``path``. Raises RoutingConfigError (unreadable, not
    YAML, or invalid: every problem with its place, e.g. ``queues.sales.steps``)."""
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise RoutingConfigError(f"routing configuration {path}: {exc}") from exc
    try:
        parsed = RoutingFile.model_validate(document or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors())
        raise RoutingConfigError(f"routing configuration {path} is invalid: {problems}") from exc
    if broken := parsed.problems():
        raise RoutingConfigError(f"routing configuration {path} is invalid: {'; '.join(broken)}")
    return parsed


def load_routing_config(path: Path) -> RoutingConfig:
    """``load_routing_file(path)`` as the service's configuration. Raises RoutingConfigError."""
    return load_routing_file(path).config()
