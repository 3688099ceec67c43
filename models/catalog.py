"""The action catalog: what an agent can be prompted to do, with preconditions, policy limits and cost.

The catalog is data (``catalog.json`` shipped in the package) so a contact center changes its actions and
policies without touching code. Action ids are the history schema's ids (``simulator.world.catalog``), so
logged history and served prompts speak the same vocabulary; ``reward`` turns logged outcomes into the
scalar the models learn, with the same weights the business uses to judge a policy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DEFAULT_CATALOG", "ActionSpec", "Catalog", "load_catalog"]

DEFAULT_CATALOG = Path(__file__).with_name("catalog.json")


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action: how the panel names it, what must hold before it, and what it costs the business."""

    id: str
    title: str
    text: str
    kind: str
    """service, money, marketing, handoff or close; guardrails act on kinds (marketing needs consent)."""
    preconditions: tuple[str, ...] = ()
    consent: str | None = None
    consent_exempt_reasons: tuple[str, ...] = ()
    """Contact reasons where the customer asked for the offer themselves, so consent is not needed."""
    upsell: bool = False
    refund_band: tuple[float, float | None] | None = None
    short: str = ""
    """How a reason names it: "tenure 7 yrs raises a retention offer"."""
    cost: Mapping[str, float] = field(default_factory=dict)

    def cost_of(self, refund_amount: np.ndarray | float) -> np.ndarray:
        """Business cost of taking this action, in reward units, for each refund amount."""
        amount = np.asarray(refund_amount, dtype=np.float64)
        cost = np.full(amount.shape, float(self.cost.get("fixed", 0.0)))
        rate = self.cost.get("per_amount")
        if rate:
            base = np.maximum(amount, float(self.cost.get("amount_floor", 0.0)))
            cap = self.cost.get("amount_cap")
            if cap is not None:
                base = np.minimum(base, float(cap))
            cost = cost + rate * base
        return cost


@dataclass(frozen=True, slots=True)
class Catalog:
    actions: tuple[ActionSpec, ...]
    policy: Mapping[str, Any]
    reward_weights: Mapping[str, float]
    version: str = ""

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actions)

    def __getitem__(self, action_id: str) -> ActionSpec:
        for spec in self.actions:
            if spec.id == action_id:
                return spec
        raise KeyError(action_id)

    def __contains__(self, action_id: object) -> bool:
        return any(spec.id == action_id for spec in self.actions)

    def costs(self, actions: np.ndarray, refund_amount: np.ndarray) -> np.ndarray:
        """Cost of ``actions[i]`` (ids) given ``refund_amount[i]``; raises KeyError on an unknown id."""
        actions = np.asarray(actions, dtype=object)
        amount = np.asarray(refund_amount, dtype=np.float64)
        out = np.zeros(len(actions))
        for spec in self.actions:
            mask = actions == spec.id
            if mask.any():
                out[mask] = spec.cost_of(amount[mask])
        unknown = ~np.isin(actions, list(self.ids))
        if unknown.any():
            raise KeyError(f"unknown action {actions[unknown][0]!r}")
        return out

    def reward(self, resolved: np.ndarray, csat: np.ndarray, churned: np.ndarray, escalated: np.ndarray,
               actions: np.ndarray, refund_amount: np.ndarray) -> np.ndarray:
        """The scalar outcome a policy is judged by: resolution + CSAT - churn - escalation - cost.

        ``csat`` must already be filled (1..5); see ``models.outcomes.fill_csat`` for missing surveys.
        """
        w = self.reward_weights
        total: np.ndarray = (w["resolved"] * np.asarray(resolved, dtype=np.float64)
                + w["csat_per_point"] * np.asarray(csat, dtype=np.float64)
                + w["churned"] * np.asarray(churned, dtype=np.float64)
                + w["escalated"] * np.asarray(escalated, dtype=np.float64)
                - self.costs(actions, refund_amount))
        return total


def _spec(raw: Mapping[str, Any]) -> ActionSpec:
    band = raw.get("refund_band")
    return ActionSpec(
        id=str(raw["id"]), title=str(raw["title"]), text=str(raw["text"]), kind=str(raw["kind"]),
        preconditions=tuple(raw.get("preconditions", ())), consent=raw.get("consent"),
        consent_exempt_reasons=tuple(raw.get("consent_exempt_reasons", ())), upsell=bool(raw.get("upsell", False)),
        refund_band=(float(band[0]), None if band[1] is None else float(band[1])) if band else None,
        cost={k: float(v) for k, v in raw.get("cost", {}).items()}, short=str(raw.get("short", raw["id"])),
    )


@lru_cache(maxsize=8)
def load_catalog(path: str | Path = DEFAULT_CATALOG) -> Catalog:
    """The catalog in ``path`` (default: the packaged one). Raises ValueError on duplicate or missing ids."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    actions = tuple(_spec(a) for a in raw["actions"])
    ids = [a.id for a in actions]
    if len(set(ids)) != len(ids):
        raise ValueError("catalog has duplicate action ids")
    policy = raw.get("policy", {})
    for key in ("supervisor_action", "verify_action"):
        if policy.get(key) not in ids:
            raise ValueError(f"catalog policy {key} names no catalog action")
    return Catalog(actions=actions, policy=policy, reward_weights=raw["reward"], version=str(raw.get("version", "")))
