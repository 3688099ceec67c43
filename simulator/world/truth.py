"""The ground-truth outcome model: what an agent action does to resolution, escalation, churn and CSAT.

Only the simulator knows this; the models issue may use it to measure how close a learned policy comes
to the best one, never to train. The structure a policy can learn (and a reason-only rule cannot):

* identity first: account-changing actions (refunds, retention discount, plan change) on an unverified
  customer are refused or non-compliant. ``verify_identity`` is a step inside the contact, as in a real
  center: it never resolves anything by itself (its resolution probability is 0), costs nothing, rarely
  loses the customer, and enables the account action that follows in the same session (the history
  continues the contact with identity verified). Its own value is therefore low: identity first is a
  policy guardrail, not something a one-step value prefers; checking an already verified customer again
  only annoys them;
* refunds: a small refund (up to ``SMALL_REFUND`` = 30) settles small disputes, larger amounts need
  ``offer_refund_large``, and above the handling agent's ``refund_limit`` only ``escalate_supervisor``
  gets it approved;
* cancellations: a retention discount keeps high-tenure customers (>= 24 months), a cheaper plan suits
  short-tenure ones; a discount on a reason that has nothing to do with price (outage, technical issue,
  order status, complaint) backfires;
* apology matters more for angry customers and negative sentiment, and twice is worse than once;
* an upsell (plan change) while a complaint is open drives churn; offers without marketing consent
  lower CSAT unless the customer asked (cancel, plan change);
* knowledge articles help analytical customers on digital channels and fail on repeat contacts;
  specialists fix repeat technical issues; callbacks suit vulnerable and anxious customers;
* closing with a survey is right only after an earlier step handled the issue and the mood is good.

Every outcome is a function of the columns in ``TRUTH_COLUMNS`` (all part of the history schema).
``value = P(resolve) + E[CSAT]/5 - P(churn) - 0.25 * P(escalate) - cost(action)``, where ``cost`` is the
money given away (refunds, discounts) or specialist time, in the same units and the same amounts as the
action catalog's costs (``models/catalog.json``), so the reward logged for an action has the truth's
value as its expectation; the oracle policy is the argmax of ``value`` over ``ACTIONS`` for this contact
(one step: what a verification enables shows in the next row of the journey, not in its own value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.world.catalog import ACCOUNT_ACTIONS, ACCOUNT_REASONS, ACTIONS, REASONS

__all__ = [
    "ESCALATION_WEIGHT",
    "SMALL_REFUND",
    "TRUTH_COLUMNS",
    "OutcomeProbabilities",
    "OutcomeTable",
    "action_values",
    "expected_outcome",
    "oracle_action",
    "oracle_actions",
    "outcome_table",
    "policy_value",
    "value",
]

SMALL_REFUND = 30.0
ESCALATION_WEIGHT = 0.25

TRUTH_COLUMNS: tuple[str, ...] = (
    "reason", "channel", "plan", "tenure_months", "lifetime_value", "churn_risk", "temperament",
    "vulnerable", "consent_marketing", "journey_step", "identity_verified", "apology_given",
    "previous_action", "prior_contacts_30d", "open_complaint", "refund_amount", "refund_limit",
    "wait_seconds", "sentiment",
)

_A = {a: i for i, a in enumerate(ACTIONS)}
_R = {r: i for i, r in enumerate(REASONS)}
_RESOLVING = ("offer_refund_small", "offer_refund_large", "offer_retention_discount", "send_knowledge_article",
              "transfer_specialist", "escalate_supervisor", "offer_plan_change", "apologise_acknowledge")

_BASE_RESOLVE = np.array([0.0, -0.5, 0.2, -0.6, -0.2, -0.4, 0.3, 0.5])
_BASE_CHURN = np.array([0.2, 0.4, 0.1, 1.8, 0.2, 0.6, -0.2, 0.0])
# Resolve-logit fit of each action to each reason, columns in REASONS order:
#  billing, outage, refund, cancel, technical, complaint, plan_change, order_status
_FIT = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],  # verify_identity (resolves nothing by itself)
    [-0.3, 0.3, -0.4, -0.6, -0.6, 0.3, -0.8, -0.2],  # apologise_acknowledge
    [0.9, 0.2, 0.9, -0.8, -0.6, 0.2, -1.0, 0.0],  # offer_refund_small
    [0.7, -0.2, 0.9, -0.6, -0.8, 0.1, -1.0, -0.2],  # offer_refund_large
    [-0.3, -0.8, -0.6, 0.4, -0.9, -0.8, 0.1, -0.9],  # offer_retention_discount
    [-0.6, 0.6, -0.8, -1.2, 0.9, -1.2, 0.0, 0.9],  # send_knowledge_article
    [0.2, 0.0, 0.2, -0.1, -0.3, 0.5, -0.8, -0.6],  # escalate_supervisor
    [-0.3, 0.4, -0.5, 0.3, 0.5, -0.3, 0.2, -0.5],  # transfer_specialist
    [-0.4, 0.5, -0.4, -0.2, 0.0, -0.2, -0.5, -0.3],  # schedule_callback
    [0.0, -0.9, -0.6, 0.3, -0.6, -1.2, 1.2, -0.8],  # offer_plan_change
    [-1.5, -1.5, -1.5, -1.5, -1.5, -1.5, -1.5, -1.5],  # close_with_survey
]).T  # -> (reason, action)


@dataclass(frozen=True, slots=True)
class OutcomeProbabilities:
    """What follows one action in one context: probabilities, expected CSAT (1..5) and business cost."""

    resolve: float
    escalate: float
    churn: float
    csat: float
    cost: float

    @property
    def value(self) -> float:
        """The scalar the oracle maximises (see the module docstring)."""
        return self.resolve + self.csat / 5 - self.churn - ESCALATION_WEIGHT * self.escalate - self.cost


@dataclass(frozen=True, slots=True)
class OutcomeTable:
    """Outcomes of every action for many contexts: each array is (n_contexts, len(ACTIONS))."""

    resolve: np.ndarray
    escalate: np.ndarray
    churn: np.ndarray
    csat: np.ndarray
    cost: np.ndarray

    def values(self) -> np.ndarray:
        result: np.ndarray = self.resolve + self.csat / 5 - self.churn - ESCALATION_WEIGHT * self.escalate - self.cost
        return result


def _column(source: pd.DataFrame | Mapping[str, Any], name: str) -> np.ndarray:
    if name not in source:
        raise KeyError(f"context lacks column {name!r} needed by the truth")
    if isinstance(source, pd.DataFrame):
        column = source[name]
        if name == "previous_action":
            return np.asarray(column.astype("string").fillna("").to_numpy(dtype=object))
        return np.asarray(column.to_numpy())
    value = source[name]
    if name == "previous_action" and (value is None or value is pd.NA or value != value):
        value = ""
    return np.asarray([value])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return result


class _Context:
    """The truth's view of contexts as float arrays of shape (n, 1), broadcasting against actions."""

    def __init__(self, source: pd.DataFrame | Mapping[str, Any]) -> None:
        col = {name: _column(source, name) for name in TRUTH_COLUMNS}
        try:
            self.reason = np.array([_R[str(r)] for r in col["reason"]], dtype=np.int64)
        except KeyError as exc:
            raise ValueError(f"unknown reason {exc.args[0]!r}") from None

        def flag(values: Any) -> np.ndarray:
            return np.asarray(values, dtype=np.float64)[:, None]

        def equals(name: str, value: str) -> np.ndarray:
            return flag(col[name].astype(str) == value)

        self.n = len(self.reason)
        reason = np.asarray(REASONS, dtype=object)[self.reason]
        self.is_reason = {r: flag(reason == r) for r in REASONS}
        self.money = self.is_reason["billing_dispute"] + self.is_reason["refund"]
        self.non_price = sum(self.is_reason[r] for r in ("outage", "technical_issue", "order_status", "complaint"))
        self.asked_offer = self.is_reason["cancel"] + self.is_reason["plan_change"]
        self.account_reason = flag(np.isin(reason, list(ACCOUNT_REASONS)))
        self.angry, self.anxious = equals("temperament", "angry"), equals("temperament", "anxious")
        self.analytical = equals("temperament", "analytical")
        self.phone, self.basic = equals("channel", "phone"), equals("plan", "basic")
        self.tenure = flag(col["tenure_months"])
        self.churn_risk = np.clip(flag(col["churn_risk"]), 1e-3, 1 - 1e-3)
        self.vulnerable, self.no_marketing = flag(col["vulnerable"]), 1.0 - flag(col["consent_marketing"])
        self.repeat = flag(np.asarray(col["journey_step"], dtype=np.float64) >= 1)
        self.verified, self.apologised = flag(col["identity_verified"]), flag(col["apology_given"])
        self.complaint_open = np.maximum(flag(col["open_complaint"]), self.is_reason["complaint"])
        self.amount, self.limit = flag(col["refund_amount"]), flag(col["refund_limit"])
        self.wait, self.sentiment = flag(col["wait_seconds"]), flag(col["sentiment"])
        handled = np.isin(col["previous_action"].astype(str), _RESOLVING)
        self.handled = flag(handled) * self.repeat * flag(np.asarray(col["sentiment"], dtype=float) > 0.2)


