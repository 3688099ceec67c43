"""``assist models export-live``: what the floor did, in the history schema, so ``models`` trains on it unchanged.

One row per shown prompt (a decision point): the context it was chosen on (logged with the prompt, see
``assist.guidance.model.journey_context``), the prompted action and its propensity under the serving policy
(1 unless the queue explores), and the outcome of the contact it was shown on (the session's interaction).
The intervention the service controls is the prompt, so the row's ``action`` is the prompted action: the
agent's answer (accepted, dismissed, did something else) is part of what follows, as in any recommender's
log. ``logging_policy`` names the model version (``assist/<version>``) or ``assist/rules``.

What the service never knew is written so training hides it again (``models.context.served_history``):
a category as ``unknown``, a CRM number the context lacked from the customer record or as 0 (prior contacts
are counted from the interactions table). ``churned`` is false: a cancellation within 90 days is not known
when the contact closes. Rows are left out (and counted) when the prompt was logged before contexts were
(migration 0005), was practice, its contact has no interaction yet (open, or an unidentified caller), or its
reason is outside the schema's (``general``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlmodel import col, select

from assist.stores.sql import Database
from assist.stores.tables import CONSENT_PURPOSES, Customer, Interaction, PromptRecord
from models.features import ACTIONS, REASONS

__all__ = ["LiveExport", "decision_row", "export_live"]

PRIOR_WINDOW = timedelta(days=30)


@dataclass
class LiveExport:
    frame: pd.DataFrame
    """In the history schema (``simulator.world.schema``), validated."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Prompts left out, by why."""


def _known(context: Mapping[str, Any], name: str, fallback: Any) -> Any:
    value = context.get(name)
    return fallback if value is None else value


def decision_row(prompt: PromptRecord, interaction: Interaction, customer: Customer, prior_contacts: int
                 ) -> dict[str, Any]:
    """One history row for a shown prompt whose contact closed as ``interaction``."""
    c = prompt.context or {}
    ended = interaction.ended_at or prompt.shown_at
    return {
        "interaction_id": prompt.id, "journey_id": prompt.journey_id or interaction.journey_id or interaction.id,
        "customer_id": customer.id, "agent_id": prompt.agent_id, "started_at": prompt.shown_at,
        "ended_at": max(ended, prompt.shown_at), "channel": _known(c, "channel", interaction.channel),
        "segment": _known(c, "segment", customer.segment), "plan": _known(c, "plan", "unknown"),
        "tenure_months": int(_known(c, "tenure_months", customer.tenure_months)),
        "lifetime_value": float(_known(c, "lifetime_value", customer.lifetime_value)),
        "churn_risk": float(_known(c, "churn_risk", customer.churn_risk)),
        "temperament": _known(c, "temperament", "unknown"),
        "vulnerable": bool(c.get("vulnerable") or customer.vulnerable),
        "language": customer.language, "preferred_channel": customer.preferred_channel,
        **{f"consent_{p}": bool(customer.consent.get(p, False)) for p in CONSENT_PURPOSES},
        "reason": c["reason"], "journey_step": int(_known(c, "journey_step", 0)),
        "identity_verified": bool(c.get("identity_verified")), "apology_given": bool(c.get("apology_given")),
        "previous_action": c.get("previous_action"),
        "prior_contacts_30d": int(_known(c, "prior_contacts_30d", prior_contacts)),
        "open_complaint": bool(c.get("open_complaint")), "order_id": None,
        "order_value": float(_known(c, "order_value", 0.0)), "refund_amount": float(_known(c, "refund_amount", 0.0)),
        "refund_limit": float(c["refund_limit"]), "wait_seconds": float(_known(c, "wait_seconds", 0.0)),
        "sentiment": float(_known(c, "sentiment", 0.0)), "action": prompt.action, "propensity": prompt.propensity,
        "logging_policy": f"assist/{prompt.model_version or 'rules'}",
        "resolved": interaction.outcome == "resolved", "escalated": interaction.outcome == "escalated",
        "churned": False, "csat": interaction.csat,
    }


def _why_not(prompt: PromptRecord, interaction: Interaction | None) -> str | None:
    if prompt.context is None:
        return "no context logged (shown before migration 0005)"
    if interaction is None:
        return "contact not closed, or caller never identified"
    if prompt.context.get("reason") not in REASONS:
        return "contact reason outside the schema"
    if prompt.action not in ACTIONS:
        return "action outside the catalog"
    return None


def _prior(history: Sequence[Interaction], before: datetime) -> int:
    return sum(1 for i in history if before - PRIOR_WINDOW <= i.started_at < before)


async def export_live(db: Database, since: datetime | None = None) -> LiveExport:
    """Every live prompt shown since ``since`` (all when None) whose contact closed, as history rows."""
    from simulator.world.schema import coerce_history, validate_history

    async with db.session() as s:
        query = select(PromptRecord).where(col(PromptRecord.practice).is_(False))
        if since is not None:
            query = query.where(col(PromptRecord.shown_at) >= since)
        prompts = list((await s.exec(query.order_by(col(PromptRecord.shown_at)))).all())
        interactions = {i.id: i for i in (await s.exec(select(Interaction).where(
            col(Interaction.id).in_([f"I-{p.session_id}" for p in prompts]),
            col(Interaction.practice).is_(False)))).all()} if prompts else {}
        customer_ids = {i.customer_id for i in interactions.values()}
        customers = {c.id: c for c in (await s.exec(select(Customer).where(
            col(Customer.id).in_(customer_ids)))).all()} if customer_ids else {}
        past: dict[str, list[Interaction]] = {}
        if customer_ids:
            for i in (await s.exec(select(Interaction).where(col(Interaction.customer_id).in_(customer_ids),
                                                             col(Interaction.practice).is_(False)))).all():
                past.setdefault(i.customer_id, []).append(i)
    rows, skipped = [], Counter[str]()
    for prompt in prompts:
        interaction = interactions.get(f"I-{prompt.session_id}")
        if (why := _why_not(prompt, interaction)) is not None:
            skipped[why] += 1
            continue
        assert interaction is not None
        customer = customers[interaction.customer_id]
        rows.append(decision_row(prompt, interaction, customer,
                                 _prior(past.get(customer.id, ()), interaction.started_at)))
    frame = coerce_history(pd.DataFrame(rows, columns=None if rows else _columns()))
    validate_history(frame)
    return LiveExport(frame, skipped)


def _columns() -> list[str]:
    from simulator.world.schema import HISTORY_COLUMNS

    return [c.name for c in HISTORY_COLUMNS]
