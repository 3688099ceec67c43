"""The learned policy against the world's ground truth: true value of each policy on held-out history.

``models`` estimates policy values from logged data alone (IPS/DR); only the simulator knows the true
outcome model, so this comparison lives here (``simulator`` may import ``models``). The oracle takes the
argmax of the true value; regret = oracle value - policy value. Evaluated on fresh journeys (a history the
model never saw, drawn by the same logging policy), the IPS and DR intervals should hold the true values:
the logged reward of an action has the truth's value as its expectation.

Policies are scored as served: each test contact passes through the service's context adapter
(``TrainedModels.as_served``), so a fact the live service would not know is unknown to the policy too,
while the truth judges the action on everything the world knows (``bench/serving_skew.py`` compares with
a model trained and scored on history as logged).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.catalog import Catalog, load_catalog
from models.report import logged_policy_values, policy_actions
from models.training import TrainedModels
from simulator.world.behaviour import LoggingPolicy, playbook_actions
from simulator.world.catalog import ACTIONS
from simulator.world.truth import action_values

__all__ = ["Z_95", "PolicyRow", "policy_table", "render_table"]


Z_95 = 1.959964
"""Half-width of a two-sided 95 % normal interval, in standard errors."""


@dataclass(frozen=True, slots=True)
class PolicyRow:
    policy: str
    true_value: float
    regret: float
    ips: float | None
    dr: float | None
    ips_stderr: float | None = None
    dr_stderr: float | None = None

    def covers_truth(self, z: float = Z_95) -> dict[str, bool]:
        """Whether each estimate's interval (estimate ± z standard errors) holds the true value."""
        return {name: abs(estimate - self.true_value) <= z * stderr
                for name, estimate, stderr in (("ips", self.ips, self.ips_stderr), ("dr", self.dr, self.dr_stderr))
                if estimate is not None and stderr is not None}


def policy_table(models: TrainedModels, test: pd.DataFrame, catalog: Catalog | None = None,
                 logging_policy: LoggingPolicy | None = None) -> list[PolicyRow]:
    """True value as served, regret to the oracle and the off-line estimates (on the served contexts) of
    every policy on ``test`` (history as logged)."""
    catalog = catalog or load_catalog()
    truth = action_values(test)
    col = {a: i for i, a in enumerate(ACTIONS)}
    rows = np.arange(len(test))

    def true_value(actions: np.ndarray) -> float:
        return float(truth[rows, [col[str(a)] for a in actions]].mean())

    served = models.as_served(test)
    policies = policy_actions(models, served, catalog)
    policies["playbook (simulator's habit, no noise)"] = playbook_actions(test)
    estimates = {row["policy"]: row for row in logged_policy_values(models, served, catalog, policies)}
    oracle = float(truth.max(axis=1).mean())
    logging = float(((logging_policy or LoggingPolicy()).propensities(test) * truth).sum(axis=1).mean())
    table = [PolicyRow("oracle (true argmax)", oracle, 0.0, None, None)]
    for name, actions in policies.items():
        value = true_value(actions)
        est = estimates.get(name, {})
        table.append(PolicyRow(name, value, oracle - value, est.get("ips"), est.get("dr"), est.get("ips_stderr"),
                               est.get("stderr")))
    on_policy = estimates["logging (on-policy mean)"]
    table.append(PolicyRow("logging policy", logging, oracle - logging, on_policy["ips"], on_policy["dr"],
                           on_policy["ips_stderr"], on_policy["stderr"]))
    return sorted(table, key=lambda r: -r.true_value)


def render_table(table: list[PolicyRow]) -> str:
    """The table as Markdown; estimates carry their 95 % interval (± 1.96 standard errors)."""

    def estimate(value: float | None, stderr: float | None) -> str:
        if value is None:
            return ""
        return f"{value:.4f}" if stderr is None else f"{value:.4f} ± {Z_95 * stderr:.4f}"

    lines = ["| policy | true value as served | regret to oracle | IPS estimate (95 % CI) | DR estimate (95 % CI) |",
             "|---|---:|---:|---:|---:|"]
    for r in table:
        lines.append(f"| {r.policy} | {r.true_value:.4f} | {r.regret:.4f} | {estimate(r.ips, r.ips_stderr)} "
                     f"| {estimate(r.dr, r.dr_stderr)} |")
    return "\n".join(lines) + "\n"
