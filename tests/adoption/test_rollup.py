"""The daily roll-up: reports read from it give the same figures as a scan of every prompt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import delete, select

from assist.adoption.adherence import adherence
from assist.adoption.facts import Scope
from assist.adoption.funnel import Dimension, funnel
from assist.adoption.lift import lift_report
from assist.adoption.rollup import (
    LATE_DAYS,
    MAX_DAYS_PER_ROLL,
    AdoptionAgentDay,
    AdoptionDay,
    roll,
    rolled_table,
    split,
)
from assist.adoption.service import summarise_feedback
from assist.stores.tables import PromptFeedback, PromptRecord
from tests.adoption.events import NOW, add_contact, add_prompt, known_events

LATER = NOW + timedelta(days=10)  # every known prompt is settled by then


EVERYTHING = Scope()


async def reports(db, scope=EVERYTHING):
    async with db.session() as s:
        funnels = [await funnel(s, scope, by, ignore_after_seconds=300, now=LATER) for by in Dimension]
        return funnels, await lift_report(s, scope, ignore_after_seconds=300, now=LATER)


def same(a, b):
    (funnels_a, lift_a), (funnels_b, lift_b) = a, b
    strip = {"generated_at"}
    assert [f.model_dump(exclude=strip) for f in funnels_a] == [f.model_dump(exclude=strip) for f in funnels_b]
    assert lift_a.model_dump(exclude=strip) == lift_b.model_dump(exclude=strip)


async def test_rolled_days_give_the_figures_of_a_full_scan(db):
    await known_events(db)
    raw = await reports(db)
    first_day = (NOW - timedelta(days=8)).replace(hour=0)  # P1's
    assert await roll(db, now=LATER) == first_day + timedelta(days=MAX_DAYS_PER_ROLL)
    same(await reports(db), raw)


@pytest.mark.parametrize("scope", [Scope(queue="refunds"), Scope(channel="phone"),
                                   Scope(queue="refunds", channel="chat"), Scope(queue="billing", team="default"),
                                   Scope(agent_id="A1", queue="refunds"), Scope(queue="unknown")],
                         ids=lambda scope: ",".join(f"{k}={v}" for k, v in vars(scope).items() if v))
async def test_rolled_days_give_the_per_queue_and_channel_figures_of_a_full_scan(db, scope):
    await known_events(db)
    await add_contact(db, "S0", "A2", "refund", ["identity_verified"], outcome="resolved")
    await add_prompt(db, "P0", "S0", "A2", "verify_identity", verdict="accepted", minutes_ago=3 * 24 * 60)  # no queue
    raw = await reports(db, scope)
    await roll(db, now=LATER)
    same(await reports(db, scope), raw)


async def test_per_queue_figures_of_rolled_days_are_read_from_the_roll_up(db):
    await known_events(db)
    by_queue, red_chat = Dimension.QUEUE, Scope(team="red", channel="chat")
    raw, raw_red_chat = await reports(db), await reports(db, red_chat)
    await roll(db, now=LATER)
    async with db.session() as s:  # every prompt is in a rolled day: without them, only the roll-up answers
        await s.exec(delete(PromptFeedback))
        await s.exec(delete(PromptRecord))
    rolled = await reports(db)
    same(rolled, raw)
    same(await reports(db, red_chat), raw_red_chat)  # a team's channel: from the per-agent table
    queues = {r.key: (r.shown, r.followed, r.resolved) for r in rolled[0][list(Dimension).index(by_queue)].rows}
    assert queues == {"refunds": (5, 2, 3), "billing": (2, 0, 0)}


@pytest.mark.parametrize("scope", [EVERYTHING, Scope(team="red"), Scope(agent_id="A1"),
                                   Scope(start=NOW - timedelta(days=9), end=NOW - timedelta(days=1))],
                         ids=lambda scope: ",".join(f"{k}={v}" for k, v in vars(scope).items() if v) or "all")
async def test_per_agent_figures_of_rolled_days_are_read_from_the_agent_table(db, scope):
    await known_events(db)
    await add_contact(db, "S0", "A1", "refund", ["identity_verified"], outcome="resolved", csat=4, seconds=120)
    await add_prompt(db, "P0", "S0", "A1", "verify_identity", verdict="accepted", minutes_ago=8 * 24 * 60,
                     queue="billing", channel="phone")  # A1's day of P1, on another queue and channel
    raw, raw_summary = await reports(db, scope), await summaries(db, scope)
    await roll(db, now=LATER)
    async with db.session() as s:  # only adoption_agent_day (and the per-action tables) can answer now
        await s.exec(delete(PromptFeedback))
        await s.exec(delete(PromptRecord))
        await s.exec(delete(AdoptionDay))
        assert len((await s.exec(select(AdoptionAgentDay).where(AdoptionAgentDay.agent_id == "A1"))).all()) == 2
    funnels, _ = await reports(db, scope)
    by_agent = list(Dimension).index(Dimension.AGENT)
    assert funnels[by_agent].model_dump(exclude={"generated_at"}) == \
        raw[0][by_agent].model_dump(exclude={"generated_at"})
    assert await summaries(db, scope) == raw_summary


def test_per_agent_views_needing_an_action_queue_or_channel_read_the_widest_table():
    agent_day, day = AdoptionAgentDay.__table__, AdoptionDay.__table__
    assert rolled_table(Scope(), "agent") is agent_day
    assert rolled_table(Scope(agent_id="A1"), "week") is agent_day
    assert rolled_table(Scope(agent_id="A1", team="red"), "team") is agent_day
    assert rolled_table(Scope(agent_id="A1"), "action") is day
    assert rolled_table(Scope(channel="chat"), "agent") is day
    assert rolled_table(Scope(agent_id="A1"), "queue") is day


async def test_a_range_cutting_days_in_half_reads_the_edges_raw(db):
    await known_events(db)
    scope = Scope(start=NOW - timedelta(days=8, hours=1), end=NOW - timedelta(minutes=20))
    raw = await reports(db, scope)
    await roll(db, now=LATER)
    same(await reports(db, scope), raw)
    assert (await reports(db, scope))[0][0].totals.shown == 6  # P1 and P2-P5, P7; not P6 (1 minute ago)


async def test_a_bounded_roll_leaves_the_rest_raw_with_the_same_figures(db):
    await known_events(db)
    raw = await reports(db)
    first = await roll(db, now=LATER, max_days=1)
    assert first == (NOW - timedelta(days=8)).replace(hour=0) + timedelta(days=1)  # P1's day only
    same(await reports(db), raw)


async def test_records_written_late_count_at_the_next_roll(db):
    await known_events(db)
    assert await roll(db, now=NOW + timedelta(days=3)) == NOW.replace(hour=0) + timedelta(days=1)
    # the journal writes a contact of that day only now (after a database outage)
    await add_contact(db, "S8", "A1", "refund", ["identity_verified"], outcome="resolved")
    await add_prompt(db, "P8", "S8", "A1", "verify_identity", verdict="accepted", minutes_ago=60)
    assert (await reports(db))[0][0].totals.shown == 7  # the rolled day does not know it yet
    await roll(db, now=NOW + timedelta(days=4))  # the next day's roll redoes the LATE_DAYS before its start
    assert LATE_DAYS >= 1
    totals = (await reports(db))[0][0].totals
    assert (totals.shown, totals.followed) == (8, 3)


async def test_nothing_to_roll_gives_no_watermark(db):
    assert await roll(db, now=LATER) is None


def test_split_keeps_whole_days_and_cuts_the_edges():
    watermark = NOW.replace(hour=0)
    scope = Scope(start=NOW - timedelta(days=3, hours=5), end=NOW)
    parts = split(scope, watermark)
    assert parts.rolled == Scope(start=(NOW - timedelta(days=2)).replace(hour=0), end=watermark)
    assert parts.raw == [Scope(start=scope.start, end=parts.rolled.start), Scope(start=watermark, end=NOW)]
    assert split(Scope(start=NOW - timedelta(hours=1)), watermark).rolled is None


async def test_rolled_adherence_matches_a_full_scan(db):
    await known_events(db)
    await add_contact(db, "S4", "A1", "general", ["apologise_acknowledge"], outcome="resolved")

    async def report(scope=EVERYTHING):
        async with db.session() as s:
            return (await adherence(s, scope, now=LATER)).model_dump(exclude={"generated_at"})

    raw, raw_blue, raw_a1 = await report(), await report(Scope(team="blue")), await report(Scope(agent_id="A1"))
    await roll(db, now=LATER)
    assert await report() == raw
    assert await report(Scope(team="blue")) == raw_blue
    assert await report(Scope(agent_id="A1")) == raw_a1  # one agent: read raw, items and all
    assert raw["totals"]["items"] and raw["by_agent"][0]["items"] == []  # agents' rows list no items


async def summaries(db, scope=EVERYTHING):
    """The feedback summary of ``scope``'s dates (it has no team or agent filter)."""
    async with db.session() as s:
        summary = await summarise_feedback(s, since=scope.start, end=scope.end, now=LATER)
        return summary.model_dump(exclude={"generated_at"})


async def test_rolled_summary_matches_a_full_scan(db):
    await known_events(db)
    await add_prompt(db, "P9", "S2", "A2", "offer_plan_change", verdict="dismissed")

    async def summary(**kwargs):
        async with db.session() as s:
            return (await summarise_feedback(s, now=LATER, **kwargs)).model_dump(exclude={"generated_at"})

    week = {"since": NOW - timedelta(days=9, hours=3), "end": NOW - timedelta(days=1)}  # P1's day, cut at the edge
    raw, raw_since, raw_week = await summary(), await summary(since=NOW - timedelta(days=1)), await summary(**week)
    await roll(db, now=LATER)
    assert await summary() == raw
    assert await summary(since=NOW - timedelta(days=1)) == raw_since
    assert await summary(**week) == raw_week and raw_week["totals"]["shown"] == 1
    assert raw["dismissal_reasons"] == [{"reason": "no reason given", "count": 2}]
