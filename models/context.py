"""The context adapter: what the service knows of a contact, as the model's input columns.

One function, ``served_context``, turns the facts the service holds into every column
``models.features.CONTEXT_COLUMNS`` reads. The service calls it for a live journey
(``assist.guidance.model.journey_context`` passes the journey's, the customer record's and the CRM events'
facts); training calls it for history (``served_history`` hides what the service would not know, then
passes the rest through the same function). So the model learns on the missingness it is served with:
a live contact knows its customer's plan, temperament, prior contacts, order value and wait only when a
CRM event supplied them (``CRM_FIELDS``), segment, lifetime value and churn risk only with the customer's
profiling consent (``PROFILING_FIELDS``), and an unknown number is NaN, never 0.

Temperament is the exception the service can partly know without CRM: it reads it from the customer's words
(``models.language.temperament``) and serves it when confident. History has no words, so ``served_history``
replaces the logged temperament with a *detected* one drawn from the classifier's held-out confusion matrix at
the serving threshold (unknown when the draw falls below it): training and as-served scoring see detection
with its measured errors, never the truth. A CRM that sends temperament wins (the logged value is served), and
so does a row the service logged itself (``logging_policy`` ``assist/...``, from ``assist models export-live``):
its temperament is the one it served, detected live, not a truth to detect again. A follow-up contact joins its
customer's open journey, whose transcript holds the earlier contacts' words, so it hears them whatever the
consent; across journeys only a consenting customer's reads are remembered (``remembered_temperament``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from models.features import CATEGORICAL, CONTEXT_COLUMNS
from models.language.temperament import DEFAULT_THRESHOLD, UNKNOWN, draw_detected
from models.language.temperament_memory import Detection, remembered

__all__ = ["CRM_FIELDS", "PROFILING_FIELDS", "detected_temperament", "remembered_temperament", "served_context",
           "served_history"]

CRM_FIELDS: tuple[str, ...] = ("plan", "temperament", "prior_contacts_30d", "order_value", "wait_seconds",
                               "open_complaint")
"""Context columns the live service learns only from a CRM event (``journey.collected``). The customer
record holds segment, tenure, lifetime value, churn risk, vulnerability and consent; the journey holds
reason, channel, steps, apology, refund asked and the customer's words; the session holds the agent's
refund limit. An open complaint is known without CRM only when the contact itself is a complaint."""

PROFILING_FIELDS: tuple[str, ...] = ("segment", "lifetime_value", "churn_risk")
"""Derived by profiling: the service shows them only with the customer's profiling consent
(``assist.customers.masking.PROFILING_FIELDS``; a test checks the two agree). History holds them for
everyone, so ``served_history`` hides them where ``consent_profiling`` is false, as serving does."""

_NUMBERS = ("tenure_months", "lifetime_value", "churn_risk", "prior_contacts_30d", "order_value", "wait_seconds")
"""Unknown (NaN) when absent: the model has to learn what not knowing means."""
_FLAGS = ("vulnerable", "consent_marketing", "identity_verified", "apology_given")
"""False when absent: not flagged, no consent on record, not verified, no apology yet."""
_ABSENT_MEANS = {"journey_step": 0.0, "refund_amount": 0.0, "sentiment": 0.0}
"""What absence means live: the journey's first contact, no refund asked, no customer words yet (neutral)."""


def _length(known: Mapping[str, Any]) -> int | None:
    for value in known.values():
        if isinstance(value, pd.Series):
            return len(value)
    return None


def _number(value: Any, absent: float, n: int | None) -> Any:
    if isinstance(value, pd.Series):
        return pd.to_numeric(value, errors="coerce").astype(np.float64).reset_index(drop=True)
    if value is None or value is pd.NA or isinstance(value, bool):
        number = absent if value is None else (math.nan if value is pd.NA else float(value))
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan  # an unreadable number is unknown, never 0
    return number if n is None else pd.Series(np.full(n, number), dtype=np.float64)


def _flag(value: Any, n: int | None) -> Any:
    if isinstance(value, pd.Series):
        return value.astype("boolean").fillna(False).astype(bool).reset_index(drop=True)
    flag = bool(value) if value is not None and value is not pd.NA else False
    return flag if n is None else pd.Series(np.full(n, flag), dtype=bool)


