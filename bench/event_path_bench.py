"""The in-process steps of one live event, each timed hot and with cold caches (issue 3). A benchmark, not a test.

Run: ``.venv/bin/python bench/event_path_bench.py [--samples N] [--guidance rules|model]``. Prints a table and
writes ``bench/out/event_path.json``. ``--guidance model`` serves the stream bench's demo model
(``bench/stream_model.py``, trained once into ``bench/out/stream-model/``); the guidance step then is the
production one (context, score, TreeSHAP, reasons), with the event path's memo off (``assist.guidance.memo``:
every sample here is the same journey's first look at this event, as in the stream bench).

Why cold: in ``bench/stream_bench.py`` a panel's events are tens of milliseconds apart, and in between the
client, Redis and other tenants of the machine evict this process's caches. Each step then costs several
times what a hot loop says (7x on the 2-vCPU VM this was written on), and the service's own latency
matches the cold figures, not the hot ones. So a change on the event path should be judged cold: "cold"
writes 48 MB (more than the last-level cache) before each sample. What a step costs is roughly what code
and data it touches, so removing a step, or a library layer, pays more than making a hot loop faster.

The steps are the service's own code, in the order ``assist.sessions.events.handle_event`` runs them for
the stream bench's event (an angry customer utterance on a refund contact), Redis excluded.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out" / "event_path.json"
EVICT_BYTES = 48 * 1024 * 1024


def event_steps(kind: str = "rules") -> Callable[[], list[tuple[str, float]]]:
    """One event's steps as a function returning (step, seconds) pairs, under ``kind`` guidance."""
    from assist.guidance.interface import GuidanceInput
    from assist.guidance.model import ModelGuidance, journey_context, temperament_detector
    from assist.guidance.model import _prompt as model_prompt
    from assist.guidance.rules import RuleGuidance
    from assist.journeys.state import JourneyState
    from assist.records.journal import prompts_entry
    from assist.sessions.delivery import Delivery
    from assist.sessions.events import apply_to_journey
    from assist.sessions.journey_update import journey_mark, journey_update
    from assist.sessions.state import SessionState
    from assist.stream.outbox import Outbox
    from assist.stream.protocol import Envelope, inbound_adapter
    from models.language.sentiment import sentiment

    scorer = None
    if kind == "model":
        from bench.stream_model import bench_model
        from models.scorer import Scorer

        scorer = Scorer.load(bench_model(print).path)
    temperament_detector().classifier()  # the service trains it at startup
    guidance = ModelGuidance(RuleGuidance(), scorer, knowledge_dirs=[], memo_journeys=0)
    state = SessionState(agent_id="A-1", channel="chat", reason="refund", status="open", journey_id="J-1",
                         customer_id="C-1")
    journey = JourneyState(id="J-1", customer_id="C-1", reason="refund", channels=["chat"],
                           steps_done=["identity_verified"], prompts_shown=["verify_identity"],
                           shown_by_session={state.id: ["verify_identity"]})
    journey.say("chat", "agent", "Thanks for waiting, I can see the order here.")
    stored_journey = journey.model_dump_json()
    raw = json.dumps({"type": "event", "id": "m1", "data": {
        "session_id": state.id, "kind": "utterance", "speaker": "customer",
        "text": "This is ridiculous, I am furious!"}})

    def run() -> list[tuple[str, float]]:
        marks: list[tuple[str, float]] = []
        # every event brings new words: no memo of an earlier reading of them may hit here
        temperament_detector()._heard.clear()
        temperament_detector()._lines.clear()
        getattr(sentiment, "cache_clear", lambda: None)()
        start = time.perf_counter()

        def mark(step: str) -> None:
            nonlocal start
            now = time.perf_counter()
            marks.append((step, now - start))
            start = now

        message = inbound_adapter.validate_json(raw)
        event = message.data
        mark("parse the panel's message")
        current = JourneyState.model_validate_json(stored_journey)
        before = journey_mark(current)
        mark("parse the kept journey")
        partial(apply_to_journey, channel=state.channel, event=event)(current)
        given = GuidanceInput(journey=current, customer=state.customer, channel=state.channel,
                              agent_role=state.agent_role, refund_limit=state.refund_limit,
                              latest=current.transcript[-1])
        mark("apply the event, guidance input")
        context = journey_context(given)
        mark("model context (temperament)")
        if scorer is None:
            prompts = guidance.fallback.evaluate(given)
            mark("rules")
        else:
            found = scorer.suggest(context, exclude=given.already_shown)
            mark("score + TreeSHAP + reasons")
            prompts = [model_prompt(s) for s in found]
            mark("model prompts")
        prompts = guidance._enrich(prompts, given, context)
        mark("knowledge and checklist")
        moved = before != journey_mark(current)
        journey_message = [journey_update(state, current, prompts[0].checklist if prompts else None)] if moved else []
        mark("journey message")
        payloads = Outbox.payloads([*journey_message, *Delivery.messages(state, prompts)])
        mark("prompt messages")
        current.model_dump_json()
        mark("journey JSON for the commit")
        prompts_entry(state.id, state.journey_id, state.agent_id, state.practice, prompts, time.time())
        mark("prompt log record")
        Envelope(type="ack", data={"in_reply_to": message.id, "session_id": state.id}).model_dump_json()
        mark("ack")
        assert moved and payloads and ('"apologise_acknowledge"' in payloads[-1] or scorer is not None)
        return marks

    return run


def measure(run: Callable[[], list[tuple[str, float]]], samples: int, cold: bool) -> dict[str, float]:
    """Median microseconds per step over ``samples`` runs (after 20 unmeasured ones)."""
    evict = bytearray(EVICT_BYTES)
    per_step: dict[str, list[float]] = {}
    gc.collect()
    gc.disable()
    try:
        for i in range(samples + 20):
            if cold:
                for j in range(0, EVICT_BYTES, 64):
                    evict[j] = i & 0xFF
            marks = run()
            if i >= 20:
                for step, seconds in marks:
                    per_step.setdefault(step, []).append(seconds)
    finally:
        gc.enable()
    return {step: statistics.median(values) * 1e6 for step, values in per_step.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--guidance", choices=("rules", "model"), default="rules")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    run = event_steps(args.guidance)
    hot = measure(run, args.samples * 10, cold=False)
    cold = measure(run, args.samples, cold=True)
    print(f"{'step':<34}{'hot us':>10}{'cold us':>10}{'cold/hot':>10}")
    for step in hot:
        print(f"{step:<34}{hot[step]:>10.1f}{cold[step]:>10.1f}{cold[step] / hot[step]:>9.1f}x")
    total_hot, total_cold = sum(hot.values()), sum(cold.values())
    print(f"{'total':<34}{total_hot:>10.1f}{total_cold:>10.1f}{total_cold / total_hot:>9.1f}x")
    result: dict[str, Any] = {"benchmark": "event_path", "guidance": args.guidance,
                              "samples": args.samples, "evict_bytes": EVICT_BYTES,
                              "hot_us": hot, "cold_us": cold, "python": sys.version.split()[0],
                              "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
