"""The daily roll-up of panel use: the report read from whole rolled days plus the raw rest gives the figures of
a full scan of every event, on both backends; a contact running past midnight counts whole on its start day."""

from __future__ import annotations

from datetime import timedelta

from assist.adoption.facts import Scope
from assist.adoption.rollup import LATE_DAYS, SETTLE_DAYS, roll
from assist.panel_use.report import panel_use
from assist.panel_use.rollup import panel_watermark, roll_panel_use
from assist.panel_use.tables import PanelEvent, PanelUseDay
from assist.stores.tables import Interaction, PromptRecord
from tests.adoption.events import NOW
from tests.adoption.panel_events import known_panel_events

LATER = NOW + timedelta(days=10)
MIDNIGHT = NOW.replace(hour=0) - timedelta(days=3)
"""S9 (A2, blue) starts five minutes before this midnight and closes ten minutes after it (900 s): the panel is
in view from 23:58 to 00:05 (420 s, 300 s of them after midnight), and a card section is opened at 00:02."""


async def add_midnight_contact(db):
    async with db.session() as s:
        s.add(Interaction(id="I-S9", customer_id="C1", channel="chat", agent_id="A2",
                          started_at=MIDNIGHT - timedelta(minutes=5), ended_at=MIDNIGHT + timedelta(minutes=10),
                          intent="refund", outcome="resolved"))
        for n, (kind, ref, at) in enumerate([("panel_visible", "", MIDNIGHT - timedelta(minutes=2)),
                                             ("card_view", "history", MIDNIGHT + timedelta(minutes=2)),
                                             ("panel_hidden", "", MIDNIGHT + timedelta(minutes=5))]):
            s.add(PanelEvent(id=f"PE-S9-{n}", session_id="S9", agent_id="A2", kind=kind, ref=ref, at=at))


async def known_events_and_midnight(db):
    await known_panel_events(db)
    await add_midnight_contact(db)


async def report(db, scope):
    async with db.session() as s:
        return (await panel_use(s, scope, now=LATER)).model_dump(exclude={"generated_at"})


SCOPES = [Scope(), Scope(team="blue"), Scope(agent_id="A1"), Scope(practice=True),
          Scope(start=MIDNIGHT - timedelta(hours=6), end=NOW - timedelta(minutes=8)),  # cuts days at both ends
          Scope(start=MIDNIGHT - timedelta(days=1), end=MIDNIGHT)]  # whole days: S9's start day only


async def reports(db):
    return [await report(db, scope) for scope in SCOPES]


async def test_rolled_days_give_the_figures_of_a_full_scan(db):
    await known_events_and_midnight(db)
    raw = await reports(db)
    await roll(db, now=LATER)
    assert await panel_watermark_of(db) == LATER.replace(hour=0) - timedelta(days=SETTLE_DAYS)
    assert await reports(db) == raw
    assert raw[0]["totals"]["contacts"] == 4 and raw[0]["totals"]["panel_seconds"] == 460.0 + 420.0


async def panel_watermark_of(db):
    async with db.session() as s:
        return await panel_watermark(s)


async def test_a_contact_past_midnight_counts_whole_on_the_day_it_started(db):
    await known_events_and_midnight(db)
    await roll(db, now=LATER)
    start_day = await report(db, Scope(start=MIDNIGHT - timedelta(days=1), end=MIDNIGHT))
    next_day = await report(db, Scope(start=MIDNIGHT, end=MIDNIGHT + timedelta(days=1)))
    t = start_day["totals"]
    assert (t["contacts"], t["panel_seconds"], t["handle_seconds"], t["card_views"]) == (1, 420.0, 900.0, 1)
    assert next_day["totals"]["contacts"] == 0 and next_day["totals"]["card_views"] == 0
    async with db.session() as s:
        day = await s.get(PanelUseDay, (MIDNIGHT - timedelta(days=1), "A2", False))
    assert day is not None and (day.team, day.contacts, round(day.panel_seconds, 1)) == ("blue", 1, 420.0)


async def test_a_bounded_roll_leaves_the_rest_raw_with_the_same_figures(db):
    await known_events_and_midnight(db)
    raw = await reports(db)
    assert await roll_panel_use(db, now=LATER, max_days=1) == MIDNIGHT  # S9's start day only
    assert await reports(db) == raw


async def test_panel_use_rolls_from_the_first_contact_without_any_prompt(db):
    await add_midnight_contact_with_customer(db)
    raw = await reports(db)
    assert await roll(db, now=LATER) is None  # no prompt: nothing for the adoption tables
    assert await panel_watermark_of(db) == LATER.replace(hour=0) - timedelta(days=SETTLE_DAYS)
    assert await reports(db) == raw


async def add_midnight_contact_with_customer(db):
    from assist.stores.tables import Customer

    async with db.session() as s:
        s.add(Customer(id="C1"))
    await add_midnight_contact(db)
    async with db.session() as s:
        assert (await s.exec(PromptRecord.__table__.select())).first() is None


async def test_events_written_late_count_at_the_next_roll(db):
    await known_events_and_midnight(db)
    await roll(db, now=NOW + timedelta(days=3))  # rolled through NOW's day
    # the journal writes an article view of S1 only now (after a database outage)
    async with db.session() as s:
        s.add(PanelEvent(id="PE-late", session_id="S1", agent_id="A1", kind="article_view", ref="kb-x",
                         at=NOW - timedelta(minutes=6)))
    assert (await report(db, Scope()))["totals"]["article_views"] == 3  # the rolled day does not know it yet
    await roll(db, now=NOW + timedelta(days=4))  # the next roll redoes the LATE_DAYS before the watermark
    assert LATE_DAYS >= 1
    assert (await report(db, Scope()))["totals"]["article_views"] == 4
