"""Occupancy per queue: the share of a queue's staffed capacity in use on that queue's contacts, now.

The floor's occupancy (``assist.supervision.floor``) is the traffic report's ratio taken now: each staffed agent
(any status but away) works the share of their slots in use, summed over the number staffed. Per queue, both
sides are restricted to the queue:

- **in use**: each staffed agent's share of their slots held by the queue's contacts (routing's live
  reservations, ringing or answered: one contact is 1/capacity of its channel; an agent whose contacts add up to
  more than 1, say a chat and a call on two channels, has their shares scaled to a total of 1, the floor's cap);
- **staffed**: the agents who can take the queue's contacts under its base rule (in its ``group`` when it has
  one, holding its ``required_skills`` at their levels), plus any agent serving one of its contacts now (a
  relaxed rule or an overflow group brought it to them).

An agent in several queues is shared: they count whole in the staffed number of each queue they can serve, and
their slots count in each queue for the contacts of that queue. So per-queue figures do not add up to the floor's,
and a queue's occupancy reads "how busy the people who could answer this queue are with it", not a split of the
floor. Contacts offered outside routing (``POST /v1/contacts/offer``) hold no reservation and count in the
floor's occupancy only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from routing.codec import as_dict
from routing.engine import AgentState, QueuePolicy
from routing.state import RoutingStore

__all__ = ["Work", "can_serve", "queue_occupancy", "queue_work"]

Work = Mapping[str, Sequence[tuple[str, str]]]
"""Agent id -> the (queue, channel) of each contact they hold now."""


def can_serve(policy: QueuePolicy | None, agent: AgentState) -> bool:
    """Whether the queue's base rule lets ``agent`` take its contacts (no policy: a queue routing no longer has)."""
    if policy is None:
        return False
    if policy.group is not None and policy.group not in agent.groups:
        return False
    return all(agent.skills.get(skill, 0) >= level for skill, level in policy.required_skills)


def _shares(agent: AgentState, held: Sequence[tuple[str, str]]) -> dict[str, float]:
    """The share of ``agent``'s slots each queue holds, scaled to at most 1 in all."""
    shares: dict[str, float] = defaultdict(float)
    for queue, channel in held:
        capacity = agent.capacity.get(channel, 0)
        if capacity > 0:
            shares[queue] += 1 / capacity
    total = sum(shares.values())
    return {q: s / total for q, s in shares.items()} if total > 1 else dict(shares)


def queue_occupancy(queues: Iterable[str], policies: Mapping[str, QueuePolicy], agents: Iterable[AgentState],
                    work: Work) -> dict[str, tuple[float | None, int]]:
    """Each of ``queues``' occupancy now (None: nobody staffed for it) and how many agents are staffed for it."""
    staffed = [a for a in agents if a.status != "away"]
    shares = {a.agent_id: _shares(a, work.get(a.agent_id, ())) for a in staffed}
    out: dict[str, tuple[float | None, int]] = {}
    for queue in queues:
        policy = policies.get(queue)
        serving = [a for a in staffed if can_serve(policy, a) or queue in shares[a.agent_id]]
        in_use = sum(shares[a.agent_id].get(queue, 0.0) for a in serving)
        out[queue] = (in_use / len(serving) if serving else None, len(serving))
    return out


async def queue_work(store: RoutingStore, agent_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """Each agent's live reservations (ringing or answered) as (queue, channel), in two round trips whatever the
    number of agents. An agent whose reservations cannot be read counts as holding none."""
    if not agent_ids:
        return {}
    sets = await store.send([("SMEMBERS", store.live_key(a)) for a in agent_ids])
    held = [(agent_id, str(rid)) for agent_id, ids in zip(agent_ids, sets, strict=True)
            if not isinstance(ids, Exception) for rid in sorted(ids)]
    replies = await store.send([("HGETALL", store.reservation_key(rid)) for _, rid in held]) if held else []
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (agent_id, _), reply in zip(held, replies, strict=True):
        fields = {} if isinstance(reply, Exception) else as_dict(reply)
        if fields.get("queue") and fields.get("channel"):
            out[agent_id].append((fields["queue"], fields["channel"]))
    return dict(out)
