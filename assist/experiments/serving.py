"""Serving an experiment's arms: which provider guides a session, chosen once when the contact is accepted.

The arm is drawn at accept (``assign``: the running experiment of the contact's queue, then the stable hash of
the agent or the contact) and kept on the session, so every event of the contact, on any worker, is guided by
the same arm. A contact's unit id is its journey: a transfer or a call back on another channel stays in its
arm. Practice contacts are never in an experiment.

Providers: ``model`` is the service's own guidance (the promoted model, rules as fallback); ``rules`` is the
same minus the model; ``model_version`` a ``ModelGuidance`` with that version's scorer, loaded once per worker
(``prepare``; a version that cannot be loaded answers with rules, flagged degraded, as the promoted one would);
``off`` is no provider at all: the panel gets the context card and no prompts.
"""

from __future__ import annotations

import asyncio
import logging

from sqlmodel.ext.asyncio.session import AsyncSession

from assist.experiments.assignment import arm_for
from assist.experiments.schemas import ServedArm
from assist.experiments.service import arms_of, running_for
from assist.guidance.interface import GuidanceProvider
from assist.guidance.model import ModelGuidance
from assist.guidance.registry import ModelRegistry
from assist.guidance.tables import ModelVersion

log = logging.getLogger(__name__)

__all__ = ["ArmServing"]


class ArmServing:
    def __init__(self, guidance: ModelGuidance, registry: ModelRegistry) -> None:
        self.guidance = guidance
        self.registry = registry
        self.rules = self._like(None, expected=False)
        self._versions: dict[str, ModelGuidance] = {}
        self._loading: dict[str, asyncio.Lock] = {}

    def _like(self, scorer: object, expected: bool) -> ModelGuidance:
        """A provider serving like the main one (knowledge, checklists, exploration) with another scorer."""
        g = self.guidance
        return ModelGuidance(g.fallback, scorer, expected=expected, knowledge=g.knowledge,  # type: ignore[arg-type]
                             checklists=g.checklists, suggestions=g.suggestions, exploration=g.exploration,
                             rng=g.rng, memo_journeys=g.memo.journeys)

    async def assign(self, s: AsyncSession, *, practice: bool, queue: str, agent_id: str,
                     contact_id: str) -> ServedArm | None:
        """The arm a contact accepted now is served under (None outside any experiment)."""
        if practice:
            return None
        experiment = await running_for(s, queue)
        if experiment is None:
            return None
        unit_id = agent_id if experiment.unit == "agent" else contact_id
        arm = arm_for(experiment.id, unit_id, arms_of(experiment))
        served = ServedArm(experiment_id=experiment.id, arm=arm.name, kind=arm.kind, model_version=arm.model_version)
        await self.prepare(served)
        return served

    async def prepare(self, served: ServedArm | None) -> None:
        """Load the arm's model version in this worker if it is not loaded yet (a dictionary look-up when it is)."""
        if served is None or served.kind != "model_version" or served.model_version is None:
            return
        version = served.model_version
        if version in self._versions:
            return
        async with self._loading.setdefault(version, asyncio.Lock()):
            if version not in self._versions:
                self._versions[version] = await self._load(version)

    async def _load(self, version: str) -> ModelGuidance:
        from models.scorer import Scorer

        try:
            async with self.registry.db.session() as s:
                row = await s.get(ModelVersion, version)
            if row is None:
                raise FileNotFoundError(f"model version {version} is not registered")
            scorer = await asyncio.to_thread(Scorer.load, self.registry.path_of(row))
        except Exception as exc:  # noqa: BLE001 - the arm is then served by rules, flagged degraded
            log.error("experiment arm's model cannot be loaded; rules answer (degraded)",
                      extra={"model_version": version, "error": str(exc)})
            return self._like(None, expected=True)
        return self._like(scorer, expected=True)

    def provider(self, served: ServedArm | None) -> GuidanceProvider | None:
        """Who guides a session under ``served``: None for the hold-out (no prompts)."""
        if served is None or served.kind == "model":
            return self.guidance
        if served.kind == "off":
            return None
        if served.kind == "rules":
            return self.rules
        assert served.model_version is not None  # noqa: S101 - Arm's validator requires it for this kind
        return self._versions.get(served.model_version) or self._like(None, expected=True)
