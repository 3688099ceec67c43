"""How a panel event travels through the record journal (``assist.records``): its entry kind and the row the
writer inserts. Kept apart from the capture so the writer imports no session code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from assist.panel_use.tables import PanelEvent

JOURNAL_KIND = "panel_event"


def panel_row(entry: dict[str, Any]) -> dict[str, Any]:
    """The ``PanelEvent`` row (every column given) of a journal entry (``at`` in epoch seconds)."""
    row = {k: entry.get(k) for k in PanelEvent.model_fields}
    row["at"] = datetime.fromtimestamp(float(entry["at"]), UTC)
    row["ref"] = row["ref"] or ""
    row["channel"] = row["channel"] or ""
    row["queue"] = row["queue"] or ""
    row["practice"] = bool(row["practice"])
    return row