def _category(value: Any, n: int | None) -> Any:
    if isinstance(value, pd.Series):
        text = value.astype("string").reset_index(drop=True)
        return text.where(text != "unknown", pd.NA)
    if value is None or value is pd.NA or (isinstance(value, float) and value != value) or value == "unknown":
        return None if n is None else pd.Series([pd.NA] * n, dtype="string")
    return str(value) if n is None else pd.Series([str(value)] * n, dtype="string")


def served_context(known: Mapping[str, Any]) -> dict[str, Any]:
    """Every ``CONTEXT_COLUMNS`` column, plus ``caller_identified``, from the facts in ``known``.

    ``known`` holds scalars (one live contact) or equal-length pandas Series (history); a fact that is
    absent is unknown: a category is None (all-zero one-hot), a number NaN, a flag False (see the module's
    constants for the few columns where absence has a meaning). A number that cannot be read is unknown.
    Raises KeyError when ``refund_limit`` is missing: guidance cannot run without the agent's authority.
    """
    if "refund_limit" not in known:
        raise KeyError("the served context needs 'refund_limit' (the handling agent's refund authority)")
    n = _length(known)
    out: dict[str, Any] = {}
    for column in (*CATEGORICAL, "plan"):
        out[column] = _category(known.get(column), n)
    for column in _NUMBERS:
        out[column] = _number(known.get(column), math.nan, n)
    for column in _FLAGS:
        out[column] = _flag(known.get(column), n)
    for column, absent in _ABSENT_MEANS.items():
        out[column] = _number(known.get(column), absent, n)
    out["refund_limit"] = _number(known["refund_limit"], math.nan, n)
    complaint = out["reason"] == "complaint"
    if n is not None:
        complaint = complaint.fillna(False).astype(bool)
    out["open_complaint"] = _flag(known.get("open_complaint"), n) | complaint
    out["caller_identified"] = _flag(known.get("caller_identified", True), n)
    missing = set(CONTEXT_COLUMNS) - set(out)
    assert not missing, missing  # the adapter covers every feature column
    return out


LIVE_POLICY = "assist/"
"""How ``assist models export-live`` names the logging policy of the rows the service served itself."""


def detected_temperament(history: pd.DataFrame, threshold: float) -> pd.Series:
    """Each row's temperament as the service would detect it from the customer's words at ``threshold``: a
    draw from ``models.language.temperament.detection_matrix`` given the logged (true) temperament.

    The draw is repeatable per contact: its uniform number is a hash of ``interaction_id`` (of the row
    position when there is none), so a contact is detected the same way whichever frame it is scored in. A row
    the service logged itself (``logging_policy`` starting ``LIVE_POLICY``) keeps the temperament it served."""
    ids = history["interaction_id"] if "interaction_id" in history.columns else pd.Series(np.arange(len(history)))
    hashed = pd.util.hash_pandas_object(ids.astype(str), index=False, hash_key="temperament/0001").to_numpy()
    uniform = (hashed >> np.uint64(11)).astype(np.float64) / float(2**53)
    true = history["temperament"].astype("string").fillna("unknown").to_numpy(dtype=object)
    detected = draw_detected(true, uniform, threshold)
    return pd.Series(np.where(_live_rows(history), true, detected), dtype="string")


