"""A known experiment whose results the tests work out by hand.

Experiment X-known, contacts as the unit, arms ``rules`` (control) and ``model``:
- rules: 80 closed contacts, 48 resolved (60 %); CSAT on ten of them 3, 4, 2, 5, 3, 4, 3, 2, 4, 3; every contact
  handled for 300 s plus 10 s per (index mod 5): 300, 310, 320, 330, 340, ...
- model: 70 closed contacts, 56 resolved (80 %); CSAT on eight 5, 4, 4, 5, 3, 5, 4, 5; 240 s plus 10 s per
  (index mod 3).
These are Newcombe's (1998) worked example 56/70 vs 48/80, so the difference's interval is the published one.
Not counted: a model-arm practice contact, a rules-arm contact still open, another experiment's contact.
Prompts: 3 under rules, 2 under model, 1 of another experiment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assist.experiments.tables import Experiment
from assist.stores.sql import Database
from assist.stores.tables import Customer, Interaction, PromptRecord

EXPERIMENT = "X-known"
NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
RULES_CSAT = [3, 4, 2, 5, 3, 4, 3, 2, 4, 3]
MODEL_CSAT = [5, 4, 4, 5, 3, 5, 4, 5]
RULES_HANDLE = [300 + 10 * (i % 5) for i in range(80)]
MODEL_HANDLE = [240 + 10 * (i % 3) for i in range(70)]


def experiment_row(experiment_id: str = EXPERIMENT, queue: str | None = None) -> Experiment:
    return Experiment(id=experiment_id, name="rules vs model", unit="contact", queue=queue,
                      arms=[{"name": "rules", "kind": "rules", "model_version": None, "weight": 1.0, "control": True},
                            {"name": "model", "kind": "model", "model_version": None, "weight": 1.0,
                             "control": False}],
                      start_at=NOW - timedelta(days=10), created_at=NOW - timedelta(days=10), created_by="S1")


def _contact(n: int, arm: str, resolved: bool, csat: int | None, seconds: float | None,
             experiment_id: str = EXPERIMENT, practice: bool = False) -> Interaction:
    ended = NOW - timedelta(hours=1) if seconds is not None else None
    started = NOW - timedelta(hours=1, seconds=seconds or 0)
    return Interaction(id=f"I-{experiment_id}-{arm}-{n}{'-p' if practice else ''}", customer_id="C1", channel="chat",
                       agent_id="A1", started_at=started, ended_at=ended, intent="refund",
                       outcome=("resolved" if resolved else "unresolved") if seconds is not None else None,
                       csat=csat, practice=practice, experiment_id=experiment_id, arm=arm)


async def known_experiment(db: Database) -> None:
    async with db.session() as s:
        s.add(Customer(id="C1"))
        s.add(experiment_row())
        s.add(experiment_row("X-other", queue="complaint"))
        await s.flush()
        for i in range(80):
            s.add(_contact(i, "rules", i < 48, RULES_CSAT[i] if i < len(RULES_CSAT) else None, RULES_HANDLE[i]))
        for i in range(70):
            s.add(_contact(i, "model", i < 56, MODEL_CSAT[i] if i < len(MODEL_CSAT) else None, MODEL_HANDLE[i]))
        s.add(_contact(0, "model", False, 1, 900, practice=True))
        s.add(_contact(99, "rules", False, None, None))  # still open
        s.add(_contact(0, "rules", False, 1, 900, experiment_id="X-other"))
        for n, (arm, experiment) in enumerate([("rules", EXPERIMENT)] * 3 + [("model", EXPERIMENT)] * 2
                                              + [("rules", "X-other")]):
            s.add(PromptRecord(id=f"P-{n}", session_id="S-x", agent_id="A1", action="verify_identity",
                               confidence=0.9, source="rules", shown_at=NOW - timedelta(hours=2),
                               experiment_id=experiment, arm=arm))
