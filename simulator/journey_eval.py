"""Policies deployed over whole journeys of the world: what each does to a customer's journey, not to one contact.

The one-step tables (``simulator.policy_eval``, ``models.outcome_table``) value the action of one contact; a
verification there is worth little, since it resolves nothing by itself. A center lives with journeys: the
verification enables the account action of the same session, a callback brings the customer back on the
phone, an unresolved contact comes back later. Here each policy chooses every contact's action while the
world steps its journeys (``simulator.world.history.deploy_journeys``: the history's own stepping, not a
second simulator), and the truth draws each outcome. Per journey:

* resolved: its last contact resolved it; churned, escalated: at any contact;
* CSAT: the survey of its last contact (how the customer leaves);
* cost: the sum of its actions' costs; contacts: how many it took;
* value: ``resolved + CSAT/5 - churned - 0.25 escalated - cost``, the reward's weights on the journey.

Every policy meets the same journeys (same customers, reasons, first contexts and, at the first contact, the
same random numbers), so a policy's difference from the reference is the mean of per-journey differences
(paired); journeys are independent, so the 95 % intervals are the usual mean ± 1.96 standard errors.
Model policies see each contact as served (``TrainedModels.as_served``); the one-step oracle knows everything
and maximises the contact's true value, which is not the journey's best (it never verifies first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.catalog import Catalog, load_catalog
from models.features import feature_matrix
from models.outcome_table import OutcomeEstimate
from models.rule_policy import rule_actions
from models.scorer import Scorer, first_actions
from models.training import TrainedModels
from simulator.world.catalog import ACTIONS
from simulator.world.history import deploy_journeys
from simulator.world.truth import ESCALATION_WEIGHT, oracle_actions, outcome_table
from simulator.world.world import World

__all__ = ["JOURNEY_OUTCOMES", "Chooser", "DeployedPolicy", "journey_outcomes", "journey_table", "model_policies"]

JOURNEY_OUTCOMES: tuple[str, ...] = ("resolved", "csat", "churned", "escalated", "cost", "contacts", "value")

Chooser = Callable[[pd.DataFrame], np.ndarray]
"""A policy over history rows: one action id per row of a frame of contexts as logged."""

_A = {a: i for i, a in enumerate(ACTIONS)}


@dataclass(frozen=True, slots=True)
class DeployedPolicy:
    """A deterministic ``Chooser`` in the world's ``ActionPolicy`` shape (propensity 1, draws nothing)."""

    name: str
    choose: Chooser

    def sample(self, contexts: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        chosen = np.asarray(self.choose(contexts), dtype=object)
        return np.array([_A[str(a)] for a in chosen], dtype=np.int64), np.ones(len(chosen))


def model_policies(models: TrainedModels, catalog: Catalog | None = None, *, oracle: bool = True
                   ) -> dict[str, Chooser]:
    """The report's policies as choosers of contexts as logged: model and baseline policies, and the rules,
    see each contact as served; ``oracle`` adds the one-step oracle (the truth's argmax on everything)."""
    catalog = catalog or load_catalog()
    scorer = Scorer(models, catalog)

    def served(frame: pd.DataFrame) -> pd.DataFrame:
        return models.as_served(frame)

    def baseline(guarded: bool) -> Chooser:
        def choose(frame: pd.DataFrame) -> np.ndarray:
            seen = served(frame)
            values = models.baseline.values(feature_matrix(seen), seen["refund_amount"].to_numpy(np.float64), catalog)
            return first_actions(values, catalog.ids, seen, catalog if guarded else None)
        return choose

    policies: dict[str, Chooser] = {
        "learned": lambda frame: scorer.choose(served(frame), guarded=False),
        "learned + guardrails": lambda frame: scorer.choose(served(frame)),
        "logistic baseline": baseline(False),
        "logistic baseline + guardrails": baseline(True),
        "rules": lambda frame: rule_actions(served(frame)),
    }
    if oracle:
        policies["one-step oracle (knows everything)"] = oracle_actions
    return policies


def journey_outcomes(contacts: pd.DataFrame) -> pd.DataFrame:
    """One row per journey of ``deploy_journeys``' contacts (indexed by journey id, sorted): its outcomes."""
    truth = outcome_table(contacts)
    action = np.array([_A[str(a)] for a in contacts["action"]], dtype=np.int64)
    frame = pd.DataFrame({
        "journey_id": contacts["journey_id"].to_numpy(dtype=object),
        "resolved": contacts["resolved"].to_numpy(dtype=np.float64),
        "csat": contacts["csat"].to_numpy(dtype=np.float64, na_value=np.nan),
        "churned": contacts["churned"].to_numpy(dtype=np.float64),
        "escalated": contacts["escalated"].to_numpy(dtype=np.float64),
        "cost": truth.cost[np.arange(len(contacts)), action],
    })
    by = frame.groupby("journey_id", sort=True)
    out = pd.DataFrame({"resolved": by["resolved"].last(), "csat": by["csat"].last(),
                        "churned": by["churned"].max(), "escalated": by["escalated"].max(),
                        "cost": by["cost"].sum(), "contacts": by.size().astype(np.float64)})
    out["value"] = (out["resolved"] + out["csat"] / 5 - out["churned"] - ESCALATION_WEIGHT * out["escalated"]
                    - out["cost"])
    return out


def journey_table(world: World | int, n_journeys: int, policies: dict[str, Chooser], *, seed: int | None = None,
                  reference: str = "rules") -> list[OutcomeEstimate]:
    """Each policy deployed over the same ``n_journeys`` fresh journeys of ``world`` (history stream ``seed``):
    per ``JOURNEY_OUTCOMES`` the mean with its standard error and the paired difference from ``reference``
    (a key of ``policies``; KeyError otherwise) with its standard error."""
    if reference not in policies:
        raise KeyError(reference)
    per_journey = {name: journey_outcomes(deploy_journeys(world, n_journeys, DeployedPolicy(name, choose), seed=seed))
                   for name, choose in policies.items()}
    base = per_journey[reference]
    out = []
    for name, journeys in per_journey.items():
        for outcome in JOURNEY_OUTCOMES:
            x = journeys[outcome].to_numpy()
            d = x - base[outcome].to_numpy()
            out.append(OutcomeEstimate(name, outcome, float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x))),
                                       float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))))
    return out
