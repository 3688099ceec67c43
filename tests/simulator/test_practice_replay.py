"""Deterministic replay: the same seed and agent events give the same conversation and score."""

from __future__ import annotations

import json

import pytest

from simulator.practice.events import AgentEvent
from simulator.practice.library import SCENARIOS
from simulator.practice.replay import replay
from simulator.practice.scripts import scripted_events

SCENARIO = SCENARIOS["cancellation_threat"]


def test_same_seed_same_events_same_everything() -> None:
    events = scripted_events(SCENARIO, "bad")
    first, second = replay(SCENARIO, 42, events), replay(SCENARIO, 42, events)
    assert first.transcript == second.transcript
    assert first.moods == second.moods
    assert first.debrief == second.debrief


def test_replay_from_stored_json_equals_the_original() -> None:
    events = scripted_events(SCENARIO, "good")
    stored = json.loads(json.dumps([e.to_dict() for e in events]))
    assert replay(SCENARIO.name, 3, stored) == replay(SCENARIO, 3, events)


def test_event_dicts_round_trip() -> None:
    for event in scripted_events(SCENARIO, "good"):
        assert AgentEvent.from_dict(event.to_dict()) == event


def test_the_seed_varies_words_but_not_the_mood_or_score() -> None:
    events = scripted_events(SCENARIO, "good")
    runs = [replay(SCENARIO, seed, events) for seed in range(8)]
    assert len({tuple(line.text for line in r.transcript) for r in runs}) > 1
    assert len({r.moods for r in runs}) == 1
    assert len({r.debrief.score for r in runs}) == 1


def test_different_agent_events_give_a_different_trajectory() -> None:
    assert replay(SCENARIO, 1, scripted_events(SCENARIO, "good")).moods != \
        replay(SCENARIO, 1, scripted_events(SCENARIO, "bad")).moods


def test_turns_after_the_customer_hung_up_change_nothing() -> None:
    events = scripted_events(SCENARIOS["abusive_customer"], "bad")
    ended = replay("abusive_customer", 1, events)
    more = replay("abusive_customer", 1, events[:-1] + [AgentEvent(kind="utterance", at=999, text="Sorry!"),
                                                        events[-1]])
    assert ended.hung_up and ended.moods == more.moods and ended.transcript == more.transcript


@pytest.mark.parametrize("bad", [{"kind": "teleport"}, {"kind": "utterance", "at": 1}, {"kind": "action"},
                                 {"kind": "feedback", "action": "verify_identity", "verdict": "meh"},
                                 {"kind": "utterance", "text": "hi", "at": -1}])
def test_malformed_stored_events_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        replay(SCENARIO, 1, [bad])


def test_an_unknown_scenario_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown scenario"):
        replay("nope", 1, [])