def _raw_table(c: _Context) -> OutcomeTable:
    """Outcomes of every action for every context (``verify_identity``: see the module docstring)."""
    n, k = c.n, len(ACTIONS)
    a = {name: np.zeros((1, k)) for name in ACTIONS}
    for name in ACTIONS:
        a[name][0, _A[name]] = 1.0
    account = sum(a[x] for x in ACCOUNT_ACTIONS)
    unverified = (1.0 - c.verified) * account
    neg = (c.sentiment < -0.3).astype(float)
    small_ok = (c.amount <= SMALL_REFUND).astype(float)
    over_limit = (c.amount > c.limit).astype(float) * c.money
    high_tenure, short_tenure = (c.tenure >= 24).astype(float), (c.tenure < 24).astype(float)

    res = _BASE_RESOLVE[c.reason][:, None] + _FIT[c.reason]
    res = res + a["apologise_acknowledge"] * (0.9 * c.angry + 0.3 * c.anxious + 0.5 * neg - 0.9 * c.apologised)
    res = res + a["offer_refund_small"] * c.money * (0.6 * small_ok - np.clip((c.amount - SMALL_REFUND) / 40, 0, 1.5))
    res = res - a["offer_refund_large"] * 2.0 * over_limit
    res = res + a["escalate_supervisor"] * (1.6 * over_limit + 1.2 * c.is_reason["complaint"] * c.repeat
                                            + 0.4 * c.vulnerable)
    res = res + a["transfer_specialist"] * (0.8 * c.is_reason["technical_issue"] * c.repeat + 0.3 * c.phone)
    res = res + a["schedule_callback"] * (0.9 * c.vulnerable + 0.3 * c.anxious + 0.3 * c.is_reason["outage"] * c.phone)
    res = res + a["send_knowledge_article"] * (0.5 * c.analytical + 0.3 * (1 - c.phone) - 1.0 * c.repeat
                                               - 0.6 * c.angry - 0.5 * c.vulnerable)
    res = res + a["offer_retention_discount"] * c.is_reason["cancel"] * (1.4 * high_tenure - 0.6 * (c.tenure < 12))
    res = res + a["offer_plan_change"] * (0.8 * c.is_reason["cancel"] * short_tenure
                                          + 0.4 * c.is_reason["plan_change"] * c.basic - 0.8 * c.complaint_open)
    res = res + a["close_with_survey"] * 2.8 * c.handled - 2.2 * unverified
    p_res = _sigmoid(res) * (1.0 - a["verify_identity"])  # a verification resolves nothing by itself

    not_apology = 1.0 - a["apologise_acknowledge"]
    csat = 3.3 + 1.6 * (p_res - 0.5) + 0.5 * c.sentiment - 0.15 * np.minimum(c.wait / 120.0, 3.0)
    csat = csat + a["apologise_acknowledge"] * (0.2 + 0.5 * c.angry - 0.5 * c.apologised)
    csat = csat - not_apology * 0.3 * c.angry * (1 - c.apologised) - 0.4 * unverified
    csat = csat + (a["offer_refund_small"] + a["offer_refund_large"]) * 0.3 * c.money
    csat = csat - a["offer_retention_discount"] * (0.4 * c.non_price + 0.4 * c.vulnerable)
    csat = csat - (a["offer_retention_discount"] + a["offer_plan_change"]) * 0.3 * c.no_marketing * (1 - c.asked_offer)
    csat = csat - a["offer_plan_change"] * 0.8 * c.complaint_open - a["transfer_specialist"] * 0.3
    csat = csat - a["send_knowledge_article"] * 0.3 * c.angry - a["verify_identity"] * (0.3 + 0.4 * c.verified)
    csat = csat + a["close_with_survey"] * (0.3 * (c.sentiment > 0.3) - 0.8 * (c.sentiment < -0.2))
    csat = np.clip(csat, 1.0, 5.0)

    esc = -3.0 + 0.8 * c.is_reason["complaint"] + 0.6 * c.angry + 0.5 * neg + 0.3 * c.repeat - 0.8 * (p_res - 0.5)
    esc = esc + 6.0 * a["escalate_supervisor"] + 0.6 * a["transfer_specialist"] + 0.6 * unverified
    esc = esc + a["offer_refund_large"] * 1.2 * over_limit - a["apologise_acknowledge"] * 0.4 * c.angry
    p_esc = _sigmoid(esc)

    churn = np.log(c.churn_risk / (1 - c.churn_risk)) - 1.0 + _BASE_CHURN[c.reason][:, None] - 1.3 * p_res
    churn = churn - a["offer_retention_discount"] * c.is_reason["cancel"] * (1.3 * high_tenure + 0.4 * short_tenure)
    churn = churn + a["offer_retention_discount"] * 0.2 * c.non_price
    churn = churn - a["offer_plan_change"] * c.is_reason["cancel"] * (0.8 * short_tenure + 0.2 * high_tenure)
    churn = churn + a["offer_plan_change"] * 0.8 * c.complaint_open - a["apologise_acknowledge"] * 0.3 * c.angry
    churn = churn + a["close_with_survey"] * 0.4 * (1 - c.handled)
    # Mid-contact, a customer is lost to a verification only by hanging up and leaving: rarely.
    abandon = np.log(c.churn_risk / (1 - c.churn_risk)) - 3.0 + 0.5 * c.angry
    p_churn = _sigmoid(np.where(a["verify_identity"] > 0, abandon, churn))

    cost = (a["offer_refund_small"] * np.clip(np.maximum(c.amount, 10.0), 0, SMALL_REFUND) / 300
            + a["offer_refund_large"] * np.maximum(c.amount, 50.0) / 600
            + a["offer_retention_discount"] * 0.08 + a["escalate_supervisor"] * 0.05
            + a["transfer_specialist"] * 0.03 + a["schedule_callback"] * 0.03)
    shape = (n, k)
    return OutcomeTable(*(np.broadcast_to(x, shape).copy() for x in (p_res, p_esc, p_churn, csat, cost)))


