"""The event path's memo: guidance redoes only what an event's inputs changed, and serves the same prompts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from assist.customers.schemas import CustomerView
from assist.guidance.interface import GuidanceInput, Prompt
from assist.guidance.memo import GuidanceMemo
from assist.guidance.model import ModelGuidance, temperament_detector
from assist.guidance.rules import RuleGuidance
from assist.journeys.state import JourneyState
from assist.sessions.events import apply_to_journey
from assist.stream.protocol import EventData
from models.scorer import Scorer
from tests.models.trained import saved_model

SESSION = "S-1"
EVENTS: list[dict[str, Any]] = [
    {"kind": "utterance", "speaker": "customer", "text": "This is ridiculous, I want my money back!"},
    {"kind": "utterance", "speaker": "agent", "text": "I'm sorry, let me look at the order."},
    {"kind": "action", "action": "verify_identity"},
    {"kind": "utterance", "speaker": "agent", "text": "Thanks, I can see it now."},
    {"kind": "crm", "fields": {"order_value": 120.0, "wait_seconds": 240}},
    {"kind": "action", "action": "request_refund", "fields": {"amount": 80}},
    {"kind": "utterance", "speaker": "customer", "text": "What if it does not arrive in time?"},
    {"kind": "utterance", "speaker": "agent", "text": "Your refund will arrive in 5 days; anything else?"},
]


def counted(calls: dict[str, int], name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    """``real``, counting its calls under ``name`` (the real model still answers)."""
    def call(*args: Any, **kwargs: Any) -> Any:
        calls[name] = calls.get(name, 0) + 1
        return real(*args, **kwargs)

    return call


def counting_scorer(root: Any, calls: dict[str, int]) -> Scorer:
    """A real scorer whose model calls (the ranking, every TreeSHAP row, every confidence) are counted."""
    scorer = Scorer.load(saved_model(root))
    scorer.rank = counted(calls, "rank", scorer.rank)  # type: ignore[method-assign]
    scorer.contribution = counted(calls, "explain", scorer.contribution)  # type: ignore[method-assign]
    scorer.confidences = counted(calls, "confidence", scorer.confidences)  # type: ignore[method-assign]
    return scorer


def journey() -> JourneyState:
    return JourneyState(id="J-memo", customer_id="C1", reason="refund", channels=["chat"])


def after_first_words() -> GuidanceInput:
    """An unidentified caller's refund chat right after the customer's first (angry) words."""
    current = journey()
    apply_to_journey(current, "chat", EventData(session_id=SESSION, **EVENTS[0]))
    return GuidanceInput(journey=current, customer=None, channel="chat", latest=current.transcript[-1])


def guided(guidance: ModelGuidance, current: JourneyState) -> list[Prompt]:
    """What ``SessionService.guide`` does after applying an event: evaluate, then record what was shown."""
    latest = next((t for t in reversed(current.transcript) if t.speaker != "system"), None)
    customer = CustomerView(id="C1", segment="value", tenure_months=30, lifetime_value=900.0, churn_risk=0.4,
                            vulnerable=False, consent={"marketing": True, "profiling": True})
    prompts = guidance.evaluate(GuidanceInput(journey=current, customer=customer, channel="chat", latest=latest,
                                              already_shown=current.shown_in(SESSION), queue="refund"))
    current.record_shown(SESSION, [p.action for p in prompts])
    return prompts


def served(prompts: list[Prompt]) -> list[dict[str, Any]]:
    """The prompts as the panel and the prompt log get them, minus their fresh ids."""
    return [{**p.model_dump(mode="json", exclude={"id"}), "context": p.context} for p in prompts]


@pytest.fixture(autouse=True)
def temperament_trained() -> None:
    temperament_detector().classifier()  # the event path does not wait for it; the test should not race it


@pytest.mark.parametrize("suggestions", [1, 2])
def test_the_same_events_get_the_same_prompts_with_the_memo_as_without(tmp_path, suggestions):
    with_memo = ModelGuidance(RuleGuidance(), Scorer.load(saved_model(tmp_path / "a")), suggestions=suggestions)
    without = ModelGuidance(RuleGuidance(), Scorer.load(saved_model(tmp_path / "b")), suggestions=suggestions,
                            memo_journeys=0)
    a, b = journey(), journey()
    for event in EVENTS:
        data = EventData(session_id=SESSION, **event)
        apply_to_journey(a, "chat", data)
        apply_to_journey(b, "chat", data)
        remembered, fresh = guided(with_memo, a), guided(without, b)
        assert served(remembered) == served(fresh), event
        assert all(p.source == "model" for p in remembered)
    assert len(with_memo.memo) == 1 and len(without.memo) == 0


def test_an_event_that_leaves_every_input_unchanged_calls_the_model_not_at_all(tmp_path):
    calls: dict[str, int] = {}
    guidance = ModelGuidance(RuleGuidance(), counting_scorer(tmp_path, calls))
    given = after_first_words()
    first = guidance.evaluate(given)
    before = dict(calls)
    again = guidance.evaluate(given)  # e.g. the journey update re-run after a concurrent write
    assert calls == before and before["rank"] == 1 and before["explain"] >= 1
    assert served(again) == served(first) and again[0].id != first[0].id


def test_an_agents_words_reuse_the_score_and_explain_only_the_newly_shown_action(tmp_path):
    calls: dict[str, int] = {}
    guidance = ModelGuidance(RuleGuidance(), counting_scorer(tmp_path, calls))
    current = journey()
    apply_to_journey(current, "chat", EventData(session_id=SESSION, **EVENTS[0]))
    [shown] = guided(guidance, current)
    before = dict(calls)
    apply_to_journey(current, "chat", EventData(session_id=SESSION, **EVENTS[1]))  # the model reads no agent words
    [following] = guided(guidance, current)
    assert following.action != shown.action  # never the same action twice
    assert calls["rank"] == before["rank"] and calls["confidence"] == before["confidence"] + 1
    assert calls["explain"] - before["explain"] <= 2  # the new action's TreeSHAP row, and its runner-up's if new


def test_an_input_the_model_reads_changing_rescores(tmp_path):
    calls: dict[str, int] = {}
    guidance = ModelGuidance(RuleGuidance(), counting_scorer(tmp_path, calls))
    given = after_first_words()
    guidance.evaluate(given)
    given.journey.collected["refund_amount"] = 80
    guidance.evaluate(given)
    assert calls["rank"] == 2


def test_a_new_model_version_rescores_the_same_input(tmp_path):
    calls: dict[str, int] = {}
    guidance = ModelGuidance(RuleGuidance(), counting_scorer(tmp_path / "a", calls))
    current = journey()
    given = GuidanceInput(journey=current, customer=None, channel="chat")
    guidance.evaluate(given)
    guidance.install(counting_scorer(tmp_path / "b", calls), expected=True)
    guidance.evaluate(given)
    assert calls["rank"] == 2


def test_the_knowledge_search_reruns_only_when_the_conversation_moved_on(tmp_path):
    calls: dict[str, int] = {}
    guidance = ModelGuidance(RuleGuidance(), Scorer.load(saved_model(tmp_path)))
    guidance.knowledge.search = counted(calls, "search", guidance.knowledge.search)  # type: ignore[method-assign]
    guidance.checklists.tick = counted(calls, "tick", guidance.checklists.tick)  # type: ignore[method-assign]
    current = journey()
    for event in (EVENTS[0], EVENTS[2], EVENTS[4], EVENTS[1]):  # words, a step, CRM facts, words
        apply_to_journey(current, "chat", EventData(session_id=SESSION, **event))
        guided(guidance, current)
    assert calls == {"search": 2, "tick": 3}  # the CRM facts moved neither; the step moved only the checklist


def test_the_memo_keeps_the_most_recently_guided_journeys():
    memo = GuidanceMemo(journeys=2)
    first = memo.of("J1")
    memo.of("J2")
    assert memo.of("J1") is first  # used again: now the most recent
    memo.of("J3")
    assert len(memo) == 2 and memo.of("J1") is first
    assert memo.of("J2") is not memo.of("J4")


def counted_readings(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the process's temperament classifier's readings of a line (``row``) from now on."""
    classifier = temperament_detector().classifier()
    calls: dict[str, int] = {}
    monkeypatch.setattr(classifier, "row", counted(calls, "row", classifier.row))
    return calls


def test_the_same_customer_words_are_read_for_temperament_once(monkeypatch):
    calls = counted_readings(monkeypatch)
    said = ["This is the third time I call about order 5521", "It is ridiculous, I am furious about 5521!"]
    first = temperament_detector().detect(said)
    before = calls["row"]
    assert temperament_detector().detect(list(said)) == first and calls["row"] == before >= 2


def test_a_new_customer_turn_reads_that_line_alone_not_every_turn_again(monkeypatch):
    calls = counted_readings(monkeypatch)
    said = ["Hi, it is about parcel 8830", "It was due on Monday for 8830", "I really need 8830 by Friday, I'm worried"]
    temperament_detector().detect(said[:2])
    before = calls["row"]
    assert temperament_detector().detect(said) is not None
    assert calls["row"] - before == 1
