from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator.world import (
    ACTIONS,
    action_values,
    expected_outcome,
    oracle_action,
    oracle_actions,
    outcome_table,
    playbook_actions,
    policy_value,
    value,
)


def context(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "reason": "billing_dispute", "channel": "phone", "plan": "standard", "tenure_months": 30,
        "lifetime_value": 1500.0, "churn_risk": 0.2, "temperament": "calm", "vulnerable": False,
        "consent_marketing": True, "journey_step": 0, "identity_verified": True, "apology_given": False,
        "previous_action": None, "prior_contacts_30d": 0, "open_complaint": False, "refund_amount": 20.0,
        "refund_limit": 100.0, "wait_seconds": 30.0, "sentiment": 0.0,
    }
    row.update(overrides)
    return row


def test_probabilities_and_csat_are_in_range(history: pd.DataFrame) -> None:
    table = outcome_table(history)
    for probs in (table.resolve, table.escalate, table.churn):
        assert probs.min() >= 0 and probs.max() <= 1
    assert table.csat.min() >= 1 and table.csat.max() <= 5


def test_scalar_outcome_equals_the_table_row(history: pd.DataFrame) -> None:
    row = history.iloc[123]
    table = outcome_table(history.iloc[[123]])
    for k, action in enumerate(ACTIONS):
        outcome = expected_outcome(row, action)
        assert outcome.resolve == pytest.approx(table.resolve[0, k])
        assert value(row, action) == pytest.approx(table.values()[0, k])


def test_value_is_resolve_plus_csat_minus_churn_escalation_and_cost() -> None:
    o = expected_outcome(context(), "offer_refund_small")
    assert o.value == pytest.approx(o.resolve + o.csat / 5 - o.churn - 0.25 * o.escalate - o.cost)


def test_oracle_is_at_least_as_good_as_every_other_policy(history: pd.DataFrame) -> None:
    sample = history.sample(5_000, random_state=0)
    best = policy_value(sample, oracle_actions(sample))
    rng = np.random.default_rng(0)
    others = {
        "logged": sample["action"].to_numpy(dtype=object),
        "playbook": playbook_actions(sample),
        "random": rng.choice(np.asarray(ACTIONS, dtype=object), len(sample)),
        **{a: np.full(len(sample), a, dtype=object) for a in ACTIONS},
    }
    for name, actions in others.items():
        assert best >= policy_value(sample, actions), name


def test_oracle_beats_the_best_reason_only_rule_by_a_margin(history: pd.DataFrame) -> None:
    values = action_values(history)
    reason_rule = sum(values[(history["reason"] == r).to_numpy()].mean(axis=0).max() * (history["reason"] == r).sum()
                      for r in history["reason"].unique()) / len(history)
    assert values.max(axis=1).mean() - reason_rule > 0.1


def test_the_best_action_varies_within_every_reason(history: pd.DataFrame) -> None:
    best = pd.Series(oracle_actions(history), index=history.index)
    for reason, actions in best.groupby(history["reason"]):
        assert actions.value_counts(normalize=True).iloc[0] < 0.9, reason


def test_identity_must_be_verified_before_an_account_change() -> None:
    unverified = context(reason="refund", refund_amount=20.0, identity_verified=False)
    verified = context(reason="refund", refund_amount=20.0, identity_verified=True)
    assert value(unverified, "offer_refund_small") < value(verified, "offer_refund_small") - 0.3


def test_a_verification_resolves_nothing_and_costs_nothing_by_itself() -> None:
    check = expected_outcome(context(reason="refund", identity_verified=False), "verify_identity")
    assert (check.resolve, check.cost) == (0.0, 0.0)
    assert check.churn < 0.05


def test_what_a_verification_enables_is_worth_more_than_anything_before_it() -> None:
    unverified = context(reason="refund", refund_amount=20.0, identity_verified=False)
    verified = context(reason="refund", refund_amount=20.0, identity_verified=True)
    assert value(verified, "offer_refund_small") > action_values(unverified).max() + 0.3
    assert value(unverified, "verify_identity") < value(verified, "offer_refund_small") - 1.0


def test_checking_an_already_verified_customer_again_only_annoys_them() -> None:
    again = expected_outcome(context(identity_verified=True), "verify_identity")
    first = expected_outcome(context(identity_verified=False), "verify_identity")
    assert again.resolve == 0.0 and again.csat < first.csat


