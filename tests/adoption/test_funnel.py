"""The guidance funnel over a known event set: shown -> accepted -> followed -> overridden -> outcome."""

from __future__ import annotations

from datetime import timedelta

from assist.adoption.facts import Scope
from assist.adoption.funnel import Dimension, funnel
from assist.adoption.service import summarise_feedback
from tests.adoption.events import LAST_WEEK, NOW, THIS_WEEK, add_contact, add_prompt, known_events


async def report(db, by=Dimension.TEAM, **scope):
    async with db.session() as s:
        return await funnel(s, Scope(**scope), by, ignore_after_seconds=300, now=NOW)


async def test_totals_follow_each_prompt_through_the_funnel(db):
    await known_events(db)
    totals = (await report(db)).totals
    # accepted P1 P2 P5; dismissed P4; ignored P3 (contact closed) and P7 (30 min); open P6
    assert (totals.shown, totals.accepted, totals.dismissed, totals.ignored, totals.open) == (7, 3, 1, 2, 1)
    # followed: P1 (identity_verified done), P5; overridden: P2 (accepted, not done), P4 (dismissed, other step)
    assert (totals.followed, totals.overridden) == (2, 2)
    assert (totals.acceptance_rate, totals.follow_rate, totals.override_rate) == (0.5, 0.6667, 0.3333)
    # outcomes of P1-P5's contacts: S1 resolved (x3), S2 transferred (x2)
    assert (totals.closed, totals.resolved, totals.transferred) == (5, 3, 2)
    assert (totals.resolution_rate, totals.transfer_rate) == (0.6, 0.4)
    assert totals.mean_csat == 3.8  # (3 x 5 + 2 x 2) / 5
    assert totals.mean_handle_seconds == 420.0  # (3 x 300 + 2 x 600) / 5


async def test_teams_come_from_the_agent_table_and_default_without_a_row(db):
    await known_events(db)
    rows = {r.key: r for r in (await report(db)).rows}
    assert list(rows) == ["red", "blue", "default"]  # most prompts first
    red, blue, default = rows["red"], rows["blue"], rows["default"]
    assert (red.shown, red.accepted, red.followed, red.overridden, red.ignored, red.resolution_rate) == \
        (3, 2, 1, 1, 1, 1.0)
    assert (blue.shown, blue.followed, blue.overridden, blue.transfer_rate, blue.mean_csat) == (2, 1, 1, 1.0, 2.0)
    assert (default.open, default.ignored, default.closed, default.resolution_rate) == (1, 1, 0, None)


async def test_weeks_give_a_trend_in_order(db):
    await known_events(db)
    rows = (await report(db, by=Dimension.WEEK)).rows
    assert [(r.key, r.shown, r.followed) for r in rows] == [(LAST_WEEK, 1, 1), (THIS_WEEK, 6, 1)]


async def test_by_action_and_by_agent(db):
    await known_events(db)
    actions = {r.key: r for r in (await report(db, by=Dimension.ACTION)).rows}
    verify = actions["verify_identity"]
    assert (verify.shown, verify.accepted, verify.dismissed, verify.followed, verify.overridden) == (4, 1, 1, 1, 1)
    agents = [(r.key, r.shown) for r in (await report(db, by=Dimension.AGENT)).rows]
    assert agents == [("A1", 3), ("A2", 2), ("A3", 2)]


async def test_scope_narrows_by_team_agent_and_dates(db):
    await known_events(db)
    assert (await report(db, team="blue")).totals.shown == 2
    assert (await report(db, agent_id="A3")).totals.shown == 2
    assert (await report(db, start=NOW - timedelta(days=1))).totals.shown == 6  # P1 was 8 days ago
    assert (await report(db, end=NOW - timedelta(days=1))).totals.shown == 1


async def test_practice_prompts_stay_out_of_live_figures(db):
    await known_events(db)
    await add_contact(db, "T1", "A1", "refund", [], outcome="resolved", practice=True)
    await add_prompt(db, "PT1", "T1", "A1", "verify_identity", verdict="accepted", practice=True)
    assert (await report(db)).totals.shown == 7
    practice = (await report(db, practice=True)).totals
    assert (practice.shown, practice.accepted, practice.followed, practice.overridden) == (1, 1, 0, 1)


async def test_an_empty_scope_gives_zero_totals_and_no_rates(db):
    result = await report(db)
    assert result.rows == [] and result.totals.shown == 0 and result.totals.acceptance_rate is None


