"""Serving honours the arm: a hold-out panel gets the context and no prompts, each arm's provider guides its
contacts, and every prompt and every closed contact carries its experiment and arm into SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from assist.auth.principal import Principal, Role
from assist.experiments.assignment import arm_for
from assist.experiments.service import arms_of
from assist.experiments.tables import Experiment
from assist.guidance.tables import ModelVersion
from assist.sessions.events import handle_event
from assist.sessions.schemas import OfferRequest
from assist.stores.tables import Agent, Interaction, PromptRecord
from assist.stream.protocol import CloseData, EventData
from tests.assist.records import add_customer
from tests.models.trained import saved_model

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


def experiment(arms, unit="agent", queue="refund") -> Experiment:
    return Experiment(id="X-serve", name="serving", unit=unit, queue=queue,
                      arms=[{"name": name, "kind": kind, "model_version": version, "weight": 1.0,
                             "control": n == 0} for n, (name, kind, version) in enumerate(arms)],
                      start_at=datetime.now(UTC) - timedelta(minutes=1), created_by="S1")


def agent_in(row: Experiment, arm: str) -> str:
    """An agent id the hash puts in ``arm``."""
    return next(f"A{i}" for i in range(1000) if arm_for(row.id, f"A{i}", arms_of(row)).name == arm)


async def open_refund(app, agent_id: str, reason: str = "refund", practice: bool = False):
    """An accepted chat for Jane Doe, verified, who asked for a refund above the agent's limit."""
    service = app.state.session_service
    async with app.state.db.session() as s:
        if await s.get(Agent, agent_id) is None:
            s.add(Agent(id=agent_id, name=agent_id, refund_limit=50, channels={"chat": 3}))
    agent = Principal(subject=agent_id, role=Role.AGENT)
    state = await service.offer(OfferRequest(agent_id=agent_id, channel="chat", reason=reason, practice=practice,
                                             identifiers={"email": "jane.doe@example.com"}))
    await service.accept(agent, state.id)
    prompts = list(await handle_event(service, agent, EventData(session_id=state.id, kind="action",
                                                                action="verify_identity")))
    prompts += await handle_event(service, agent, EventData(session_id=state.id, kind="action",
                                                            action="request_refund", fields={"amount": 120}))
    return service, agent, state.id, prompts


async def sent(service, agent_id: str, kind: str):
    envelopes, _ = await service.delivery.outbox.since(agent_id, 0)
    return [e for e in envelopes if e.type == kind]


async def test_a_hold_out_panel_gets_the_context_card_and_no_prompts(app, db):
    row = experiment([("rules", "rules", None), ("hold-out", "off", None)])
    async with db.session() as s:
        s.add(row)
    await add_customer(db)
    agent_id = agent_in(row, "hold-out")
    service, agent, session_id, prompts = await open_refund(app, agent_id)
    assert prompts == []
    assert await sent(service, agent_id, "prompt") == []
    assert len(await sent(service, agent_id, "context")) == 1
    state = await service.sessions.get(session_id)
    assert (state.experiment.experiment_id, state.experiment.arm) == ("X-serve", "hold-out")


async def test_a_closed_contact_records_its_arm_though_it_had_no_prompt(app, db):
    row = experiment([("rules", "rules", None), ("hold-out", "off", None)])
    async with db.session() as s:
        s.add(row)
    await add_customer(db)
    service, agent, session_id, _ = await open_refund(app, agent_in(row, "hold-out"))
    await service.close(agent, CloseData(session_id=session_id, outcome="resolved", csat=4,
                                         disposition="resolved_first_contact"))
    async with db.session() as s:
        interaction = await s.get(Interaction, f"I-{session_id}")
    assert (interaction.experiment_id, interaction.arm, interaction.outcome) == ("X-serve", "hold-out", "resolved")


async def test_prompts_of_an_arm_are_recorded_with_its_experiment_and_arm(app, db):
    row = experiment([("rules", "rules", None), ("hold-out", "off", None)])
    async with db.session() as s:
        s.add(row)
    await add_customer(db)
    _, _, session_id, prompts = await open_refund(app, agent_in(row, "rules"))
    assert prompts and all(p.source == "rules" and not p.degraded for p in prompts)
    await app.state.records.flush()
    async with db.session() as s:
        records = (await s.exec(select(PromptRecord).where(PromptRecord.session_id == session_id))).all()
    assert len(records) >= len(prompts)
    assert {(r.experiment_id, r.arm) for r in records} == {("X-serve", "rules")}


async def test_contacts_of_another_queue_and_practice_contacts_are_outside_the_experiment(app, db):
    row = experiment([("rules", "rules", None), ("hold-out", "off", None)])
    async with db.session() as s:
        s.add(row)
    await add_customer(db)
    agent_id = agent_in(row, "hold-out")
    service, _, other_queue, prompts = await open_refund(app, agent_id, reason="billing")
    assert prompts  # served as usual
    assert (await service.sessions.get(other_queue)).experiment is None
    _, _, practice, prompts = await open_refund(app, agent_id, practice=True)
    assert prompts and (await service.sessions.get(practice)).experiment is None
    await app.state.records.flush()
    async with db.session() as s:
        records = (await s.exec(select(PromptRecord))).all()
    assert records and all(r.experiment_id is None and r.arm is None for r in records)


async def test_a_contact_unit_experiment_draws_the_arm_from_the_contacts_journey(app, db):
    row = experiment([("rules", "rules", None), ("hold-out", "off", None)], unit="contact")
    async with db.session() as s:
        s.add(row)
    await add_customer(db)
    service, _, first, _ = await open_refund(app, "A1")
    state = await service.sessions.get(first)
    assert state.experiment.arm == arm_for("X-serve", state.journey_id, arms_of(row)).name


async def test_a_model_version_arm_that_cannot_load_is_served_by_rules_flagged_degraded(app, db):
    row = experiment([("rules", "rules", None), ("december", "model_version", "v-missing")])
    async with db.session() as s:
        s.add(ModelVersion(version="v-missing", path="v-missing", data_hash="0"))  # no files under the root
        s.add(row)
    await add_customer(db)
    _, _, session_id, prompts = await open_refund(app, agent_in(row, "december"))
    assert prompts and all(p.degraded and p.source == "rules" for p in prompts)


async def test_a_model_version_arm_is_guided_by_that_version_while_the_control_gets_rules(app, db):
    registry = app.state.model_registry
    await registry.register(saved_model(registry.root, "v-arm"))  # registered, never promoted
    row = experiment([("rules", "rules", None), ("v-arm", "model_version", "v-arm")])
    async with db.session() as s:
        s.add(row)
    await add_customer(db)
    service, agent, pinned, prompts = await open_refund(app, agent_in(row, "v-arm"))
    assert prompts and all(p.model_version == "v-arm" and not p.degraded for p in prompts)
    assert any(p.source == "model" for p in prompts)
    await service.close(agent, CloseData(session_id=pinned, outcome="resolved",  # the next contact is a new journey
                                         disposition="resolved_first_contact"))
    _, _, control, prompts = await open_refund(app, agent_in(row, "rules"))
    assert prompts and all(p.source == "rules" and p.model_version is None for p in prompts)
    await app.state.records.flush()
    async with db.session() as s:
        records = (await s.exec(select(PromptRecord).where(PromptRecord.session_id == pinned))).all()
    assert records and {(r.arm, r.model_version) for r in records if r.source == "model"} == {("v-arm", "v-arm")}
