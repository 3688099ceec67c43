"""How routing values are written to Redis: an agent as one hash, a contact as one JSON payload.

Agent hash fields: ``status``, ``status_since``, ``idle_since``, ``misses``, ``version`` and one field per
attribute: ``s:<skill>`` level, ``l:<language>``, ``g:<group>``, ``c:<channel>`` capacity,
``n:<channel>`` load. The Lua scripts in ``routing/lua`` read the same fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from routing.engine import AgentState, AgentStatus, Contact

__all__ = ["agent_from_hash", "as_dict", "contact_from_json", "contact_to_json", "profile_fields"]

_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))  # made once: json.dumps makes one per call


def profile_fields(
    skills: Mapping[str, int],
    languages: frozenset[str] | set[str],
    groups: frozenset[str] | set[str],
    capacity: Mapping[str, int],
) -> list[str]:
    """The flat field/value list of an agent's profile, as ``agent_upsert.lua`` takes it."""
    fields: list[str] = []
    for skill, level in sorted(skills.items()):
        fields += [f"s:{skill}", str(level)]
    for language in sorted(languages):
        fields += [f"l:{language}", "1"]
    for group in sorted(groups):
        fields += [f"g:{group}", "1"]
    for channel, cap in sorted(capacity.items()):
        fields += [f"c:{channel}", str(cap)]
    return fields


def agent_from_hash(agent_id: str, fields: Mapping[str, str]) -> tuple[AgentState, int] | None:
    """The agent stored as ``fields`` and its version, or None when the hash is empty (no such agent)."""
    if "status" not in fields:
        return None
    skills: dict[str, int] = {}
    capacity: dict[str, int] = {}
    load: dict[str, int] = {}
    languages: set[str] = set()
    groups: set[str] = set()
    for name, value in fields.items():
        kind, _, rest = name.partition(":")
        if not rest:
            continue
        if kind == "s":
            skills[rest] = int(value)
        elif kind == "c":
            capacity[rest] = int(value)
        elif kind == "n":
            load[rest] = int(value)
        elif kind == "l":
            languages.add(rest)
        elif kind == "g":
            groups.add(rest)
    state = AgentState(
        agent_id=agent_id,
        skills=skills,
        languages=frozenset(languages),
        capacity=capacity,
        load=load,
        status=AgentStatus(fields["status"]),
        status_since=float(fields["status_since"]),
        idle_since=float(fields["idle_since"]),
        groups=frozenset(groups),
    )
    return state, int(fields.get("version", 0))


def contact_to_json(contact: Contact) -> str:
    """The contact as the JSON payload of its Redis record (excluded agents are kept apart)."""
    return _COMPACT_JSON.encode(
        {
            "contact_id": contact.contact_id,
            "channel": contact.channel,
            "required_skills": dict(contact.required_skills),
            "preferred_skills": dict(contact.preferred_skills),
            "language": contact.language,
            "priority": contact.priority,
            "customer_id": contact.customer_id,
            "arrived_at": contact.arrived_at,
            "last_agent_id": contact.last_agent_id,
            "queue": contact.queue,
            "reason": contact.reason,
        }
    )


def contact_from_json(payload: str, excluded: str = "") -> Contact:
    """The contact stored as ``payload``, with ``excluded`` (space-separated agent ids) restored."""
    data = json.loads(payload)
    return Contact(**data, excluded_agents=frozenset(excluded.split()))


def as_dict(reply: Any) -> dict[str, str]:
    """A HGETALL reply as a dict, whether the client speaks RESP2 (flat list) or RESP3 (map)."""
    if isinstance(reply, dict):
        return reply
    if isinstance(reply, list):
        return dict(zip(reply[::2], reply[1::2], strict=False))
    return {}
