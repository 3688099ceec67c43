"""The rules as a policy over history columns: ``assist/guidance/rules.py`` mirrored on logged data.

``models`` may not import ``assist``, and logged history has no transcript, so this module restates the
rules' intent on the schema's columns; the text-triggered rules use the sentiment column instead (an
upset customer -> apologise, a happy repeat contact -> close). The top prompt of ``RuleGuidance`` is the
highest-confidence rule that fires, so the order below follows the rules' confidences. When no rule
fires, the agent follows the usual per-reason practice (``DEFAULT_BY_REASON``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_BY_REASON", "rule_actions"]

ACCOUNT_REASONS = ("billing_dispute", "refund", "cancel", "account_change", "payment", "complaint")
TECH_REASONS = ("outage", "technical_issue")
DEFAULT_BY_REASON = {
    "billing_dispute": "offer_refund_small", "outage": "send_knowledge_article", "refund": "offer_refund_small",
    "cancel": "transfer_specialist", "technical_issue": "send_knowledge_article",
    "complaint": "apologise_acknowledge", "plan_change": "offer_plan_change",
    "order_status": "send_knowledge_article",
}


def rule_actions(frame: pd.DataFrame) -> np.ndarray:
    """The rules' first prompt for every row of a history frame (object array of action ids)."""
    reason = frame["reason"].astype(str).to_numpy(dtype=object)
    verified = frame["identity_verified"].to_numpy(dtype=bool)
    amount = frame["refund_amount"].to_numpy(dtype=np.float64)
    limit = frame["refund_limit"].to_numpy(dtype=np.float64)
    sentiment = frame["sentiment"].to_numpy(dtype=np.float64)
    apologised = frame["apology_given"].to_numpy(dtype=bool)
    vulnerable = frame["vulnerable"].to_numpy(dtype=bool)
    consent = frame["consent_marketing"].to_numpy(dtype=bool)
    repeat = frame["journey_step"].to_numpy(dtype=np.int64) >= 1
    money = amount > 0
    conditions = [
        np.isin(reason, ACCOUNT_REASONS) & ~verified,          # verify_identity (0.95)
        money & (amount > limit),                             # refund over the limit -> supervisor (0.90)
        (sentiment < -0.3) & ~apologised,                     # acknowledge frustration (0.85)
        vulnerable,                                           # vulnerable care (0.85)
        money & (amount <= limit) & (amount <= 50),           # refund within limit (0.80)
        money & (amount <= limit),
        repeat & (sentiment > 0.3),                           # customer says it is resolved (0.80)
        np.isin(reason, TECH_REASONS),                        # knowledge article (0.75)
        (reason == "cancel") & consent,                       # retention offer (0.70)
    ]
    choices = ["verify_identity", "escalate_supervisor", "apologise_acknowledge", "schedule_callback",
               "offer_refund_small", "offer_refund_large", "close_with_survey", "send_knowledge_article",
               "offer_retention_discount"]
    default = np.array([DEFAULT_BY_REASON.get(r, "apologise_acknowledge") for r in reason], dtype=object)
    return np.select(conditions, np.asarray(choices, dtype=object), default=default).astype(object)
