"""Population stability index (PSI) per context field: live traffic against the training data.

The reference is a profile stored with the model version (bins and shares, not the data): categorical
fields by category (plus "other"), numeric fields by training deciles (plus a bin for missing values).
PSI = sum((live - ref) * ln(live / ref)); the usual reading is < 0.1 stable, 0.1-0.25 watch, > 0.25 shifted.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.features import CATEGORICAL, FEATURES, SPECS

__all__ = ["DEFAULT_THRESHOLD", "DriftMonitor", "DriftReport", "build_profile", "drift_report", "psi"]

DEFAULT_THRESHOLD = 0.2
_EPS = 1e-4
_COLUMN = {name: j for j, name in enumerate(FEATURES)}
_NUMERIC = tuple(s.name for s in SPECS if s.kind in ("numeric", "log", "flag"))


def _categorical_codes(X: np.ndarray, group: str) -> np.ndarray:
    cols = [_COLUMN[f"{group}={v}"] for v in CATEGORICAL[group]]
    block = X[:, cols]
    return np.where(block.max(axis=1) > 0, block.argmax(axis=1), len(cols))


def _shares(counts: np.ndarray) -> list[float]:
    total = max(int(counts.sum()), 1)
    return [float(x) for x in counts / total]


def _numeric_bins(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    missing = np.isnan(values)
    bins = np.searchsorted(edges, np.where(missing, 0.0, values), side="right")
    return np.where(missing, len(edges) + 1, bins)


def build_profile(X: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """The training distribution of every field, small enough to keep in the model's metadata."""
    profile: dict[str, Any] = {}
    for group in CATEGORICAL:
        counts = np.bincount(_categorical_codes(X, group), minlength=len(CATEGORICAL[group]) + 1)
        profile[group] = {"kind": "categorical", "shares": _shares(counts)}
    for name in _NUMERIC:
        values = X[:, _COLUMN[name]]
        present = values[~np.isnan(values)]
        edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1])) if len(present) else np.array([])
        counts = np.bincount(_numeric_bins(values, edges), minlength=len(edges) + 2)
        profile[name] = {"kind": "numeric", "edges": edges.tolist(), "shares": _shares(counts)}
    return profile


def psi(expected: np.ndarray | list[float], actual: np.ndarray | list[float]) -> float:
    """PSI between two share vectors over the same bins (empty bins floored at 1e-4)."""
    e = np.maximum(np.asarray(expected, dtype=np.float64), _EPS)
    a = np.maximum(np.asarray(actual, dtype=np.float64), _EPS)
    return float(np.sum((a - e) * np.log(a / e)))


@dataclass(frozen=True)
class DriftReport:
    rows: int
    threshold: float
    psi: dict[str, float]
    alerts: tuple[str, ...]
    """Fields whose PSI is over the threshold, worst first."""

    def to_markdown(self) -> str:
        lines = [f"Drift over {self.rows} live rows (alert when PSI > {self.threshold}):", "",
                 "| field | PSI | |", "|---|---:|---|"]
        for name, value in sorted(self.psi.items(), key=lambda kv: -kv[1]):
            lines.append(f"| {name} | {value:.3f} | {'ALERT' if name in self.alerts else ''} |")
        return "\n".join(lines) + "\n"


def drift_report(profile: dict[str, Any], X: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> DriftReport:
    """PSI of every profiled field for the live rows ``X`` (a feature matrix); raises ValueError if empty."""
    if len(X) == 0:
        raise ValueError("no live rows to compare")
    values: dict[str, float] = {}
    for name, ref in profile.items():
        if ref["kind"] == "categorical":
            codes = _categorical_codes(X, name)
        else:
            codes = _numeric_bins(X[:, _COLUMN[name]], np.asarray(ref["edges"], dtype=np.float64))
        counts = np.bincount(codes, minlength=len(ref["shares"]))[: len(ref["shares"])]
        values[name] = round(psi(ref["shares"], _shares(counts)), 4)
    alerts = tuple(n for n, v in sorted(values.items(), key=lambda kv: -kv[1]) if v > threshold)
    return DriftReport(len(X), threshold, values, alerts)


@dataclass
class DriftMonitor:
    """The last ``capacity`` served feature rows; ``report`` compares them with the training profile."""

    profile: dict[str, Any]
    capacity: int = 5000
    threshold: float = DEFAULT_THRESHOLD
    _rows: deque[np.ndarray] = field(default_factory=deque)

    def add(self, row: np.ndarray) -> None:
        self._rows.append(np.asarray(row, dtype=np.float64).ravel())
        while len(self._rows) > self.capacity:
            self._rows.popleft()

    def __len__(self) -> int:
        return len(self._rows)

    def report(self) -> DriftReport:
        """Raises ValueError when nothing was served yet."""
        return drift_report(self.profile, np.vstack(list(self._rows)) if self._rows else np.empty((0, 0)),
                            self.threshold)
