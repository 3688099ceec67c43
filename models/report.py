"""The training report: metrics (JSON and Markdown), a calibration plot and a global SHAP summary.

Everything is computed on the newest slice of the history (the test part of the time split), which the
models never saw, as the live service sees those contacts (``TrainedModels.as_served``). Policy values
here come from logged data only (IPS, SNIPS, DR); the comparison with the simulator's ground truth lives
in ``simulator.policy_eval``.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import brier_score_loss, roc_auc_score  # noqa: E402

from models.catalog import Catalog, load_catalog  # noqa: E402
from models.evaluation import doubly_robust, ips, snips  # noqa: E402
from models.explain import GROUPS, contributions, group_contributions  # noqa: E402
from models.features import FEATURES, feature_matrix  # noqa: E402
from models.outcome_table import outcome_table, render_outcome_table  # noqa: E402
from models.outcomes import rewards  # noqa: E402
from models.rule_policy import rule_actions  # noqa: E402
from models.scorer import Scorer, first_actions  # noqa: E402
from models.training import Split, TrainedModels  # noqa: E402

__all__ = ["logged_policy_values", "policy_actions", "write_report"]


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    return float(sum(abs(p[idx == b].mean() - y[idx == b].mean()) * (idx == b).mean()
                     for b in range(bins) if (idx == b).any()))


def policy_actions(models: TrainedModels, frame: pd.DataFrame, catalog: Catalog) -> dict[str, np.ndarray]:
    """The first action of each policy the report compares, for every row of ``frame``."""
    scorer = Scorer(models, catalog)
    X = feature_matrix(frame)
    base = models.baseline.values(X, frame["refund_amount"].to_numpy(dtype=np.float64), catalog)
    return {"learned": scorer.choose(frame, guarded=False), "learned + guardrails": scorer.choose(frame),
            "logistic baseline": first_actions(base, catalog.ids, frame, None),
            "logistic baseline + guardrails": first_actions(base, catalog.ids, frame, catalog),
            "rules": rule_actions(frame)}


def logged_policy_values(models: TrainedModels, frame: pd.DataFrame, catalog: Catalog,
                         policies: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """IPS, SNIPS and DR (reward model: the LightGBM value models) of each policy, plus the logging policy.

    Each row has ``stderr`` (DR's standard error) and ``ips_stderr`` (IPS's).
    """
    r = rewards(frame, catalog, models.csat_fill)
    logged = frame["action"].to_numpy(dtype=object)
    p = frame["propensity"].to_numpy(dtype=np.float64, na_value=np.nan)
    q = models.values(feature_matrix(frame))
    col = {a: i for i, a in enumerate(models.actions)}
    rows_i = np.arange(len(frame))
    q_logged = q[rows_i, [col[a] for a in logged]]
    stderr = float(r.std(ddof=1) / np.sqrt(len(r)))
    out = [{"policy": "logging (on-policy mean)", "ips": float(r.mean()), "snips": float(r.mean()),
            "dr": float(r.mean()), "stderr": stderr, "ips_stderr": stderr, "matched": len(r)}]
    for name, target in policies.items():
        q_target = q[rows_i, [col[a] for a in target]]
        e_ips, e_sn = ips(r, logged, p, target), snips(r, logged, p, target)
        e_dr = doubly_robust(r, logged, p, target, q_target, q_logged)
        out.append({"policy": name, "ips": e_ips.value, "snips": e_sn.value, "dr": e_dr.value,
                    "stderr": e_dr.stderr, "ips_stderr": e_ips.stderr, "matched": e_ips.matched})
    return out


def _calibration_plot(path: Path, curves: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "k:", label="perfect")
    edges = np.linspace(0, 1, 11)
    for name, (p, y) in curves.items():
        idx = np.clip(np.digitize(p, edges[1:-1]), 0, 9)
        xs = [p[idx == b].mean() for b in range(10) if (idx == b).sum() >= 20]
        ys = [y[idx == b].mean() for b in range(10) if (idx == b).sum() >= 20]
        ax.plot(xs, ys, "o-", label=name)
    ax.set_xlabel("predicted P(resolved)")
    ax.set_ylabel("observed resolution rate")
    ax.set_title("Calibration on the test slice")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _shap_plot(path: Path, models: TrainedModels, X: np.ndarray) -> dict[str, dict[str, float]]:
    """Mean |TreeSHAP| per context field and action, as a heatmap; returns the table."""
    sample = X[: min(len(X), 2000)]
    table = {a: group_contributions(np.abs(contributions(models.value_models[a], sample)).mean(axis=0))
             for a in models.actions}
    groups = sorted(GROUPS, key=lambda g: -sum(t[g] for t in table.values()))[:15]
    grid = np.array([[table[a][g] for a in models.actions] for g in groups])
    fig, ax = plt.subplots(figsize=(11, 6))
    im = ax.imshow(grid, aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(models.actions)), models.actions, rotation=40, ha="right")
    ax.set_yticks(range(len(groups)), groups)
    ax.set_title("Global SHAP: mean |contribution| to each action's expected value")
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return table


def _beeswarm(path: Path, models: TrainedModels, X: np.ndarray, action: str) -> None:
    """The shap package's summary plot of one action's value model (LightGBM's exact TreeSHAP values)."""
    import shap

    sample = X[: min(len(X), 1000)]
    contrib = contributions(models.value_models[action], sample)
    with warnings.catch_warnings():  # a field serving never knows is all NaN: no colour scale for it
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        shap.summary_plot(contrib[:, :-1], sample, feature_names=list(FEATURES), show=False, max_display=12)
    plt.title(f"SHAP values: expected value of {action}")
    plt.tight_layout()
    plt.savefig(path, dpi=110)
    plt.close("all")


def write_report(models: TrainedModels, split: Split, out_dir: str | Path, catalog: Catalog | None = None
                 ) -> dict[str, Any]:
    """Write ``metrics.json``, ``report.md``, ``outcomes.md`` (the policy table per outcome, with paired
    intervals against the rules), ``calibration.png`` and ``shap_summary.png``; returns the metrics."""
    catalog = catalog or load_catalog()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    test = models.as_served(split.test)
    X = feature_matrix(test)
    logged = test["action"].to_numpy(dtype=object)
    y = test["resolved"].to_numpy(dtype=np.float64)
    r = rewards(test, catalog, models.csat_fill)
    q = models.values(X)
    col = {a: i for i, a in enumerate(models.actions)}
    q_logged = q[np.arange(len(test)), [col[a] for a in logged]]
    from models.training import resolve_matrix

    raw = np.asarray(models.resolve_model.predict(resolve_matrix(X, logged, models.actions), num_threads=1))
    calibrated = models.calibrator(raw)
    lr = np.array([models.baseline.heads[a]["resolved"].predict(X[i:i + 1])[0] for i, a in enumerate(logged)])
    base_q = models.baseline.values(X, test["refund_amount"].to_numpy(dtype=np.float64), catalog)
    base_logged = base_q[np.arange(len(test)), [col[a] for a in logged]]
    policies = policy_actions(models, test, catalog)
    metrics: dict[str, Any] = {
        "rows": {"test": len(test)},
        "value_rmse": {"lightgbm": float(np.sqrt(np.mean((q_logged - r) ** 2))),
                       "logistic baseline": float(np.sqrt(np.mean((base_logged - r) ** 2))),
                       "constant": float(r.std())},
        "resolution": {
            name: {"auc": float(roc_auc_score(y, p)), "brier": float(brier_score_loss(y, p)),
                   "ece": expected_calibration_error(p, y)}
            for name, p in (("lightgbm raw", raw), ("lightgbm calibrated", calibrated), ("logistic", lr))},
        "policy_share": {name: {a: float((acts == a).mean()) for a in models.actions}
                         for name, acts in policies.items()},
        "off_policy": logged_policy_values(models, test, catalog, policies),
    }
    by_outcome = outcome_table(models, test, catalog, policies)
    metrics["outcomes"] = [asdict(row) for row in by_outcome]
    (out / "outcomes.md").write_text(render_outcome_table(by_outcome))
    _calibration_plot(out / "calibration.png", {"LightGBM raw": (raw, y), "LightGBM + isotonic": (calibrated, y),
                                                "logistic baseline": (np.clip(lr, 0, 1), y)})
    metrics["shap_mean_abs"] = _shap_plot(out / "shap_summary.png", models, X)
    _beeswarm(out / "shap_beeswarm_retention.png", models, X, "offer_retention_discount")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    (out / "report.md").write_text(render_markdown(models, metrics))
    return metrics


def render_markdown(models: TrainedModels, metrics: dict[str, Any]) -> str:
    lines = [f"# Model report: {models.metadata.get('version', 'unsaved')}", "",
             f"Features: {len(FEATURES)}; test rows: {metrics['rows']['test']}", "",
             "## Value models (reward RMSE on the logged action)", "",
             "| model | RMSE |", "|---|---:|"]
    lines += [f"| {k} | {v:.4f} |" for k, v in metrics["value_rmse"].items()]
    lines += ["", "## Resolution probability (confidence)", "", "| model | AUC | Brier | ECE |", "|---|---:|---:|---:|"]
    lines += [f"| {k} | {v['auc']:.3f} | {v['brier']:.4f} | {v['ece']:.4f} |" for k, v in metrics["resolution"].items()]
    lines += ["", "## Off-line policy value (logged data only)", "",
              "| policy | IPS | SNIPS | DR | DR stderr | matched rows |", "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {row['policy']} | {row['ips']:.4f} | {row['snips']:.4f} | {row['dr']:.4f} | {row['stderr']:.4f} "
              f"| {row['matched']} |" for row in metrics["off_policy"]]
    lines += ["", "![calibration](calibration.png)", "", "![shap](shap_summary.png)", ""]
    return "\n".join(lines)