def _seconds(times: pd.Series) -> np.ndarray:
    """Epoch seconds of a timestamp column (naive ones read as UTC)."""
    stamps = pd.to_datetime(times, utc=True)
    return np.asarray((stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds(), dtype=np.float64)


def _earlier_reads(history: pd.DataFrame, labels: np.ndarray, groups: pd.Series) -> np.ndarray:
    """``labels`` (each contact's own read) with, for every row whose ``groups`` key is not missing, the reads of
    the rows of the same key that ended before it started, combined by ``remembered`` (the service's rule)."""
    started, ended = _seconds(history["started_at"]), _seconds(history["ended_at"])
    out = labels.copy()
    keyed = groups.reset_index(drop=True).dropna()
    where = keyed.index.to_numpy()
    for positions in keyed.groupby(keyed, sort=False).indices.values():
        rows = where[positions]
        shown = rows[labels[rows] != UNKNOWN]
        if len(rows) == 1 or len(shown) == 0:
            continue
        for r in rows:
            earlier = [Detection(str(labels[e]), float(ended[e])) for e in shown if e != r and ended[e] <= started[r]]
            current = Detection(str(labels[r]), float(started[r])) if labels[r] != UNKNOWN else None
            found = remembered(earlier, current, float(started[r]))
            out[r] = found.temperament if found is not None else UNKNOWN
    return out


def _live_rows(history: pd.DataFrame) -> np.ndarray:
    """The rows the service logged itself (``assist models export-live``): their temperament is the one served."""
    if "logging_policy" not in history.columns:
        return np.zeros(len(history), dtype=bool)
    return np.asarray(history["logging_policy"].astype("string").str.startswith(LIVE_POLICY).fillna(False),
                      dtype=bool)


def remembered_temperament(history: pd.DataFrame, threshold: float, memory: bool = True) -> pd.Series:
    """Each row's temperament as the service serves it from the words it holds: this contact's detection
    (``detected_temperament``) combined by ``remembered`` (``models.language.temperament_memory``, the rule the
    service applies) with the detections of earlier contacts whose words it may read.

    - The same journey's earlier contacts, for every customer: a follow-up joins the customer's open journey,
      whose transcript (the case's, not a profile of the person) holds those contacts' words, and the service
      reads the journey's latest customer turns (``assist.guidance.model.journey_temperament``).
    - With ``memory`` and the customer's profiling consent, the customer's earlier contacts on any channel and
      journey (what ``assist.customers.temperament`` reads from the interaction records).

    Without ``customer_id``, ``started_at`` and ``ended_at`` a row gets its own detection alone (without
    ``journey_id`` no journey's words); a row the service logged itself keeps the temperament it served."""
    detected = detected_temperament(history, threshold)
    if not {"customer_id", "started_at", "ended_at"} <= set(history.columns):
        return detected
    labels = detected.to_numpy(dtype=object)
    consents = np.full(len(history), memory, dtype=bool)
    if memory and "consent_profiling" in history.columns:
        consents = history["consent_profiling"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    customers = history["customer_id"].astype("string").reset_index(drop=True)
    journeys = (history["journey_id"].astype("string").reset_index(drop=True) if "journey_id" in history.columns
                else pd.Series(pd.NA, index=customers.index, dtype="string"))
    groups = ("c:" + customers).where(consents, "j:" + journeys).mask(_live_rows(history))
    return pd.Series(_earlier_reads(history, labels, groups), dtype="string")


def served_history(history: pd.DataFrame, crm_fields: Iterable[str] = (),
                   temperament_threshold: float | None = DEFAULT_THRESHOLD, temperament_memory: bool = True
                   ) -> pd.DataFrame:
    """``history`` as the live service would see each contact: the context columns through ``served_context``
    with the ``CRM_FIELDS`` the center's CRM does not send (all but ``crm_fields``) hidden, and the
    ``PROFILING_FIELDS`` of customers who did not consent to profiling hidden.

    Temperament, unless the CRM sends it, is the one detected from the customer's words at the serving
    threshold ``temperament_threshold`` (``detected_temperament``), remembered across a consenting customer's
    contacts unless ``temperament_memory`` is false (``remembered_temperament``); None: no detection, unknown
    as the other CRM fields (a service that does not read temperament from words).

    Other columns (action, propensity, outcomes, times) are kept as they are. Raises ValueError for a
    ``crm_fields`` entry outside ``CRM_FIELDS``.
    """
    supplied = set(crm_fields)
    if unknown := supplied - set(CRM_FIELDS):
        raise ValueError(f"not CRM fields: {sorted(unknown)} (see models.context.CRM_FIELDS)")
    known = {c: history[c] for c in CONTEXT_COLUMNS if c in history.columns
             and (c not in CRM_FIELDS or c in supplied)}
    if "temperament" not in supplied and temperament_threshold is not None and "temperament" in history.columns:
        known["temperament"] = remembered_temperament(history, temperament_threshold, temperament_memory)
    if "consent_profiling" in history.columns:
        profiled = history["consent_profiling"].astype("boolean").fillna(False).astype(bool)
        known.update({c: known[c].where(profiled) for c in PROFILING_FIELDS if c in known})
    served = served_context(known)
    served.pop("caller_identified")  # history rows name their customer
    out = history.reset_index(drop=True).copy()
    for column, values in served.items():
        out[column] = values
    return out
