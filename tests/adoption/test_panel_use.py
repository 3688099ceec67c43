"""Panel use per closed contact: time in view (cut to the contact), card and article views, per agent and team,
from the known panel events of ``tests.adoption.panel_events`` (worked out there by hand), on both backends."""

from __future__ import annotations

from datetime import timedelta

from assist.adoption.facts import Scope
from assist.panel_use.report import panel_use
from assist.panel_use.tables import PanelEvent
from tests.adoption.events import NOW, add_contact
from tests.adoption.panel_events import known_panel_events


async def report(db, **scope):
    async with db.session() as s:
        return await panel_use(s, Scope(**scope), now=NOW)


async def test_time_in_view_is_cut_to_each_contact_and_divided_by_every_closed_contact(db):
    await known_panel_events(db)
    result = await report(db)
    agents = {r.key: r for r in result.by_agent}
    # A1: S1 260 s in view of 300, S4 none of 120 -> 260 s over 2 contacts; A2: S2 200 s of 600
    assert (agents["A1"].contacts, agents["A1"].contacts_with_panel, agents["A1"].panel_seconds,
            agents["A1"].panel_seconds_per_contact, agents["A1"].handle_seconds) == (2, 1, 260.0, 130.0, 420.0)
    assert agents["A1"].panel_share == round(260 / 420, 4)
    assert (agents["A2"].panel_seconds, agents["A2"].panel_share) == (200.0, round(200 / 600, 4))


async def test_card_and_article_views_per_contact(db):
    await known_panel_events(db)
    result = await report(db)
    agents = {r.key: r for r in result.by_agent}
    assert (agents["A1"].card_views, agents["A1"].card_views_per_contact, agents["A1"].article_views) == (2, 1.0, 1)
    assert (agents["A2"].card_views, agents["A2"].article_views, agents["A2"].article_views_per_contact) == \
        (0, 2, 2.0)
    t = result.totals
    assert (t.contacts, t.panel_seconds, t.panel_seconds_per_contact, t.card_views_per_contact,
            t.article_views_per_contact) == (3, 460.0, round(460 / 3, 1), round(2 / 3, 2), 1.0)


async def test_teams_add_up_their_agents(db):
    await known_panel_events(db)
    result = await report(db)
    assert {r.key: (r.contacts, r.panel_seconds) for r in result.by_team} == {"red": (2, 260.0), "blue": (1, 200.0)}


async def test_filters_keep_one_team_or_one_agent(db):
    await known_panel_events(db)
    blue = await report(db, team="blue")
    assert [r.key for r in blue.by_agent] == ["A2"] and blue.totals.panel_seconds == 200.0
    one = await report(db, agent_id="A1", start=NOW - timedelta(minutes=9))  # S4 only: S1 started earlier
    assert (one.totals.contacts, one.totals.panel_seconds) == (1, 0.0)


async def test_practice_events_count_only_in_a_practice_report(db):
    await known_panel_events(db)
    live = await report(db)
    practice = await report(db, practice=True)
    assert live.totals.card_views == 2  # not the practice card view on S1
    assert practice.totals.contacts == 0  # no practice contact closed: its events count nowhere


async def test_no_closed_contacts_gives_no_per_contact_figures(db):
    result = await report(db)
    assert (result.totals.contacts, result.totals.panel_seconds_per_contact, result.totals.panel_share) == \
        (0, None, None)


async def test_the_default_team_holds_agents_with_no_record(db):
    await known_panel_events(db)
    await add_contact(db, "S5", "A3", "general", [], outcome="resolved", seconds=100)  # ends at NOW - 5 min
    async with db.session() as s:
        s.add(PanelEvent(id="PE-S5", session_id="S5", agent_id="A3", kind="panel_visible",
                         at=NOW - timedelta(minutes=5, seconds=40)))
    result = await report(db, team="default")
    assert [(r.key, r.contacts, r.panel_seconds) for r in result.by_agent] == [("A3", 1, 40.0)]
