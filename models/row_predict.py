"""One row through a LightGBM booster by its single-row C entry point, without ``Booster.predict``'s Python layers.

Serving scores one context at a time: the ranking, two TreeSHAP rows and one confidence per event. Through
``Booster.predict`` each of those calls builds a predictor object, deep-copies the parameters and converts the
array before the C library runs, which costs about as much as the trees themselves. ``RowPredictor`` calls
``LGBM_BoosterPredictForMatSingleRowFast`` with a configuration made once per booster and prediction kind: the
same C++ predictor (the same TreeSHAP for ``pred_contrib``), so the numbers are the same bits, which ``checked``
verifies against ``Booster.predict`` on probe rows before a scorer uses it (else it keeps ``Booster.predict``).
"""

from __future__ import annotations

import ctypes
import logging
from typing import Literal

import lightgbm as lgb
import numpy as np
from lightgbm.basic import _LIB, _c_str, _safe_call  # type: ignore[attr-defined]

log = logging.getLogger(__name__)

__all__ = ["RowPredictor", "checked"]

Kind = Literal["normal", "raw", "contrib"]
_TYPES = {"normal": 0, "raw": 1, "contrib": 3}  # lightgbm.basic's _C_API_PREDICT_* values
_FLOAT64 = 1  # C_API_DTYPE_FLOAT64


class RowPredictor:
    """``booster``'s prediction of ``kind`` for one float64 feature row, as a 1-d array."""

    def __init__(self, booster: lgb.Booster, kind: Kind) -> None:
        self.booster, self.kind = booster, kind  # the booster's handle must outlive the configuration
        self.features = booster.num_feature()
        classes = booster.num_model_per_iteration()
        self.width = classes * (self.features + 1) if kind == "contrib" else classes
        self._config = ctypes.c_void_p()
        # Booster.predict's defaults: from the first iteration to the best one (all when none was recorded)
        _safe_call(_LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
            booster._handle, ctypes.c_int(_TYPES[kind]), ctypes.c_int(0), ctypes.c_int(booster.best_iteration or -1),
            ctypes.c_int(_FLOAT64), ctypes.c_int32(self.features), _c_str("num_threads=1"),
            ctypes.byref(self._config)))

    def __call__(self, row: np.ndarray) -> np.ndarray:
        data = np.ascontiguousarray(row, dtype=np.float64)
        if data.shape != (self.features,):
            raise ValueError(f"one row of {self.features} features expected, not shape {data.shape}")
        out = np.empty(self.width, dtype=np.float64)
        length = ctypes.c_int64(0)
        _safe_call(_LIB.LGBM_BoosterPredictForMatSingleRowFast(
            self._config, data.ctypes.data_as(ctypes.c_void_p), ctypes.byref(length),
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        return out

    def __del__(self) -> None:
        if self._config:
            _LIB.LGBM_FastConfigFree(self._config)
            self._config = ctypes.c_void_p()


def _reference(booster: lgb.Booster, kind: Kind, rows: np.ndarray) -> np.ndarray:
    return np.asarray(booster.predict(rows, raw_score=kind == "raw", pred_contrib=kind == "contrib", num_threads=1)
                      ).reshape(len(rows), -1)


def checked(booster: lgb.Booster, kind: Kind, probe: np.ndarray) -> RowPredictor | None:
    """A ``RowPredictor`` that gives exactly ``Booster.predict``'s numbers on every row of ``probe``, else None
    (logged: the caller keeps ``Booster.predict``)."""
    try:
        fast = RowPredictor(booster, kind)
        same = np.array_equal(np.vstack([fast(row) for row in probe]), _reference(booster, kind, probe))
    except (lgb.basic.LightGBMError, ValueError, AttributeError) as exc:
        log.warning("single-row prediction unavailable; Booster.predict serves", extra={"error": str(exc)})
        return None
    if not same:
        log.warning("single-row prediction differs from Booster.predict; Booster.predict serves")
        return None
    return fast
