"""Live records made from a simulated history: the prompts, contacts and customers the service would have
stored had it served those decisions (for the export's tests). Plain rows inserted in bulk: building
thousands of sqlmodel objects cost seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import insert

from assist.guidance.model import loggable
from assist.stores.sql import Database
from assist.stores.tables import CONSENT_PURPOSES, Customer, Interaction, PromptRecord
from models.context import served_history
from models.features import CONTEXT_COLUMNS

Rows = list[dict[str, Any]]


def live_records(history: pd.DataFrame) -> tuple[Rows, Rows, Rows]:
    """(customers, interactions, prompts): one closed session per history row, its prompt shown with the row's
    action and propensity and the context the live service would have logged for it (served: no CRM fields,
    profiling only with consent)."""
    served = served_history(history)[list(CONTEXT_COLUMNS)].astype(object)
    contexts = served.where(served.notna(), None).to_dict("records")
    now = datetime.now(UTC)
    customers: dict[str, dict[str, Any]] = {}
    interactions, prompts = [], []
    for i, row in enumerate(history.to_dict("records")):
        customers.setdefault(row["customer_id"], {
            "id": row["customer_id"], "segment": row["segment"], "tenure_months": row["tenure_months"],
            "lifetime_value": row["lifetime_value"], "churn_risk": row["churn_risk"], "vulnerable": row["vulnerable"],
            "language": row["language"], "preferred_channel": row["preferred_channel"],
            "consent": {p: bool(row[f"consent_{p}"]) for p in CONSENT_PURPOSES}, "created_at": now})
        session = f"S-{row['interaction_id']}"
        outcome = "resolved" if row["resolved"] else "escalated" if row["escalated"] else "unresolved"
        interactions.append({"id": f"I-{session}", "customer_id": row["customer_id"], "journey_id": row["journey_id"],
                             "channel": row["channel"], "agent_id": row["agent_id"],
                             "started_at": row["started_at"].to_pydatetime(),
                             "ended_at": row["ended_at"].to_pydatetime(), "intent": row["reason"],
                             "outcome": outcome, "csat": None if pd.isna(row["csat"]) else int(row["csat"]),
                             "summary": "", "practice": False})
        context = loggable({k: v.item() if hasattr(v, "item") else v for k, v in contexts[i].items()}
                           | {"caller_identified": True})
        prompts.append({"id": f"P-{row['interaction_id']}", "session_id": session, "journey_id": row["journey_id"],
                        "agent_id": row["agent_id"], "action": row["action"], "confidence": 0.5, "source": "model",
                        "model_version": "v1", "guardrails": [], "reasons": [], "degraded": False,
                        "practice": False, "propensity": float(row["propensity"]), "context": context,
                        "shown_at": row["started_at"].to_pydatetime() + timedelta(seconds=1)})
    return list(customers.values()), interactions, prompts


async def store_live(db: Database, history: pd.DataFrame) -> None:
    customers, interactions, prompts = live_records(history)
    async with db.session() as s:
        connection = await s.connection()
        for table, rows in ((Customer, customers), (Interaction, interactions), (PromptRecord, prompts)):
            await connection.execute(insert(table.__table__), rows)  # type: ignore[attr-defined]