def test_refund_above_the_agents_limit_needs_a_supervisor() -> None:
    above = context(reason="refund", refund_amount=180.0, refund_limit=100.0)
    within = context(reason="refund", refund_amount=80.0, refund_limit=100.0)
    assert value(above, "escalate_supervisor") > value(above, "offer_refund_large")
    assert value(within, "offer_refund_large") > value(within, "escalate_supervisor")


def test_small_disputes_take_the_small_refund() -> None:
    assert oracle_action(context(reason="billing_dispute", refund_amount=15.0)) == "offer_refund_small"


def test_retention_discount_suits_long_tenure_and_plan_change_short_tenure() -> None:
    loyal = context(reason="cancel", tenure_months=60, refund_amount=0.0)
    new = context(reason="cancel", tenure_months=6, refund_amount=0.0)
    assert value(loyal, "offer_retention_discount") > value(loyal, "offer_plan_change")
    assert value(new, "offer_plan_change") > value(new, "offer_retention_discount")


def test_retention_discount_backfires_when_price_is_not_the_issue() -> None:
    outage = context(reason="outage", refund_amount=0.0)
    assert value(outage, "offer_retention_discount") < value(outage, "send_knowledge_article")
    assert (expected_outcome(outage, "offer_retention_discount").churn
            > expected_outcome(outage, "send_knowledge_article").churn)


def test_apology_matters_more_for_angry_customers() -> None:
    def lift(temperament: str) -> float:
        row = context(reason="outage", temperament=temperament, refund_amount=0.0)
        return value(row, "apologise_acknowledge") - value(row, "send_knowledge_article")

    assert lift("angry") > lift("calm") + 0.2


def test_upsell_during_an_open_complaint_backfires() -> None:
    calm = context(reason="plan_change", open_complaint=False, refund_amount=0.0)
    complaining = context(reason="plan_change", open_complaint=True, refund_amount=0.0)
    assert (expected_outcome(complaining, "offer_plan_change").churn
            > 2 * expected_outcome(calm, "offer_plan_change").churn)
    assert value(complaining, "offer_plan_change") < value(calm, "offer_plan_change") - 0.3


def test_knowledge_articles_fail_on_repeat_contacts() -> None:
    first = context(reason="technical_issue", refund_amount=0.0, channel="chat")
    repeat = context(reason="technical_issue", refund_amount=0.0, channel="chat", journey_step=1,
                     previous_action="send_knowledge_article")
    assert oracle_action(first) == "send_knowledge_article"
    assert oracle_action(repeat) == "transfer_specialist"


def test_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError):
        expected_outcome(context(), "hang_up")


def test_a_policy_learned_from_the_history_beats_the_playbook(history: pd.DataFrame, world) -> None:  # type: ignore[no-untyped-def]
    from sklearn.ensemble import HistGradientBoostingRegressor

    from simulator.world import generate_history

    features = ["reason", "channel", "plan", "tenure_months", "churn_risk", "temperament", "vulnerable",
                "consent_marketing", "journey_step", "identity_verified", "apology_given", "previous_action",
                "open_complaint", "refund_amount", "refund_limit", "sentiment"]

    def design(frame: pd.DataFrame, action: object) -> pd.DataFrame:
        x = frame[features].copy()
        for column in ("reason", "channel", "plan", "temperament", "previous_action"):
            x[column] = pd.Categorical(x[column].astype("string").fillna("none").astype(str))
        x["over_limit"] = (frame["refund_amount"] > frame["refund_limit"]).astype(int)
        x["action"] = pd.Categorical(np.broadcast_to(np.asarray(action, dtype=object), len(frame)), categories=ACTIONS)
        return x.astype({c: int for c in x.columns if x[c].dtype == bool})

    reward = (history["resolved"].astype(float) + history["csat"].astype(float) / 5 - history["churned"]
              - 0.25 * history["escalated"])
    model = HistGradientBoostingRegressor(max_iter=100, categorical_features="from_dtype", random_state=0)
    model.fit(design(history, history["action"].to_numpy(dtype=object)), reward)
    test = generate_history(world, 5_000, seed=1234)
    greedy = np.asarray(ACTIONS, dtype=object)[np.argmax(np.stack([model.predict(design(test, a)) for a in ACTIONS],
                                                                    axis=1), axis=1)]
    assert policy_value(test, greedy) > policy_value(test, playbook_actions(test)) + 0.1
    assert policy_value(test, oracle_actions(test)) > policy_value(test, greedy)
