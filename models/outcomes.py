"""Logged outcomes turned into what the models learn: the reward of each logged decision.

A missing survey is filled with the mean CSAT of answered contacts with the same resolution, so a
low response rate does not bias the reward towards zero; the fill values are learned on the training
rows and stored with the model.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from models.catalog import Catalog

__all__ = ["OUTCOME_COLUMNS", "csat_fill", "rewards"]

OUTCOME_COLUMNS: tuple[str, ...] = ("action", "propensity", "resolved", "escalated", "churned", "csat", "refund_amount")


def csat_fill(frame: pd.DataFrame) -> dict[str, float]:
    """Mean answered CSAT for resolved and unresolved contacts (3.0 when none answered)."""
    csat = frame["csat"].to_numpy(dtype=np.float64, na_value=np.nan)
    resolved = frame["resolved"].to_numpy(dtype=bool)
    out = {}
    for key, mask in (("resolved", resolved), ("unresolved", ~resolved)):
        answered = csat[mask & ~np.isnan(csat)]
        out[key] = float(answered.mean()) if len(answered) else 3.0
    return out


def rewards(frame: pd.DataFrame, catalog: Catalog, fill: Mapping[str, float]) -> np.ndarray:
    """The reward of every logged row (see ``Catalog.reward``); raises KeyError on an unknown action."""
    csat = frame["csat"].to_numpy(dtype=np.float64, na_value=np.nan)
    resolved = frame["resolved"].to_numpy(dtype=bool)
    csat = np.where(np.isnan(csat), np.where(resolved, fill["resolved"], fill["unresolved"]), csat)
    return catalog.reward(resolved, csat, frame["churned"].to_numpy(dtype=bool),
                          frame["escalated"].to_numpy(dtype=bool), frame["action"].to_numpy(dtype=object),
                          frame["refund_amount"].to_numpy(dtype=np.float64))
