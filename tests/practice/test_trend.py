"""A trainee's trend: practice score by run and live follow rate and adherence by week, never mixed, from a
known set of practice sessions and live contacts worked out by hand, on both backends; who may read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assist.practice.tables import PracticeRun, PracticeSession
from assist.practice.trend import trainee_trend
from assist.stores.sql import Database
from assist.stores.tables import Customer, Interaction, Journey, PromptFeedback, PromptRecord

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)  # a Wednesday: this week starts 2030-04-29
THIS_WEEK, LAST_WEEK = "2030-04-29", "2030-04-22"


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


async def add_practice(db: Database) -> None:
    """R1 (two sessions, 60 and 70, ended on the 20th and 21st) then R2 (82, ended on the 28th); another
    trainee's session in R2 and an unfinished one of T1 count for nothing."""
    async with db.session() as s:
        s.add(PracticeRun(id="R1", name="Refund drills", created_by="TR", seed=1))
        s.add(PracticeRun(id="R2", name="Complaint drills", created_by="TR", seed=2))
        await s.flush()
        for sid, run, trainee, score, ended in [("PS1", "R1", "T1", 60.0, "2030-04-20"),
                                                ("PS2", "R1", "T1", 70.0, "2030-04-21"),
                                                ("PS3", "R2", "T1", 82.0, "2030-04-28"),
                                                ("PS4", "R2", "T2", 10.0, "2030-04-28"),
                                                ("PS5", "R2", "T1", None, None)]:
            s.add(PracticeSession(id=sid, run_id=run, trainee_id=trainee, position=0, scenario="refund", seed=1,
                                  status="closed" if score is not None else "open", score=score,
                                  ended_at=at(ended) if ended else None))


async def add_live(db: Database, sid: str, day: str, reason: str, steps: list[str],
                   prompts: list[tuple[str, str]], practice: bool = False) -> None:
    """A closed contact of T1 started on ``day`` with ``steps`` done and ``prompts`` (action, verdict)."""
    async with db.session() as s:
        if await s.get(Customer, "C1") is None:
            s.add(Customer(id="C1"))
            await s.flush()
        s.add(Journey(id=f"J-{sid}", customer_id="C1", reason=reason, state={"steps_done": steps},
                      practice=practice))
        s.add(Interaction(id=f"I-{sid}", customer_id="C1", journey_id=f"J-{sid}", channel="chat", agent_id="T1",
                          started_at=at(day), ended_at=at(day) + timedelta(minutes=5), intent=reason,
                          outcome="resolved", practice=practice))
        for n, (action, verdict) in enumerate(prompts):
            s.add(PromptRecord(id=f"P-{sid}-{n}", session_id=sid, journey_id=f"J-{sid}", agent_id="T1",
                               action=action, confidence=0.8, source="rules", practice=practice,
                               shown_at=at(day) + timedelta(minutes=1)))
            await s.flush()
            s.add(PromptFeedback(prompt_id=f"P-{sid}-{n}", agent_id="T1", verdict=verdict, seconds_to_act=4.0))


async def known_trend(db: Database) -> None:
    await add_practice(db)
    # last week: verify_identity accepted and done (followed), offer_plan_change accepted, not done;
    # refund checklist: verify_identity covered of 4 items
    await add_live(db, "L1", "2030-04-24", "refund", ["identity_verified"],
                   [("verify_identity", "accepted"), ("offer_plan_change", "accepted")])
    # this week: apologise_acknowledge accepted and done; complaint checklist: acknowledge covered of 3
    await add_live(db, "L2", "2030-04-30", "complaint", ["apologise_acknowledge"],
                   [("apologise_acknowledge", "accepted")])
    await add_live(db, "L3", "2030-04-30", "refund", [], [("verify_identity", "accepted")], practice=True)
    await add_live(db, "L0", "2030-04-15", "refund", [], [("verify_identity", "accepted")])  # before the range


async def test_practice_scores_are_the_mean_of_each_runs_sessions_in_run_order(db):
    await known_trend(db)
    async with db.session() as s:
        trend = await trainee_trend(s, "T1", weeks=2, now=NOW)
    assert [(p.run_id, p.run_name, p.sessions, p.score) for p in trend.practice] == \
        [("R1", "Refund drills", 2, 65.0), ("R2", "Complaint drills", 1, 82.0)]


async def test_live_weeks_carry_follow_rate_and_adherence_without_practice_work(db):
    await known_trend(db)
    async with db.session() as s:
        trend = await trainee_trend(s, "T1", weeks=2, now=NOW)
    assert trend.since == at(LAST_WEEK, 0)
    assert [(w.week, w.accepted, w.followed, w.follow_rate) for w in trend.live] == \
        [(LAST_WEEK, 2, 1, 0.5), (THIS_WEEK, 1, 1, 1.0)]  # L3 is practice and L0 before the range: neither counts
    assert [(w.contacts, w.covered, w.required, w.adherence_rate) for w in trend.live] == \
        [(1, 1, 4, 0.25), (1, 1, 3, 0.3333)]


async def test_a_trainee_with_no_work_has_empty_series(db):
    async with db.session() as s:
        trend = await trainee_trend(s, "T9", weeks=4, now=NOW)
    assert (trend.practice, trend.live) == ([], [])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("who", "role", "status"), [("S1", "supervisor", 200), ("TR", "trainer", 200),
                                                     ("T1", "agent", 200), ("A2", "agent", 403)])
async def test_trainers_supervisors_and_the_trainee_may_read_the_trend(client, auth, who, role, status):
    response = await client.get("/v1/practice/trainees/T1/trend", headers=auth(who, role))
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "not_your_history"
