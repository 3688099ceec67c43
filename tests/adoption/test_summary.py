"""The supervisor's prompt feedback summary: counts, rates and time to act, live and practice kept apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assist.adoption.service import summarise_feedback
from assist.stores.tables import PromptFeedback, PromptRecord

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


async def add_prompt(db, prompt_id: str, agent_id: str, action: str, *, verdict: str | None = None,
                     reason: str = "", seconds: float | None = None, minutes_ago: float = 30,
                     practice: bool = False) -> None:
    async with db.session() as s:
        s.add(PromptRecord(id=prompt_id, session_id="S-1", agent_id=agent_id, action=action, confidence=0.9,
                           source="rules", practice=practice, shown_at=NOW - timedelta(minutes=minutes_ago)))
        await s.flush()
        if verdict:
            s.add(PromptFeedback(prompt_id=prompt_id, agent_id=agent_id, verdict=verdict, reason=reason,
                                 seconds_to_act=seconds))


async def summary(db, **kwargs):
    async with db.session() as s:
        return await summarise_feedback(s, now=NOW, **kwargs)


async def test_counts_rates_and_time_to_act_per_agent_and_action(db):
    await add_prompt(db, "P1", "A1", "verify_identity", verdict="accepted", seconds=4)
    await add_prompt(db, "P2", "A1", "verify_identity", verdict="dismissed", reason="already done", seconds=8)
    await add_prompt(db, "P3", "A2", "verify_identity")
    await add_prompt(db, "P4", "A2", "apologise_acknowledge", verdict="accepted", seconds=3)
    result = await summary(db)
    assert result.totals.model_dump() == {
        "shown": 4, "accepted": 2, "dismissed": 1, "ignored": 1, "open": 0, "acceptance_rate": 0.5,
        "dismissal_rate": 0.25, "ignore_rate": 0.25, "mean_seconds_to_act": 5.0}
    a1, a2 = result.by_agent
    assert (a1.agent_id, a1.shown, a1.accepted, a1.dismissed, a1.mean_seconds_to_act) == ("A1", 2, 1, 1, 6.0)
    assert (a2.agent_id, a2.ignored, a2.acceptance_rate) == ("A2", 1, 0.5)
    assert [(t.action, t.shown) for t in result.by_action] == [("verify_identity", 3),
                                                                ("apologise_acknowledge", 1)]
    assert [(r.reason, r.count) for r in result.dismissal_reasons] == [("already done", 1)]


async def test_a_recent_unanswered_prompt_is_open_not_ignored(db):
    await add_prompt(db, "P1", "A1", "verify_identity", minutes_ago=1)
    await add_prompt(db, "P2", "A1", "verify_identity", verdict="accepted", seconds=2, minutes_ago=1)
    totals = (await summary(db)).totals
    assert (totals.open, totals.ignored, totals.acceptance_rate) == (1, 0, 1.0)


async def test_practice_prompts_are_kept_apart_from_live_ones(db):
    await add_prompt(db, "P1", "A1", "verify_identity", verdict="accepted", seconds=2)
    await add_prompt(db, "P2", "T1", "verify_identity", verdict="dismissed", practice=True)
    live, practice = await summary(db), await summary(db, practice=True)
    assert [a.agent_id for a in live.by_agent] == ["A1"]
    assert [a.agent_id for a in practice.by_agent] == ["T1"]
    assert [(r.reason, r.count) for r in practice.dismissal_reasons] == [("no reason given", 1)]


async def test_since_leaves_out_older_prompts(db):
    await add_prompt(db, "P1", "A1", "verify_identity", verdict="accepted", minutes_ago=120)
    await add_prompt(db, "P2", "A1", "verify_identity", verdict="dismissed", minutes_ago=10)
    result = await summary(db, since=NOW - timedelta(hours=1))
    assert (result.totals.shown, result.totals.dismissed) == (1, 1)


async def test_end_leaves_out_later_prompts(db):
    await add_prompt(db, "P1", "A1", "verify_identity", verdict="accepted", minutes_ago=120)
    await add_prompt(db, "P2", "A1", "verify_identity", verdict="dismissed", minutes_ago=10)
    result = await summary(db, end=NOW - timedelta(hours=1))
    assert (result.totals.shown, result.totals.accepted, result.end) == (1, 1, NOW - timedelta(hours=1))


async def test_the_dashboards_date_range_narrows_it_over_http(client, db, auth):
    await add_prompt(db, "P1", "A1", "verify_identity", verdict="accepted", minutes_ago=3 * 24 * 60)
    await add_prompt(db, "P2", "A2", "verify_identity", verdict="accepted", minutes_ago=30)
    day = (NOW - timedelta(days=3)).date().isoformat()
    response = await client.get(f"/v1/adoption/summary?since={day}T00:00:00Z&end={day}T23:59:59Z",
                                headers=auth("S1", "supervisor"))
    assert response.status_code == 200
    assert [a["agent_id"] for a in response.json()["by_agent"]] == ["A1"]


async def test_a_range_ending_before_it_starts_is_refused(client, auth):
    response = await client.get("/v1/adoption/summary?since=2030-05-02T00:00:00Z&end=2030-05-01T00:00:00Z",
                                headers=auth("S1", "supervisor"))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_range"


async def test_nothing_shown_gives_empty_tallies(db):
    result = await summary(db)
    assert result.totals.shown == 0 and result.totals.acceptance_rate is None and result.by_agent == []


async def test_supervisor_reads_the_summary_over_http(client, db, auth):
    await add_prompt(db, "P1", "A1", "verify_identity", verdict="accepted", seconds=2)
    response = await client.get("/v1/adoption/summary", headers=auth("S1", "supervisor"))
    assert response.status_code == 200
    assert response.json()["by_agent"][0]["agent_id"] == "A1"


async def test_since_without_a_zone_is_read_as_utc(client, db, auth):
    response = await client.get("/v1/adoption/summary?since=2000-01-01T00:00:00", headers=auth("S1", "admin"))
    assert response.status_code == 200
    assert response.json()["since"].startswith("2000-01-01T00:00:00")


async def test_agents_may_not_read_it(client, auth):
    response = await client.get("/v1/adoption/summary", headers=auth("A1", "agent"))
    assert response.status_code == 403
    assert response.json()["code"] == "role_forbidden"


async def test_trainers_read_it(client, auth):
    response = await client.get("/v1/adoption/summary", headers=auth("T1", "trainer"))
    assert response.status_code == 200
