"""Queues from an operator's YAML file: what it says becomes the queues' policies, and a bad file is refused with
every problem named before anything routes by it."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.config import RoutingConfigError, load_routing_config
from routing.engine import QueuePolicy, RelaxationStep, with_queue_skills
from routing.service import RoutingConfig, RoutingService
from tests.routing.conftest import Clock, add_agent, new_contact

SALES = """
max_misses: 2
queues:
  sales:
    group: sales
    required_skills: {sales: 3}
    offer_timeout_seconds: 15
    sticky_seconds: 30
    sticky_hold: false
    steps:
      - {after_seconds: 0, proficiency_delta: 1}
      - {after_seconds: 60, drop_preferred: true}
      - {after_seconds: 90, overflow_group: overflow}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "routing.yaml"
    path.write_text(text)
    return path


def test_a_file_of_queues_becomes_their_policies(tmp_path: Path) -> None:
    config = load_routing_config(write(tmp_path, SALES))
    assert config.max_misses == 2
    assert config.policies["sales"] == QueuePolicy(
        name="sales", group="sales", required_skills=(("sales", 3),), offer_timeout_seconds=15.0,
        sticky_seconds=30.0, sticky_hold=False,
        steps=(RelaxationStep(0, proficiency_delta=1), RelaxationStep(60, drop_preferred=True),
               RelaxationStep(90, overflow_group="overflow")))


def test_a_file_without_a_default_queue_gets_one_with_the_engines_defaults(tmp_path: Path) -> None:
    assert load_routing_config(write(tmp_path, SALES)).policies["default"] == QueuePolicy()


def test_an_empty_file_is_the_default_configuration(tmp_path: Path) -> None:
    assert load_routing_config(write(tmp_path, "")).policies == RoutingConfig().policies


def test_an_invalid_file_names_every_problem_with_its_place(tmp_path: Path) -> None:
    bad = """
queues:
  sales:
    colour: blue
    offer_timeout_seconds: -1
  Bad Name: {}
"""
    with pytest.raises(RoutingConfigError) as refused:
        load_routing_config(write(tmp_path, bad))
    message = str(refused.value)
    for place in ("queues.sales.colour", "queues.sales.offer_timeout_seconds", "queues.Bad Name"):
        assert place in message


def test_relaxation_steps_out_of_order_are_refused_with_their_queue(tmp_path: Path) -> None:
    bad = "queues:\n  sales:\n    steps: [{after_seconds: 60}, {after_seconds: 30}]\n"
    with pytest.raises(RoutingConfigError, match="queues.sales.steps: steps must have strictly increasing"):
        load_routing_config(write(tmp_path, bad))


@pytest.mark.parametrize("text", ["queues: [unclosed", "- just\n- a list"])
def test_a_file_that_is_not_a_mapping_of_queues_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(RoutingConfigError, match="routing configuration"):
        load_routing_config(write(tmp_path, text))


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(RoutingConfigError, match="nowhere.yaml"):
        load_routing_config(tmp_path / "nowhere.yaml")


def test_a_queues_required_skills_join_the_contacts_at_the_higher_level(clock: Clock) -> None:
    policy = QueuePolicy(required_skills=(("billing", 1), ("sales", 3)))
    contact = with_queue_skills(new_contact(clock, required_skills={"billing": 2}), policy)
    assert contact.required_skills == {"billing": 2, "sales": 3}


async def test_a_configured_queue_routes_by_its_skills_steps_pool_and_timeout(
        tmp_path: Path, redis_client, key, clock: Clock) -> None:
    config = load_routing_config(write(tmp_path, SALES))
    service = RoutingService(redis_client, key, config=config, clock=clock)
    await service.sync()
    for skill in ("billing", "sales"):
        await service.agents.put_skill(skill)
    await add_agent(service, "S1", skills={"billing": 3, "sales": 2}, groups=("sales",))
    await add_agent(service, "X1", skills={"billing": 5, "sales": 5})  # not in the queue's pool
    routed = await service.submit(new_contact(clock, "c1", queue="sales"))
    assert routed.offer is not None and routed.offer.agent_id == "S1"
    assert routed.decision.step == 1  # sales 3 relaxed to 2 at once by the first step
    assert routed.offer.expires_at == clock() + 15
    assert routed.contact.required_skills == {"billing": 2, "sales": 3}
