"""Training from logged history: per-action LightGBM value models, a calibrated resolution model, and the
logistic baseline, on a time-based split.

* Value models: one LightGBM regressor per catalog action, fitted on the rows where that action was taken,
  predicting the reward (``models.outcomes``). Ranking = argmax over actions (the direct method). One model
  per action keeps each explanation about one action ("tenure raises a retention offer") and lets serving
  run TreeSHAP only for what is shown.
* Resolution model: one LightGBM classifier of ``resolved`` over the features plus the action (one-hot),
  calibrated with isotonic regression on a later slice: the prompt's confidence.
* Baseline: ``models.baseline`` (scikit-learn pipelines).

Every model sees history as the live service sees a contact (``models.context``): facts the service
learns only from a CRM event are unknown unless the center's CRM sends them, as they are when served.

Rows are split by ``started_at``: train (oldest), calibration, test (newest), so nothing from the future
leaks into the past.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression

from models.baseline import LinearBaseline, fit_baseline
from models.catalog import Catalog, load_catalog
from models.context import served_history
from models.domain import InputDomain
from models.drift import build_profile
from models.features import CONTEXT_COLUMNS, FEATURES, feature_matrix
from models.outcomes import OUTCOME_COLUMNS, csat_fill, rewards

__all__ = ["Calibrator", "Split", "TrainConfig", "TrainedModels", "data_hash", "resolve_matrix", "time_split",
           "train", "training_steps"]


@dataclass(frozen=True)
class TrainConfig:
    """Kept lean on purpose: serving runs TreeSHAP per request, whose cost grows with trees x depth^2."""

    n_estimators: int = 150
    num_leaves: int = 7
    max_depth: int = 3
    learning_rate: float = 0.08
    min_child_samples: int = 40
    resolve_estimators: int = 300
    resolve_leaves: int = 31
    """The resolution model is never explained per request, only predicted: it may be deeper."""
    calibration_share: float = 0.15
    test_share: float = 0.2
    seed: int = 0
    num_threads: int = 1
    """One thread: on a shared two-core machine OpenMP threads mostly wait on each other."""
    context: str = "served"
    """``served``: train on history as the live service sees it (``models.context.served_history``: what
    the service would not know is unknown), so the model learns on the missingness it is served with.
    ``full``: on history contexts as logged, only to measure what that skew costs (``bench/serving_skew.py``)."""
    crm_fields: tuple[str, ...] = ()
    """The ``models.context.CRM_FIELDS`` this center's CRM sends on every live contact; the others stay
    unknown in training as they are when served."""
    temperament_threshold: float | None = 0.6
    """Unless the CRM sends temperament: the serving threshold of temperament detection from the customer's
    words (``ASSIST_TEMPERAMENT_THRESHOLD``); training sees each row's temperament as detected at it, drawn
    from the classifier's held-out confusion (``models.context.detected_temperament``). None: no detection,
    temperament unknown (a service that does not read it)."""
    temperament_memory: bool = True
    """The detected temperament is remembered across a consenting customer's contacts, as the service does
    (``ASSIST_TEMPERAMENT_MEMORY``; ``models.context.remembered_temperament``). False: the words of the contact's
    journey alone (its earlier contacts' too, which its transcript holds whatever the consent)."""

    def __post_init__(self) -> None:
        if self.context not in ("served", "full"):
            raise ValueError(f"context must be 'served' or 'full', not {self.context!r}")
        object.__setattr__(self, "crm_fields", tuple(self.crm_fields))  # a list when read back from JSON

    def lgb_params(self, objective: str) -> dict[str, Any]:
        deep = objective == "binary"
        return {"objective": objective, "num_leaves": self.resolve_leaves if deep else self.num_leaves,
                "max_depth": -1 if deep else self.max_depth, "learning_rate": 0.05 if deep else self.learning_rate,
                "min_data_in_leaf": self.min_child_samples,
                "feature_fraction": 0.9, "bagging_fraction": 0.9, "bagging_freq": 1, "lambda_l2": 1.0,
                "seed": self.seed, "deterministic": True, "num_threads": self.num_threads, "verbose": -1}


@dataclass(frozen=True)
class Calibrator:
    """Isotonic map from the resolution model's raw probability to a calibrated one (piecewise linear)."""

    x: np.ndarray
    y: np.ndarray

    def __call__(self, p: Any) -> np.ndarray:
        return np.asarray(np.interp(np.asarray(p, dtype=np.float64), self.x, self.y))

    @classmethod
    def fit(cls, p: Any, y: np.ndarray) -> Calibrator:
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(p, y)
        return cls(np.asarray(iso.X_thresholds_, dtype=np.float64), np.asarray(iso.y_thresholds_, dtype=np.float64))


@dataclass
class TrainedModels:
    actions: tuple[str, ...]
    value_models: dict[str, lgb.Booster]
    resolve_model: lgb.Booster
    calibrator: Calibrator
    baseline: LinearBaseline
    csat_fill: dict[str, float]
    config: TrainConfig
    metadata: dict[str, Any] = field(default_factory=dict)

    def values(self, X: np.ndarray) -> np.ndarray:
        """Predicted reward of every action for every row: (n, len(actions)), columns in ``actions`` order."""
        return np.column_stack([self.value_models[a].predict(X, num_threads=1) for a in self.actions])

    def as_served(self, history: pd.DataFrame) -> pd.DataFrame:
        """``history`` as the live service sees each contact (what it would not know is unknown): the input
        every evaluation of what agents get must use, whatever context the model was trained on."""
        return served_history(history, self.config.crm_fields, self.config.temperament_threshold,
                              self.config.temperament_memory)

    def confidence(self, X: np.ndarray, actions: np.ndarray) -> np.ndarray:
        """Calibrated P(resolved | context, action) for row i taking ``actions[i]``."""
        raw = self.resolve_model.predict(resolve_matrix(X, actions, self.actions), num_threads=1)
        return self.calibrator(raw)


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    calibration: pd.DataFrame
    test: pd.DataFrame


def time_split(history: pd.DataFrame, calibration_share: float = 0.15, test_share: float = 0.2) -> Split:
    """Oldest rows train, the next ``calibration_share`` calibrate, the newest ``test_share`` test.

    Raises ValueError when a part would be empty.
    """
    ordered = history.sort_values("started_at", kind="stable")
    n = len(ordered)
    n_test, n_cal = int(n * test_share), int(n * calibration_share)
    n_train = n - n_test - n_cal
    if min(n_test, n_cal, n_train) < 1:
        raise ValueError(f"history of {n} rows is too small to split")
    parts = (ordered.iloc[:n_train], ordered.iloc[n_train:n_train + n_cal], ordered.iloc[n_train + n_cal:])
    return Split(*(p.reset_index(drop=True) for p in parts))


def resolve_matrix(X: np.ndarray, actions: np.ndarray, vocabulary: tuple[str, ...]) -> np.ndarray:
    """Features plus the action one-hot: the resolution model's input."""
    index = {a: i for i, a in enumerate(vocabulary)}
    codes = np.fromiter((index[str(a)] for a in actions), dtype=np.int64, count=len(actions))
    return np.hstack([X, (codes[:, None] == np.arange(len(vocabulary))[None, :]).astype(np.float64)])


def data_hash(history: pd.DataFrame) -> str:
    """SHA-256 of the rows the model saw (order-sensitive): the registry's proof of what trained it."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(history, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _missing(history: pd.DataFrame) -> list[str]:
    return [c for c in (*CONTEXT_COLUMNS, *OUTCOME_COLUMNS, "started_at") if c not in history.columns]


def training_steps(catalog: Catalog | None = None) -> int:
    """How many times ``train`` reports progress: one value model per action, the resolution model and its
    calibration, the baseline."""
    return len((catalog or load_catalog()).actions) + 3


def train(history: pd.DataFrame, config: TrainConfig | None = None, catalog: Catalog | None = None,
          split: Split | None = None, progress: Callable[[str], None] | None = None) -> tuple[TrainedModels, Split]:
    """Fit every model on the train part of ``history`` (or of ``split``); returns the models and the split.

    The models see each row as ``config.context`` says (by default as served: what the live service would
    not know is unknown); the returned split keeps the rows as logged, for the truth.

    ``progress`` is called with the name of each step done (``training_steps`` of them), for a progress bar.
    Raises ValueError when columns are missing or the history has actions outside the catalog.
    """
    done = progress or (lambda step: None)
    config = config or TrainConfig()
    catalog = catalog or load_catalog()
    if missing := _missing(history):
        raise ValueError(f"history lacks columns: {', '.join(missing)}")
    unknown = set(history["action"].astype(str)) - set(catalog.ids)
    if unknown:
        raise ValueError(f"history has actions outside the catalog: {sorted(unknown)}")
    split = split or time_split(history, config.calibration_share, config.test_share)

    def seen(frame: pd.DataFrame) -> pd.DataFrame:
        return (served_history(frame, config.crm_fields, config.temperament_threshold, config.temperament_memory)
                if config.context == "served"
                else frame)

    train_rows = seen(split.train)
    fill = csat_fill(train_rows)
    X = feature_matrix(train_rows)
    actions = train_rows["action"].to_numpy(dtype=object)
    reward = rewards(train_rows, catalog, fill)
    value_models: dict[str, lgb.Booster] = {}
    for spec in catalog.actions:
        rows = actions == spec.id
        if rows.sum() < 2 * config.min_child_samples:
            raise ValueError(f"too few logged rows for {spec.id!r}: {int(rows.sum())}")
        data = lgb.Dataset(X[rows], reward[rows], feature_name=list(FEATURES), free_raw_data=True)
        value_models[spec.id] = lgb.train(config.lgb_params("regression"), data, num_boost_round=config.n_estimators)
        done(f"value model: {spec.id}")
    resolved = train_rows["resolved"].to_numpy(dtype=np.float64)
    names = [*FEATURES, *(f"action={a}" for a in catalog.ids)]
    resolve_model = lgb.train(config.lgb_params("binary"),
                              lgb.Dataset(resolve_matrix(X, actions, catalog.ids), resolved, feature_name=names),
                              num_boost_round=config.resolve_estimators)
    done("resolution model")
    calibration = seen(split.calibration)
    raw = resolve_model.predict(resolve_matrix(feature_matrix(calibration),
                                               calibration["action"].to_numpy(dtype=object), catalog.ids))
    calibrator = Calibrator.fit(raw, calibration["resolved"].to_numpy(dtype=np.float64))
    done("calibration")
    outcomes = {"resolved": resolved, "churned": train_rows["churned"].to_numpy(dtype=np.float64),
                "escalated": train_rows["escalated"].to_numpy(dtype=np.float64),
                "csat": np.where(train_rows["csat"].isna().to_numpy(),
                                 np.where(resolved > 0, fill["resolved"], fill["unresolved"]),
                                 train_rows["csat"].to_numpy(dtype=np.float64, na_value=np.nan))}
    baseline = fit_baseline(X, actions, outcomes, catalog, seed=config.seed)
    done("logistic baseline")
    metadata = {"config": asdict(config), "catalog_version": catalog.version, "features": list(FEATURES),
                "actions": list(catalog.ids), "rows": {"train": len(split.train),
                                                       "calibration": len(split.calibration),
                                                       "test": len(split.test)},
                "period": {"start": str(split.train["started_at"].min()), "end": str(split.test["started_at"].max())},
                "data_hash": data_hash(history), "drift_profile": build_profile(X),
                "input_domain": InputDomain.from_history(train_rows).to_json()}
    return TrainedModels(catalog.ids, value_models, resolve_model, calibrator, baseline, fill, config,
                         metadata), split
