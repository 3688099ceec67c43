"""How a supervisor request travels through the record journal (``assist.records``): its entry kind, and the
row the writer inserts from an entry. Kept apart from the request logic so the writer imports no session code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from assist.supervision.tables import SupervisorRequest

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
