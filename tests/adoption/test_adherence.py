"""Checklist adherence per contact reason, agent and team, from the steps done in each closed contact."""

from __future__ import annotations

from assist.adoption.adherence import adherence
from assist.adoption.facts import Scope
from tests.adoption.events import NOW, add_contact, known_events


async def report(db, **scope):
    async with db.session() as s:
        return await adherence(s, Scope(**scope), now=NOW)


async def test_items_covered_per_reason_agent_and_team(db):
    await known_events(db)
    await add_contact(db, "S4", "A1", "general", ["apologise_acknowledge", "close_with_survey"],
                      outcome="resolved")  # no checklist of its own: the default (acknowledge, confirm)
    result = await report(db)
    # refund (S1): verify_identity yes (identity_verified), disclose_terms no, explain_timeline yes
    # (refund_issued), confirm_resolution no -> 2 of 4; complaint (S2): acknowledge yes, log_complaint no,
    # confirm no -> 1 of 3; general (S4): 2 of 2; S3 is still going and not counted
    reasons = {r.key: (r.contacts, r.covered, r.required) for r in result.by_reason}
    assert reasons == {"refund": (1, 2, 4), "complaint": (1, 1, 3), "general": (1, 2, 2)}
    assert (result.totals.contacts, result.totals.covered, result.totals.required, result.totals.rate) == \
        (3, 5, 9, 0.5556)
    assert {r.key: (r.covered, r.required) for r in result.by_agent} == {"A1": (4, 6), "A2": (1, 3)}
    assert {r.key: r.rate for r in result.by_team} == {"red": 0.6667, "blue": 0.3333}
    items = {i.item: (i.covered, i.required) for i in result.totals.items}
    assert items["confirm_resolution"] == (1, 3) and items["verify_identity"] == (1, 1)
    assert items["acknowledge"] == (2, 2)


async def test_a_team_filter_keeps_its_agents_contacts(db):
    await known_events(db)
    result = await report(db, team="blue")
    assert [r.key for r in result.by_agent] == ["A2"] and result.totals.contacts == 1


async def test_no_closed_contacts_gives_no_rate(db):
    result = await report(db)
    assert (result.totals.contacts, result.totals.rate, result.by_reason) == (0, None, [])
