"""The catalog is data that must agree with the history schema's vocabulary and the business's costs."""

from __future__ import annotations

import numpy as np

from models.catalog import load_catalog
from models.features import ACTIONS, CHANNELS, PLANS, REASONS, SEGMENTS, TEMPERAMENTS
from simulator.world import catalog as world
from simulator.world.truth import outcome_table
from tests.models.trained import small_history


def test_action_ids_are_the_history_schema_ids_in_the_same_order():
    assert load_catalog().ids == world.ACTIONS == ACTIONS


def test_feature_vocabularies_match_the_schema():
    assert (REASONS, CHANNELS, SEGMENTS, TEMPERAMENTS, PLANS) == (
        world.REASONS, world.CHANNELS, world.SEGMENTS, world.TEMPERAMENTS, world.PLANS)


def test_catalog_costs_are_what_the_world_subtracts_for_every_action():
    frame = small_history().head(300)
    truth = outcome_table(frame).cost
    catalog = load_catalog()
    for j, action in enumerate(catalog.ids):
        ours = catalog.costs(np.full(len(frame), action, dtype=object), frame["refund_amount"].to_numpy(float))
        np.testing.assert_allclose(ours, truth[:, j], atol=1e-9, err_msg=action)


def test_account_actions_need_a_verified_identity():
    catalog = load_catalog()
    needs = {a.id for a in catalog.actions if "identity_verified" in a.preconditions}
    assert needs == set(world.ACCOUNT_ACTIONS)
