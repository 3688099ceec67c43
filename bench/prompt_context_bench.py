"""What logging each prompt's context costs on the event path (rules answering, no model): the whole
evaluate + journal entry, and its two new parts (building the context, serialising it).

    PYTHONPATH=. .venv/bin/python bench/prompt_context_bench.py
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import numpy as np

from assist.customers.schemas import CustomerView
from assist.guidance.interface import GuidanceInput
from assist.guidance.model import ModelGuidance, journey_context, loggable
from assist.guidance.rules import RuleGuidance
from assist.journeys.state import Handler, JourneyState, Turn
from assist.records.journal import prompts_entry


def given() -> GuidanceInput:
    journey = JourneyState(id="J1", customer_id="C1", reason="refund", steps_done=["identity_verified"],
                           collected={"refund_amount": 80},
                           handled_by=[Handler(agent_id="A1", channel="chat", session_id="S0")],
                           transcript=[Turn(channel="chat", speaker="customer",
                                            text="This is ridiculous, I want my money back!")])
    customer = CustomerView(id="C1", segment="value", tenure_months=30, lifetime_value=900.0, churn_risk=0.4,
                            vulnerable=False, consent={"marketing": True, "profiling": True})
    return GuidanceInput(journey=journey, customer=customer, channel="chat", refund_limit=50.0,
                         latest=journey.transcript[0])


def timed(name: str, work: Callable[[], object], n: int = 3000) -> None:
    for _ in range(300):
        work()
    took = []
    for _ in range(n):
        started = time.perf_counter()
        work()
        took.append(time.perf_counter() - started)
    print(f"{name:42s} p50 {np.percentile(took, 50) * 1e6:6.0f} us  p99 {np.percentile(took, 99) * 1e6:6.0f} us")


def main() -> None:
    g, event = ModelGuidance(RuleGuidance()), given()
    context = journey_context(event)
    timed("rules evaluate + journal entry (all of it)",
          lambda: prompts_entry("S1", "J1", "A1", False, g.evaluate(event), 1.0))
    timed("journey_context", lambda: journey_context(event))
    timed("loggable + json.dumps of the context", lambda: json.dumps(loggable(context), allow_nan=False))


if __name__ == "__main__":
    main()
