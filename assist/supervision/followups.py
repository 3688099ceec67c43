"""Closed loop: a detractor contact opens a follow-up item for supervisors, with its journey attached.

A contact is a detractor when it closes with a CSAT at or below ``ASSIST_FOLLOW_UP_CSAT`` (2 on the 1-5 scale),
or its wrap-up disposition is one of ``ASSIST_FOLLOW_UP_DISPOSITIONS`` (``follow_up_needed``,
``complaint_logged``); the close's outcomes (resolved, escalated, ...) have no complaint among them, so a
complaint is known by its disposition. Practice contacts open none: their customer is simulated.

The item is journaled (``assist.records``, entry kind ``follow_up``) rather than written: a close during a
database outage still opens it when the database is back, and the close itself never waits on SQL. Its id is
``FU-<session id>``, so a close retried or an entry written twice stores one item. A wrap-up submitted after the
close journals the item again, complete (CSAT and outcome travel with the session's wrap-up state), and the
writer's upsert brings the still-open item up to date: the agent's own summary and disposition replace the
draft, and a wrap-up that names a complaint opens the item if the CSAT did not.

Supervisors assign or close an item with a note; each is one conditional update (only an open item changes)
with its audit row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select

from assist.adoption.facts import DEFAULT_TEAM
from assist.audit import record_access
from assist.auth.principal import Principal, Role
from assist.errors import Conflict, NotFound
from assist.sessions.state import SessionState
from assist.stores.sql import Database
from assist.stores.tables import Agent, utcnow
from assist.supervision.customer import supervisor_view
from assist.supervision.journal import FOLLOW_UP_KIND
from assist.supervision.schemas import FollowUpOut, FollowUpStatus, FollowUpUpdate
from assist.supervision.tables import FollowUp

__all__ = ["detractor_reasons", "follow_up_id", "list_follow_ups", "open_follow_up", "update_follow_up"]

Journal = Callable[[str, dict[str, Any]], Awaitable[None]]
SUMMARY_LIMIT = 4000


def follow_up_id(session_id: str) -> str:
    """One item per contact: its id is the session's."""
    return f"FU-{session_id}"


def detractor_reasons(csat: int | None, disposition: str | None, *, csat_at_most: int,
                      codes: Collection[str], labels: Mapping[str, str]) -> list[str]:
    """Why a contact is a detractor, in words (empty: it is not). ``codes``: the dispositions that make one,
    ``labels``: every disposition's label."""
    why = []
    if csat is not None and csat <= csat_at_most:
        why.append(f"CSAT {csat} of 5")
    if disposition is not None and disposition in codes:
        why.append(f"wrap-up: {labels.get(disposition, disposition)}")
    return why


async def open_follow_up(journal: Journal, state: SessionState, *, csat: int | None, outcome: str | None,
                         disposition: str | None, summary: str, csat_at_most: int, codes: Collection[str],
                         labels: Mapping[str, str], at: float) -> str | None:
    """Journal the follow-up of ``state``'s contact if it is a detractor (not practice); returns its id, or None
    when the contact opens none. The entry is complete, so journaling it again only brings the item up to date."""
    why = detractor_reasons(csat, disposition, csat_at_most=csat_at_most, codes=codes, labels=labels)
    if state.practice or not why:
        return None
    item = FollowUpOut(
        id=follow_up_id(state.id), status="open", session_id=state.id, journey_id=state.journey_id,
        agent_id=state.agent_id, customer=supervisor_view(state.customer, Role(state.agent_role)),
        channel=state.channel, contact_reason=state.reason, outcome=outcome, csat=csat, disposition=disposition,
        summary=summary[:SUMMARY_LIMIT], why=why, created_at=datetime.fromtimestamp(at, UTC))
    await journal(FOLLOW_UP_KIND, {**item.model_dump(mode="json"), "customer_id": state.customer_id})
    return item.id


def _out(row: FollowUp) -> FollowUpOut:
    return FollowUpOut.model_validate(row.model_dump())


async def list_follow_ups(db: Database, status: FollowUpStatus = "open", limit: int = 100, *,
                          team: str | None = None, agent_id: str | None = None) -> list[FollowUpOut]:
    """Open items oldest first (the queue to work through); done ones most recently closed first. ``team``
    keeps the items of that team's agents (an agent with none recorded is in ``default``, as in the adoption
    reports), ``agent_id`` one agent's."""
    query = select(FollowUp).where(FollowUp.status == status)
    if team is not None:
        query = query.outerjoin(Agent, col(Agent.id) == col(FollowUp.agent_id)).where(
            func.coalesce(col(Agent.team), DEFAULT_TEAM) == team)
    if agent_id is not None:
        query = query.where(FollowUp.agent_id == agent_id)
    query = query.order_by(col(FollowUp.created_at) if status == "open" else col(FollowUp.updated_at).desc())
    async with db.session() as s:
        return [_out(row) for row in (await s.exec(query.limit(limit))).all()]


async def update_follow_up(db: Database, principal: Principal, item_id: str, change: FollowUpUpdate) -> FollowUpOut:
    """Assign an open item (to ``change.assignee``, by default the caller) or close it, with a note, audited in
    the same transaction (``follow_up_assigned``, ``follow_up_closed``). An empty note keeps the item's note.

    Raises NotFound ``unknown_follow_up``, Conflict ``follow_up_done`` (it was closed already, by anyone).
    """
    async with db.session() as s:
        row = await s.get(FollowUp, item_id)
        if row is None:
            raise NotFound(f"no follow-up {item_id!r}", code="unknown_follow_up")
        values: dict[str, Any] = {"updated_at": utcnow(), "note": change.note or row.note}
        if change.action == "close":
            values |= {"status": "done", "closed_by": principal.subject}
        else:
            values["assignee"] = change.assignee or principal.subject
        changed = await (await s.connection()).execute(
            update(FollowUp).where(col(FollowUp.id) == item_id, col(FollowUp.status) == "open")
            .values(**values).execution_options(synchronize_session=False))
        if changed.rowcount != 1:
            raise Conflict(f"follow-up {item_id!r} is already done", code="follow_up_done")
        closing = change.action == "close"
        what = "closed" if closing else f"assigned to {values['assignee']}"
        await record_access(s, principal, row.customer_id, "follow_up_closed" if closing else "follow_up_assigned",
                            reason=f"{row.id} of {row.agent_id} {what}" + (f": {change.note}" if change.note else ""))
        return _out(row).model_copy(update=values)
