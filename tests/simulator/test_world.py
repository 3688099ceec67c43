from __future__ import annotations

import pandas as pd
import pytest

from simulator.world import generate_history, generate_world
from simulator.world.history import MAX_STEPS


def test_same_seed_gives_identical_history() -> None:
    first = generate_history(generate_world(5, n_customers=2_000), 3_000)
    second = generate_history(generate_world(5, n_customers=2_000), 3_000)
    pd.testing.assert_frame_equal(first, second)


def test_different_seed_gives_different_history() -> None:
    first = generate_history(generate_world(5, n_customers=2_000), 3_000)
    second = generate_history(generate_world(6, n_customers=2_000), 3_000)
    assert not first[["customer_id", "reason", "action"]].equals(second[["customer_id", "reason", "action"]])


def test_history_seed_gives_another_history_of_the_same_world() -> None:
    world = generate_world(5, n_customers=2_000)
    default, other = generate_history(world, 2_000), generate_history(world, 2_000, seed=99)
    assert set(other["customer_id"]) <= set(world.customers["customer_id"])
    assert not default["action"].equals(other["action"])


def test_history_has_exactly_n_rows_in_time_order(history: pd.DataFrame) -> None:
    assert len(history) == 20_000
    assert history["started_at"].is_monotonic_increasing
    assert history["interaction_id"].is_unique


def test_journey_steps_follow_each_other(history: pd.DataFrame) -> None:
    ordered = history.sort_values(["journey_id", "started_at"])
    position = ordered.groupby("journey_id").cumcount()
    assert (ordered["journey_step"] == position).all()


def test_later_steps_carry_the_previous_action(history: pd.DataFrame) -> None:
    ordered = history.sort_values(["journey_id", "journey_step"])
    previous = ordered.groupby("journey_id")["action"].shift(1)
    later = ordered["journey_step"] > 0
    assert (ordered.loc[later, "previous_action"] == previous[later]).all()
    assert ordered.loc[~later, "previous_action"].isna().all()


def test_a_verification_contact_is_never_resolved_and_its_session_goes_on_verified(history: pd.DataFrame) -> None:
    checks = history[history["action"] == "verify_identity"]
    assert not checks["resolved"].any()
    following = history.groupby("journey_id").shift(-1)
    stays = ~checks["churned"] & (checks["journey_step"] < MAX_STEPS - 1)
    went_on = following.loc[checks.index[stays]]
    went_on = went_on[went_on["journey_step"].notna()]  # the export window may end before the next contact
    assert len(went_on) > 0.95 * stays.sum()
    assert went_on["identity_verified"].all() and (went_on["wait_seconds"] == 0).all()
    assert (went_on["channel"] == checks.loc[went_on.index, "channel"]).all()


def test_customer_lookup_returns_the_row(world) -> None:  # type: ignore[no-untyped-def]
    row = world.customers.iloc[17]
    customer = world.customer(str(row["customer_id"]))
    assert customer.tenure_months == int(row["tenure_months"])
    assert set(customer.consent) == {"service", "marketing", "profiling", "analytics", "recording"}
    with pytest.raises(KeyError):
        world.customer("nobody")


def test_history_rejects_an_empty_request(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        generate_history(world, 0)
