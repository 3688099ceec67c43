"""How a supervisor request and a follow-up travel through the record journal (``assist.records``): their entry
kinds, and the rows the writer writes from an entry. Kept apart from the request logic so the writer imports
no session code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect

from assist.supervision.tables import FollowUp, SupervisorRequest

JOURNAL_KIND = "supervisor_request"


def request_row(entry: dict[str, Any]) -> dict[str, Any]:
    """The ``SupervisorRequest`` row (every column given) of a journal entry."""
    row = {k: entry.get(k) for k in SupervisorRequest.model_fields}
    row["customer"] = row["customer"] or {}
    row["note"] = row["note"] or ""
    for when in ("created_at", "decided_at"):
        if isinstance(value := row[when], str):
            row[when] = datetime.fromisoformat(value)
    return row


FOLLOW_UP_KIND = "follow_up"

UPDATED_BY_LATER_ENTRIES = ("outcome", "csat", "disposition", "summary", "why")
"""What a later entry of the same contact (its wrap-up) changes on a still-open item."""


def follow_up_row(entry: dict[str, Any], erased: bool) -> dict[str, Any]:
    """The ``FollowUp`` row (every column given) of a journal entry; an erased customer's keeps no summary or
    customer (a close journaled before the erasure must not bring back what it removed)."""
    row = {k: entry.get(k) for k in FollowUp.model_fields}
    row["customer"] = {} if erased else row["customer"] or {}
    row["summary"] = "" if erased else row["summary"] or ""
    row["note"] = row["note"] or ""
    row["why"] = row["why"] or []
    for when in ("created_at", "updated_at"):
        if isinstance(value := row[when], str):
            row[when] = datetime.fromisoformat(value)
    return row


def follow_up_upsert(sqlite: bool) -> Any:
    """Insert the item, or bring a still-open one up to date: the same entry written twice stores one item, and
    one closed meanwhile is left as its supervisor closed it."""
    statement = (sqlite_dialect if sqlite else postgresql).insert(FollowUp)
    return statement.on_conflict_do_update(
        index_elements=["id"], set_={c: statement.excluded[c] for c in UPDATED_BY_LATER_ENTRIES},
        where=FollowUp.__table__.c.status == "open")  # type: ignore[attr-defined]
