"""The agent index and the Redis codec, pure."""

from __future__ import annotations

from dataclasses import replace

from routing.codec import agent_from_hash, contact_from_json, contact_to_json, profile_fields
from routing.engine import AgentState, AgentStatus, Contact, QueuePolicy
from routing.index import AgentIndex

NOW = 1000.0
POLICY = QueuePolicy("q")


def agent(agent_id: str, **changes: object) -> AgentState:
    base = AgentState(agent_id, {"billing": 3}, frozenset({"en"}), {"chat": 2}, {}, AgentStatus.AVAILABLE,
                      0.0, NOW - 10, frozenset())
    return replace(base, **changes)  # type: ignore[arg-type]


def contact(**changes: object) -> Contact:
    base = Contact("c1", "chat", {"billing": 2}, {}, "en", 0, None, NOW)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_upsert_replaces_the_previous_profile() -> None:
    index = AgentIndex()
    index.upsert(agent("A"))
    index.upsert(agent("A", skills={"tech": 5}))
    assert index.candidates(contact(), POLICY, NOW) == []
    assert [a.agent_id for a in index.candidates(contact(required_skills={"tech": 5}), POLICY, NOW)] == ["A"]


def ids(index: AgentIndex, wanted: Contact) -> list[str]:
    return sorted(a.agent_id for a in index.candidates(wanted, POLICY, NOW))


def test_profile_change_is_seen_by_the_next_decision() -> None:
    index = AgentIndex()
    index.upsert(agent("A"))
    assert ids(index, contact()) == ["A"]
    index.upsert(agent("A", skills={"billing": 1}))
    index.upsert(agent("B", languages=frozenset({"en", "es"})))
    assert ids(index, contact()) == ["B"]
    index.remove("B")
    assert ids(index, contact()) == []


def test_load_and_status_changes_are_seen_by_the_next_decision() -> None:
    index = AgentIndex()
    index.upsert(agent("A", capacity={"chat": 1}))
    assert ids(index, contact()) == ["A"]
    index.set_load("A", "chat", 1, NOW)
    assert ids(index, contact()) == []
    index.set_load("A", "chat", 0, NOW)
    index.upsert(agent("A", capacity={"chat": 1}, status=AgentStatus.BUSY))
    assert ids(index, contact()) == []


def test_excluded_agents_are_never_candidates() -> None:
    index = AgentIndex()
    for name in ("A", "B", "C"):
        index.upsert(agent(name))
    assert ids(index, contact(excluded_agents=frozenset({"A", "C", "gone"}))) == ["B"]


def test_removed_agent_is_never_a_candidate_and_its_row_is_reused() -> None:
    index = AgentIndex()
    index.upsert(agent("A"))
    index.remove("A")
    index.upsert(agent("B"))
    assert "A" not in index and index.get("A") is None
    assert [a.agent_id for a in index.candidates(contact(), POLICY, NOW)] == ["B"]
    assert len(index) == 1


def test_index_grows_past_its_size_hint() -> None:
    index = AgentIndex(size_hint=16)
    for i in range(100):
        index.upsert(agent(f"A{i:03}", idle_since=float(i)))
    shortlist, eligible = index.shortlist(contact(), POLICY, NOW, limit=3)
    assert eligible == 100 and [a.agent_id for a in shortlist] == ["A000", "A001", "A002"]


def test_unknown_skill_language_or_channel_has_no_candidates() -> None:
    index = AgentIndex()
    index.upsert(agent("A"))
    assert index.candidates(contact(required_skills={"nope": 1}), POLICY, NOW) == []
    assert index.candidates(contact(language="xx"), POLICY, NOW) == []
    assert index.candidates(contact(channel="fax"), POLICY, NOW) == []


def test_servers_counts_slots_of_qualified_logged_in_agents() -> None:
    index = AgentIndex()
    index.upsert(agent("busy", status=AgentStatus.BUSY, load={"chat": 2}))
    index.upsert(agent("free", capacity={"chat": 3}))
    index.upsert(agent("away", status=AgentStatus.AWAY))
    index.upsert(agent("novice", skills={"billing": 1}))
    assert index.servers(contact(), POLICY, NOW) == 5


def test_agent_survives_the_hash_round_trip() -> None:
    original = agent("A", skills={"billing": 3, "tech": 1}, languages=frozenset({"en", "es"}),
                     capacity={"chat": 3, "voice": 1}, groups=frozenset({"sales"}))
    fields = dict(zip(*[iter(profile_fields(original.skills, original.languages, original.groups,
                                            original.capacity))] * 2, strict=False))
    fields |= {"status": "available", "status_since": "0.0", "idle_since": repr(NOW - 10), "version": "7",
               "n:chat": "0", "n:voice": "0", "misses": "0"}
    restored, version = agent_from_hash("A", fields)  # type: ignore[misc]
    assert version == 7 and restored == replace(original, load={"chat": 0, "voice": 0})


def test_contact_survives_the_json_round_trip() -> None:
    original = contact(preferred_skills={"tech": 1}, last_agent_id="A", excluded_agents=frozenset({"B", "C"}))
    assert contact_from_json(contact_to_json(original), "B C") == original


def test_has_open_tells_whether_any_agent_can_take_the_channel() -> None:
    index = AgentIndex()
    index.upsert(agent("A", capacity={"chat": 1}, load={"chat": 1}))
    assert not index.has_open("chat") and not index.has_open("voice")
    index.set_load("A", "chat", 0, NOW)
    assert index.has_open("chat")