async def test_the_summary_counts_an_unanswered_prompt_of_a_closed_contact_as_ignored(db):
    await add_contact(db, "S9", "A1", "refund", [], outcome="abandoned")
    await add_prompt(db, "P9", "S9", "A1", "verify_identity", minutes_ago=1)  # recent, but its contact closed
    async with db.session() as s:
        totals = (await summarise_feedback(s, now=NOW)).totals
    assert (totals.ignored, totals.open, totals.ignore_rate) == (1, 0, 1.0)


async def test_queues_follow_each_prompt_through_the_funnel(db):
    await known_events(db)
    rows = {r.key: r for r in (await report(db, by=Dimension.QUEUE)).rows}
    assert list(rows) == ["refunds", "billing"]  # most prompts first
    refunds, billing = rows["refunds"], rows["billing"]
    # refunds: P1-P5 (S1 and S2); accepted P1 P2 P5, dismissed P4, ignored P3; followed P1 P5, overridden P2 P4
    assert (refunds.shown, refunds.accepted, refunds.dismissed, refunds.ignored, refunds.open) == (5, 3, 1, 1, 0)
    assert (refunds.followed, refunds.overridden, refunds.closed, refunds.resolved, refunds.transferred) == \
        (2, 2, 5, 3, 2)
    assert (refunds.acceptance_rate, refunds.follow_rate, refunds.override_rate) == (0.6, 0.6667, 0.4)
    assert (refunds.resolution_rate, refunds.mean_csat, refunds.mean_handle_seconds) == (0.6, 3.8, 420.0)
    # billing: P6 open (1 minute), P7 ignored (30 minutes); S3 still going
    assert (billing.shown, billing.open, billing.ignored, billing.accepted, billing.closed) == (2, 1, 1, 0, 0)
    assert (billing.acceptance_rate, billing.ignore_rate, billing.resolution_rate) == (0.0, 1.0, None)


async def test_channels_follow_each_prompt_through_the_funnel(db):
    await known_events(db)
    rows = {r.key: r for r in (await report(db, by=Dimension.CHANNEL)).rows}
    assert list(rows) == ["chat", "phone"]
    chat, phone = rows["chat"], rows["phone"]
    # chat: S1 (P1-P3) and S3 (P6, P7): accepted P1 P2, ignored P3 P7, open P6; followed P1, overridden P2
    assert (chat.shown, chat.accepted, chat.ignored, chat.open, chat.followed, chat.overridden) == (5, 2, 2, 1, 1, 1)
    assert (chat.acceptance_rate, chat.follow_rate, chat.override_rate) == (0.5, 0.5, 0.25)  # of 4 settled
    assert (chat.closed, chat.resolution_rate, chat.mean_csat, chat.mean_handle_seconds) == (3, 1.0, 5.0, 300.0)
    # phone: S2 (P4 dismissed, P5 accepted and followed), transferred
    assert (phone.shown, phone.accepted, phone.dismissed, phone.followed, phone.overridden) == (2, 1, 1, 1, 1)
    assert (phone.follow_rate, phone.transfer_rate, phone.mean_csat, phone.mean_handle_seconds) == \
        (1.0, 1.0, 2.0, 600.0)


async def test_queue_and_channel_narrow_together(db):
    await known_events(db)
    both = (await report(db, by=Dimension.ACTION, queue="refunds", channel="chat")).totals  # S1: P1-P3
    assert (both.shown, both.accepted, both.followed, both.overridden, both.ignored) == (3, 2, 1, 1, 1)
    assert (await report(db, queue="billing", channel="phone")).totals.shown == 0
    agent = (await report(db, by=Dimension.QUEUE, agent_id="A2", channel="phone")).rows
    assert [(r.key, r.shown, r.followed) for r in agent] == [("refunds", 2, 1)]


async def test_prompts_recorded_before_queues_were_kept_count_as_unknown(db):
    await known_events(db)
    await add_contact(db, "S0", "A1", "refund", [], outcome="resolved")
    await add_prompt(db, "P0", "S0", "A1", "verify_identity", verdict="accepted")  # no queue, no channel
    queues = [(r.key, r.shown) for r in (await report(db, by=Dimension.QUEUE)).rows]
    assert queues == [("refunds", 5), ("billing", 2), ("unknown", 1)]
    assert [(r.key, r.shown) for r in (await report(db, by=Dimension.CHANNEL)).rows][-1] == ("unknown", 1)
    assert (await report(db, queue="unknown")).totals.accepted == 1