def outcome_table(contexts: pd.DataFrame | Mapping[str, Any]) -> OutcomeTable:
    """Expected outcomes of every action (columns in ``ACTIONS`` order) for each context row.

    ``contexts`` is a history DataFrame (or one row as a mapping) holding ``TRUTH_COLUMNS``; raises
    KeyError for a missing column and ValueError for an unknown reason.
    """
    return _raw_table(_Context(contexts))


def action_values(contexts: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
    """True ``value`` of every action per context: an (n, len(ACTIONS)) array."""
    return outcome_table(contexts).values()


def expected_outcome(context_row: Mapping[str, Any], action: str) -> OutcomeProbabilities:
    """The true outcome distribution of ``action`` in one context (a history row or a dict).

    Raises ValueError for an action outside ``ACTIONS``.
    """
    if action not in _A:
        raise ValueError(f"unknown action {action!r}")
    table, i = outcome_table(context_row), _A[action]
    return OutcomeProbabilities(float(table.resolve[0, i]), float(table.escalate[0, i]),
                                float(table.churn[0, i]), float(table.csat[0, i]), float(table.cost[0, i]))


def value(context_row: Mapping[str, Any], action: str) -> float:
    """``P(resolve) + E[CSAT]/5 - P(churn) - 0.25 P(escalate) - cost`` of ``action`` in one context."""
    return expected_outcome(context_row, action).value


def oracle_action(context_row: Mapping[str, Any]) -> str:
    """The action with the highest true value in one context."""
    return ACTIONS[int(np.argmax(action_values(context_row)[0]))]


def oracle_actions(contexts: pd.DataFrame) -> np.ndarray:
    """The oracle's action id for every row, as an object array of strings."""
    chosen: np.ndarray = np.asarray(ACTIONS, dtype=object)[np.argmax(action_values(contexts), axis=1)]
    return chosen


def policy_value(contexts: pd.DataFrame, actions: np.ndarray | pd.Series | list[str]) -> float:
    """Mean true value of taking ``actions[i]`` in context row i; raises ValueError on unknown ids."""
    chosen = np.asarray(actions, dtype=object)
    if len(chosen) != len(contexts):
        raise ValueError("one action per context row")
    try:
        idx = np.array([_A[str(x)] for x in chosen], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"unknown action {exc.args[0]!r}") from None
    return float(action_values(contexts)[np.arange(len(idx)), idx].mean())
