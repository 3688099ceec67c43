"""A small known event set whose adoption figures the tests work out by hand.

Three agents: A1 (team red), A2 (team blue), A3 (no Agent row: team "default").

Queues and channels (what the session recorded on each prompt): S1 refunds/chat, S2 refunds/phone, S3
billing/chat.

- S1, A1, refund, closed resolved, CSAT 5, 300 s; journey steps identity_verified, refund_issued.
  P1 verify_identity accepted (done: followed), 8 days earlier than the rest (the week before);
  P2 offer_plan_change accepted (not done: overridden); P3 apologise_acknowledge unanswered (closed: ignored).
- S2, A2, complaint, closed transferred, CSAT 2, 600 s; journey step apologise_acknowledge.
  P4 verify_identity dismissed (not done, another step was: overridden); P5 apologise_acknowledge accepted
  (followed).
- S3, A3, still going (no interaction), journey with no steps.
  P6 verify_identity unanswered, 1 minute old (open); P7 verify_identity unanswered, 30 minutes old (ignored).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assist.stores.sql import Database
from assist.stores.tables import Agent, Customer, Interaction, Journey, PromptFeedback, PromptRecord

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)  # a Wednesday: this week starts 2030-04-29
THIS_WEEK, LAST_WEEK = "2030-04-29", "2030-04-22"


async def add_contact(db: Database, session_id: str, agent_id: str, reason: str, steps: list[str], *,
                      outcome: str | None = None, csat: int | None = None, seconds: float = 0.0,
                      practice: bool = False) -> None:
    """A journey with ``steps`` done; closed with an interaction when ``outcome`` is given."""
    async with db.session() as s:
        if await s.get(Customer, "C1") is None:
            s.add(Customer(id="C1"))
            await s.flush()
        s.add(Journey(id=f"J-{session_id}", customer_id="C1", reason=reason, state={"steps_done": steps},
                      practice=practice))
        if outcome is not None:
            ended = NOW - timedelta(minutes=5)
            s.add(Interaction(id=f"I-{session_id}", customer_id="C1", journey_id=f"J-{session_id}", channel="chat",
                              agent_id=agent_id, started_at=ended - timedelta(seconds=seconds), ended_at=ended,
                              intent=reason, outcome=outcome, csat=csat, practice=practice))


async def add_prompt(db: Database, prompt_id: str, session_id: str, agent_id: str, action: str, *,
                     verdict: str | None = None, minutes_ago: float = 30, practice: bool = False,
                     queue: str | None = None, channel: str | None = None) -> None:
    """A prompt shown ``minutes_ago``, answered with ``verdict``; no queue or channel: one recorded before 0012."""
    async with db.session() as s:
        s.add(PromptRecord(id=prompt_id, session_id=session_id, journey_id=f"J-{session_id}", agent_id=agent_id,
                           action=action, confidence=0.8, source="rules", practice=practice,
                           shown_at=NOW - timedelta(minutes=minutes_ago), queue=queue, channel=channel))
        await s.flush()
        if verdict:
            s.add(PromptFeedback(prompt_id=prompt_id, agent_id=agent_id, verdict=verdict, seconds_to_act=5.0))


async def known_events(db: Database) -> None:
    async with db.session() as s:
        s.add(Agent(id="A1", name="Ada", team="red"))
        s.add(Agent(id="A2", name="Bo", team="blue"))
    await add_contact(db, "S1", "A1", "refund", ["identity_verified", "refund_issued"], outcome="resolved", csat=5,
                      seconds=300)
    await add_contact(db, "S2", "A2", "complaint", ["apologise_acknowledge"], outcome="transferred", csat=2,
                      seconds=600)
    await add_contact(db, "S3", "A3", "billing_dispute", [])
    s1, s2, s3 = ({"queue": "refunds", "channel": "chat"}, {"queue": "refunds", "channel": "phone"},
                  {"queue": "billing", "channel": "chat"})
    await add_prompt(db, "P1", "S1", "A1", "verify_identity", verdict="accepted", minutes_ago=8 * 24 * 60, **s1)
    await add_prompt(db, "P2", "S1", "A1", "offer_plan_change", verdict="accepted", **s1)
    await add_prompt(db, "P3", "S1", "A1", "apologise_acknowledge", **s1)
    await add_prompt(db, "P4", "S2", "A2", "verify_identity", verdict="dismissed", **s2)
    await add_prompt(db, "P5", "S2", "A2", "apologise_acknowledge", verdict="accepted", **s2)
    await add_prompt(db, "P6", "S3", "A3", "verify_identity", minutes_ago=1, **s3)
    await add_prompt(db, "P7", "S3", "A3", "verify_identity", minutes_ago=30, **s3)
