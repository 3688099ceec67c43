"""Closed loop: a detractor contact (low CSAT, a complaint or follow-up disposition) opens one follow-up item for
supervisors with its journey attached, written through the record journal; supervisors assign and close it."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from assist.auth.principal import Principal, Role
from assist.errors import Conflict, NotFound
from assist.privacy.service import erase_customer
from assist.stores.tables import Agent, AuditEntry
from assist.stream.protocol import CloseData, WrapUpData
from assist.supervision.followups import detractor_reasons, follow_up_id, list_follow_ups, update_follow_up
from assist.supervision.journal import FOLLOW_UP_KIND
from assist.supervision.schemas import FollowUpUpdate
from assist.supervision.tables import FollowUp
from assist.wrapup.dispositions import DEFAULT_DISPOSITIONS
from tests.supervision.steps import open_chat

SUPERVISOR = Principal(subject="S1", role=Role.SUPERVISOR)
CODES = ("follow_up_needed", "complaint_logged")


@pytest.fixture(autouse=True)
async def drop_keys(app):
    yield
    redis = app.state.redis
    async for key in redis.client.scan_iter(match=f"{redis.keys.prefix}:*", count=500):
        await redis.client.delete(key)


async def closed(app, csat: int | None = None, disposition: str | None = None, practice: bool = False,
                 summary: str = "Customer disputes the March bill; credit refused.", agent_id: str = "A1") -> str:
    """A chat of ``agent_id`` closed as unresolved with ``csat`` and ``disposition``; the journal drained. Its
    session id."""
    service, agent, session_id = await open_chat(app, agent_id=agent_id, practice=practice)
    await service.close(agent, CloseData(session_id=session_id, outcome="unresolved", csat=csat, summary=summary,
                                         disposition=disposition))
    await app.state.records.flush()
    return session_id


async def items(db) -> list[FollowUp]:
    async with db.session() as s:
        return list((await s.exec(select(FollowUp))).all())


def test_a_csat_of_2_or_less_is_a_detractor_and_3_is_not():
    reasons = [detractor_reasons(csat, None, csat_at_most=2, codes=CODES, labels=DEFAULT_DISPOSITIONS)
               for csat in (1, 2, 3, 5, None)]
    assert reasons == [["CSAT 1 of 5"], ["CSAT 2 of 5"], [], [], []]


def test_a_complaint_or_follow_up_disposition_is_a_detractor_in_its_label_words():
    assert detractor_reasons(4, "complaint_logged", csat_at_most=2, codes=CODES,
                             labels=DEFAULT_DISPOSITIONS) == ["wrap-up: Complaint logged"]
    assert detractor_reasons(1, "follow_up_needed", csat_at_most=2, codes=CODES,
                             labels=DEFAULT_DISPOSITIONS) == ["CSAT 1 of 5", "wrap-up: Follow-up needed"]
    assert detractor_reasons(None, "resolved_first_contact", csat_at_most=2, codes=CODES,
                             labels=DEFAULT_DISPOSITIONS) == []


async def test_a_low_csat_close_opens_a_follow_up_with_its_journey_attached(app, db):
    session_id = await closed(app, csat=1)
    [item] = await items(db)
    state = await app.state.session_service.sessions.get(session_id)
    assert (item.id, item.status, item.session_id, item.agent_id) == (follow_up_id(session_id), "open", session_id,
                                                                      "A1")
    assert item.journey_id == state.journey_id and item.journey_id is not None
    assert (item.contact_reason, item.channel, item.outcome, item.csat) == ("billing_dispute", "chat", "unresolved", 1)
    assert item.summary == "Customer disputes the March bill; credit refused."
    assert item.why == ["CSAT 1 of 5"]
    assert item.customer_id == "C1"


async def test_the_follow_up_shows_the_customer_masked_as_a_supervisor_may_see_them(app, db):
    await closed(app, csat=2)
    [item] = await items(db)
    assert item.customer == {"id": "C1", "name": "Jane Doe", "account_number": "***4567", "withheld": []}


async def test_a_satisfied_close_opens_no_follow_up(app, db):
    await closed(app, csat=3, disposition="resolved_first_contact")
    assert await items(db) == []


async def test_a_close_carrying_a_complaint_disposition_opens_one(app, db):
    await closed(app, csat=None, disposition="complaint_logged")
    [item] = await items(db)
    assert (item.why, item.disposition) == (["wrap-up: Complaint logged"], "complaint_logged")


async def test_a_practice_contact_opens_none(app, db):
    await closed(app, csat=1, practice=True)
    assert await items(db) == []


async def test_a_follow_up_needed_wrapup_after_a_satisfied_close_opens_one_with_the_close_csat(app, db):
    session_id = await closed(app, csat=4)
    service = app.state.session_service
    await service.submit_wrapup(Principal(subject="A1", role=Role.AGENT), WrapUpData(
        session_id=session_id, disposition="follow_up_needed", summary="Promised a call back about the bill."))
    await app.state.records.flush()
    [item] = await items(db)
    assert (item.csat, item.outcome, item.disposition) == (4, "unresolved", "follow_up_needed")
    assert (item.why, item.summary) == (["wrap-up: Follow-up needed"], "Promised a call back about the bill.")


async def test_the_wrapup_of_a_detractor_close_updates_its_one_item_with_the_agents_summary(app, db):
    session_id = await closed(app, csat=1)
    await app.state.session_service.submit_wrapup(Principal(subject="A1", role=Role.AGENT), WrapUpData(
        session_id=session_id, disposition="not_resolved", summary="Credit refused twice; customer angry."))
    await app.state.records.flush()
    [item] = await items(db)
    assert (item.csat, item.disposition, item.why) == (1, "not_resolved", ["CSAT 1 of 5"])
    assert item.summary == "Credit refused twice; customer angry."


async def test_a_close_entry_written_twice_stores_one_item(app, db):
    session_id = await closed(app, csat=1)
    [item] = await items(db)
    journal = app.state.records.journal
    entry = {**item.model_dump(mode="json"), "customer_id": item.customer_id}
    for _ in range(2):  # the writer died between the commit and the delete: the entry is written again
        await journal.append(FOLLOW_UP_KIND, entry)
    await app.state.records.flush()
    assert [i.id for i in await items(db)] == [follow_up_id(session_id)]


async def test_a_later_entry_leaves_a_closed_item_as_its_supervisor_closed_it(app, db):
    session_id = await closed(app, csat=1)
    await update_follow_up(db, SUPERVISOR, follow_up_id(session_id), FollowUpUpdate(action="close", note="called"))
    [item] = await items(db)
    await app.state.records.journal.append(FOLLOW_UP_KIND, {**item.model_dump(mode="json"), "status": "open",
                                                            "summary": "replayed", "note": ""})
    await app.state.records.flush()
    [after] = await items(db)
    assert (after.status, after.summary, after.note) == ("done", item.summary, "called")


async def test_open_items_are_listed_oldest_first(app, db):
    first = await closed(app, csat=1)
    second = await closed(app, csat=2)
    assert [i.session_id for i in await list_follow_ups(db, "open")] == [first, second]


async def test_a_team_filter_lists_the_items_of_that_teams_agents_and_default_holds_those_with_none(app, db):
    async with db.session() as s:
        s.add(Agent(id="N1", name="Agent N1", team="north", channels={"chat": 3}))
    north = await closed(app, csat=1, agent_id="N1")
    unteamed = await closed(app, csat=1, agent_id="A1")
    assert ([i.session_id for i in await list_follow_ups(db, "open", team="north")],
            [i.session_id for i in await list_follow_ups(db, "open", team="default")],
            await list_follow_ups(db, "open", team="south")) == ([north], [unteamed], [])


async def test_an_agent_filter_lists_only_that_agents_items(app, db):
    await closed(app, csat=1, agent_id="A1")
    theirs = await closed(app, csat=2, agent_id="A9")
    assert [i.session_id for i in await list_follow_ups(db, "open", agent_id="A9")] == [theirs]


async def test_assigning_keeps_it_open_and_is_audited(app, db):
    session_id = await closed(app, csat=1)
    item = await update_follow_up(db, SUPERVISOR, follow_up_id(session_id),
                                  FollowUpUpdate(action="assign", assignee="S2", note="call her back"))
    assert (item.status, item.assignee, item.note) == ("open", "S2", "call her back")
    async with db.session() as s:
        [audit] = (await s.exec(select(AuditEntry).where(AuditEntry.action == "follow_up_assigned"))).all()
    assert (audit.actor_id, audit.customer_id) == ("S1", "C1")
    assert audit.reason == f"{item.id} of A1 assigned to S2: call her back"


async def test_closing_marks_it_done_with_who_and_the_note_and_is_audited(app, db):
    session_id = await closed(app, csat=1)
    item = await update_follow_up(db, SUPERVISOR, follow_up_id(session_id),
                                  FollowUpUpdate(action="close", note="refund agreed on the phone"))
    assert (item.status, item.closed_by, item.note) == ("done", "S1", "refund agreed on the phone")
    assert [i.id for i in await list_follow_ups(db, "done")] == [item.id]
    assert await list_follow_ups(db, "open") == []
    async with db.session() as s:
        [audit] = (await s.exec(select(AuditEntry).where(AuditEntry.action == "follow_up_closed"))).all()
    assert audit.reason == f"{item.id} of A1 closed: refund agreed on the phone"


async def test_a_done_item_cannot_be_closed_or_assigned_again(app, db):
    session_id = await closed(app, csat=1)
    await update_follow_up(db, SUPERVISOR, follow_up_id(session_id), FollowUpUpdate(action="close"))
    for action in ("close", "assign"):
        with pytest.raises(Conflict) as refused:
            await update_follow_up(db, SUPERVISOR, follow_up_id(session_id), FollowUpUpdate(action=action))
        assert refused.value.code == "follow_up_done"


async def test_an_unknown_item_is_not_found(app, db):
    with pytest.raises(NotFound) as refused:
        await update_follow_up(db, SUPERVISOR, "FU-nope", FollowUpUpdate(action="close"))
    assert refused.value.code == "unknown_follow_up"


async def test_a_supervisor_lists_and_closes_over_rest_and_an_agent_gets_403(app, client, auth):
    session_id = await closed(app, csat=1)
    listed = await client.get("/v1/supervision/follow-ups?status=open", headers=auth("S1", "supervisor"))
    assert listed.status_code == 200
    [item] = listed.json()["follow_ups"]
    assert (item["id"], item["why"], item["customer"]["name"]) == (follow_up_id(session_id), ["CSAT 1 of 5"],
                                                                   "Jane Doe")
    url = f"/v1/supervision/follow-ups/{item['id']}"
    assert (await client.get("/v1/supervision/follow-ups?team=", headers=auth("S1", "supervisor"))).status_code == 422
    assert (await client.get("/v1/supervision/follow-ups?team=default",
                             headers=auth("S1", "supervisor"))).json()["follow_ups"][0]["id"] == item["id"]
    assert (await client.get("/v1/supervision/follow-ups", headers=auth("A1", "agent"))).status_code == 403
    assert (await client.post(url, json={"action": "close"}, headers=auth("A1", "agent"))).status_code == 403
    done = await client.post(url, json={"action": "close", "note": "sorted"}, headers=auth("S1", "supervisor"))
    assert (done.status_code, done.json()["status"]) == (200, "done")
    again = await client.post(url, json={"action": "close"}, headers=auth("S2", "admin"))
    assert (again.status_code, again.json()["code"]) == (409, "follow_up_done")
    assert json.loads((await client.get("/v1/supervision/follow-ups?status=done",
                                        headers=auth("S1", "supervisor"))).text)["follow_ups"][0]["note"] == "sorted"


async def test_erasing_the_customer_clears_the_summary_customer_and_note_of_their_follow_ups(app, db):
    session_id = await closed(app, csat=1)
    await update_follow_up(db, SUPERVISOR, follow_up_id(session_id),
                           FollowUpUpdate(action="assign", note="call Jane on 07700 900123"))
    async with db.session() as s:
        touched = await erase_customer(s, Principal(subject="X1", role=Role.ADMIN), "C1")
    [item] = await items(db)
    assert touched["follow_ups"] == 1
    assert (item.summary, item.customer, item.note) == ("", {}, "")
    assert (item.status, item.why) == ("open", ["CSAT 1 of 5"])
