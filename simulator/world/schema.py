"""The interaction-history schema, shared by the synthetic world and real contact-center imports.

One row is one decision point: a contact in a customer journey, the context the agent saw, the action
taken, its propensity under the logging policy, and the outcomes. ``docs/history_schema.md`` is the
prose version of ``HISTORY_COLUMNS``; ``read_history`` and ``write_history`` move it through CSV and
Parquet without changing dtypes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.world.catalog import ACTIONS, CHANNELS, CONSENT_PURPOSES, REASONS

__all__ = ["HISTORY_COLUMNS", "Column", "coerce_history", "read_history", "validate_history", "write_history"]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    dtype: str
    description: str
    nullable: bool = False


_STR, _BOOL, _INT, _FLOAT, _TS = "string", "bool", "int64", "float64", "datetime64[ns, UTC]"

HISTORY_COLUMNS: tuple[Column, ...] = (
    Column("interaction_id", _STR, "unique id of this decision point (one contact)"),
    Column("journey_id", _STR, "the customer issue this contact belongs to, across contacts and channels"),
    Column("customer_id", _STR, "customer id in the CRM"),
    Column("agent_id", _STR, "agent who handled the contact"),
    Column("started_at", _TS, "when the contact was offered to the queue (UTC)"),
    Column("ended_at", _TS, "when the contact ended (UTC)"),
    Column("channel", _STR, f"one of {', '.join(CHANNELS)}"),
    Column("segment", _STR, "customer segment at the time"),
    Column("plan", _STR, "customer's plan tier at the time: basic, standard, premium"),
    Column("tenure_months", _INT, "months as a customer at the time"),
    Column("lifetime_value", _FLOAT, "revenue to date, in account currency"),
    Column("churn_risk", _FLOAT, "the CRM's churn-risk score in [0, 1] at the time"),
    Column("temperament", _STR, "calm, anxious, angry, analytical (CRM trait or inferred); 'unknown' if absent"),
    Column("vulnerable", _BOOL, "customer flagged as vulnerable (needs extra care)"),
    Column("language", _STR, "customer's language, ISO 639-1"),
    Column("preferred_channel", _STR, "customer's preferred channel"),
    *(Column(f"consent_{p}", _BOOL, f"consent for the {p} purpose at the time") for p in CONSENT_PURPOSES),
    Column("reason", _STR, f"contact reason: {', '.join(REASONS)}"),
    Column("journey_step", _INT, "0 for the first contact of the journey, then 1, 2, ..."),
    Column("identity_verified", _BOOL, "identity verified before the decision (IVR, login, earlier step)"),
    Column("apology_given", _BOOL, "an apology was already given earlier in the journey"),
    Column("previous_action", _STR, "action taken at the previous step of the journey; null at step 0", True),
    Column("prior_contacts_30d", _INT, "contacts by this customer in the previous 30 days"),
    Column("open_complaint", _BOOL, "the customer has an open complaint (this one or another)"),
    Column("order_id", _STR, "the order the contact is about, if any", True),
    Column("order_value", _FLOAT, "value of that order; 0 when none"),
    Column("refund_amount", _FLOAT, "amount disputed or asked back; 0 when none"),
    Column("refund_limit", _FLOAT, "the handling agent's refund authority"),
    Column("wait_seconds", _FLOAT, "time in queue before the agent answered"),
    Column("sentiment", _FLOAT, "sentiment of the customer's latest utterance, in [-1, 1]"),
    Column("action", _STR, f"action taken, one of: {', '.join(ACTIONS)}"),
    Column("propensity", _FLOAT, "P(action given the context) under the logging policy, in (0, 1]; null if unknown",
           True),
    Column("logging_policy", _STR, "name and version of the policy that chose the action"),
    Column("resolved", _BOOL, "the issue was resolved as a result of this contact"),
    Column("escalated", _BOOL, "the contact was escalated to a supervisor or complaint team"),
    Column("churned", _BOOL, "the customer cancelled within 90 days of this contact"),
    Column("csat", "Int64", "post-contact survey score 1..5; null if the customer did not answer", True),
)

_BY_NAME = {c.name: c for c in HISTORY_COLUMNS}


def coerce_history(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with exactly the schema's columns, in order, cast to the schema's dtypes.

    Raises ValueError listing missing columns; extra columns are dropped.
    """
    missing = [c.name for c in HISTORY_COLUMNS if c.name not in frame.columns]
    if missing:
        raise ValueError(f"history lacks columns: {', '.join(missing)}")
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for column in HISTORY_COLUMNS:
        values = frame[column.name].reset_index(drop=True)
        if column.dtype == _TS:
            out[column.name] = pd.to_datetime(values, utc=True, format="ISO8601").astype(_TS)
        elif column.dtype == _BOOL and values.dtype == object:
            out[column.name] = values.map({"True": True, "False": False, True: True, False: False}).astype(_BOOL)
        else:
            out[column.name] = values.astype(column.dtype)
    return out


def validate_history(frame: pd.DataFrame) -> None:
    """Raise ValueError unless ``frame`` has the schema's columns and dtypes and plausible values."""
    names = [c.name for c in HISTORY_COLUMNS]
    if list(frame.columns) != names:
        raise ValueError("history columns differ from HISTORY_COLUMNS (use coerce_history)")
    for column in HISTORY_COLUMNS:
        if str(frame[column.name].dtype) != column.dtype:
            raise ValueError(f"{column.name}: dtype {frame[column.name].dtype}, expected {column.dtype}")
        if not column.nullable and frame[column.name].isna().any():
            raise ValueError(f"{column.name}: nulls in a non-nullable column")
    problems = {
        "action": ~frame["action"].isin(ACTIONS),
        "reason": ~frame["reason"].isin(REASONS),
        "channel": ~frame["channel"].isin(CHANNELS),
        "propensity": ~frame["propensity"].isna() & ~frame["propensity"].between(0, 1, inclusive="right"),
        "csat": ~frame["csat"].isna() & ~frame["csat"].between(1, 5),
        "sentiment": ~frame["sentiment"].between(-1, 1),
        "ended_at": frame["ended_at"] < frame["started_at"],
    }
    for name, bad in problems.items():
        if bool(np.asarray(bad.fillna(False), dtype=bool).any()):
            raise ValueError(f"{name}: {int(bad.fillna(False).sum())} rows out of range")


def write_history(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a history as ``.parquet`` or ``.csv`` (by suffix) and return the path.

    Raises ValueError for another suffix or a frame that does not follow the schema.
    """
    path = Path(path)
    frame = coerce_history(frame)
    validate_history(frame)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".csv":
        out = frame.copy()
        for column in ("started_at", "ended_at"):
            out[column] = out[column].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        out.to_csv(path, index=False)
    else:
        raise ValueError(f"unsupported history file type {path.suffix!r}: use .parquet or .csv")
    return path


def read_history(path: str | Path) -> pd.DataFrame:
    """Read a history written by ``write_history`` (or a real export in the same schema), validated."""
    path = Path(path)
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif path.suffix == ".csv":
        dtypes = {c.name: "string" for c in HISTORY_COLUMNS if c.dtype in (_STR, _TS)}
        frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    else:
        raise ValueError(f"unsupported history file type {path.suffix!r}: use .parquet or .csv")
    frame = coerce_history(frame)
    validate_history(frame)
    return frame
