"""Recording what the panel reports about its own use, off the event path.

A ``panel_event`` from the panel (visible, hidden, a card section or an article opened) is checked against the
session (the agent's own, opened at some point), stamped with the server's time, the contact's channel and
queue and the model version served, and appended to the record journal: the writer brings it to SQL within
about a second, or keeps it in Redis while the database is down, like the prompt log. Nothing is read from or
written to SQL here, and guidance never waits for it.

A panel that misbehaves (a visibility listener firing in a loop) cannot flood the table: each session takes
at most ``ASSIST_PANEL_EVENTS_PER_SESSION`` (default 300) events, counted in Redis next to the session; the
rest are refused with ``panel_events_capped`` and not recorded. The count and the append are one script on a
single Redis node.
"""

from __future__ import annotations

import json
import time
from typing import Any

from assist.auth.principal import Principal
from assist.errors import Conflict, Forbidden
from assist.ids import new_id
from assist.panel_use.journal import JOURNAL_KIND
from assist.sessions.service import SessionService, unknown_session
from assist.stream.protocol import PanelEventData

__all__ = ["CAPPED", "record_panel_event"]

COUNT_TTL_SECONDS = 2 * 86_400
"""The per-session count outlives any contact (it only needs to last while the panel can still report)."""
CAPPED = "panel_events_capped"
RECORDED_STATUSES = frozenset({"open", "closed", "handed_off"})
"""A panel reports while the contact is open and, for the moment it hides, just after it closed."""

_COUNT_AND_APPEND = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
if n > tonumber(ARGV[1]) then
  return 0
end
redis.call('XADD', KEYS[2], '*', 'k', ARGV[3], 'e', ARGV[4])
return 1
"""
"""KEYS: the session's count, the journal. ARGV: the cap, the count's TTL, the entry kind, the entry."""


async def record_panel_event(service: SessionService, principal: Principal, data: PanelEventData) -> str:
    """Journal one panel event of the agent's own session; returns the record's id.

    Raises NotFound ``unknown_session``, Forbidden ``other_agent``, Conflict ``session_not_open`` (offered,
    declined or expired: never opened) and Conflict ``panel_events_capped`` past the per-session cap.
    """
    state = await service.sessions.get(data.session_id)
    if state is None:
        raise unknown_session(data.session_id)
    if not principal.may_act_as(state.agent_id):
        raise Forbidden("that session belongs to another agent", code="other_agent")
    if state.status not in RECORDED_STATUSES:
        raise Conflict(f"session is {state.status}, not open", code="session_not_open")
    version = getattr(service.guidance, "version", None)
    record_id = new_id("PE-")
    entry = json.dumps({"id": record_id, "session_id": state.id, "agent_id": state.agent_id, "kind": data.kind,
                        "ref": data.ref, "channel": state.channel, "queue": state.queue or state.reason,
                        "model_version": version if isinstance(version, str) else None,
                        "practice": state.practice, "at": time.time()})
    cap = service.settings.panel_events_per_session
    if not await _count_and_append(service, state.id, entry, cap):
        raise Conflict(f"this contact already reported {cap} panel events; the rest are not recorded", code=CAPPED)
    return record_id


async def _count_and_append(service: SessionService, session_id: str, entry: str, cap: int) -> bool:
    journal = service.delivery.prompt_log.journal
    count_key = journal.keys.key("session", session_id, "panel_events")
    args: list[Any] = [cap, COUNT_TTL_SECONDS, JOURNAL_KIND, entry]
    commands = journal.commands
    if journal.single_node:
        script = commands.script(_COUNT_AND_APPEND)
        return bool(await commands.call(commands.eval(script, [count_key, journal.key], args)))
    # a cluster keeps the count and the journal in different slots: count first, then append
    count = int(await commands.call(("INCR", count_key)))
    if count == 1:
        await commands.call(("EXPIRE", count_key, COUNT_TTL_SECONDS))
    if count > cap:
        return False
    await commands.call(("XADD", journal.key, "*", "k", JOURNAL_KIND, "e", entry))
    return True
