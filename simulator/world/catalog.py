"""The vocabulary of the synthetic world: actions, contact reasons, segments, channels and the like.

These ids are shared with the models issue (the action catalog) and with real-log imports, so they are
plain strings kept in one place; the order of ``ACTIONS`` and ``REASONS`` is the column order of every
array the truth and the logging policy return.
"""

from __future__ import annotations

__all__ = [
    "ACCOUNT_ACTIONS",
    "ACCOUNT_REASONS",
    "ACTIONS",
    "CHANNELS",
    "CONSENT_PURPOSES",
    "LANGUAGES",
    "PLANS",
    "REASONS",
    "REASON_SKILL",
    "REASON_STEPS",
    "SEGMENTS",
    "TEMPERAMENTS",
]

ACTIONS: tuple[str, ...] = (
    "verify_identity",
    "apologise_acknowledge",
    "offer_refund_small",
    "offer_refund_large",
    "offer_retention_discount",
    "send_knowledge_article",
    "escalate_supervisor",
    "transfer_specialist",
    "schedule_callback",
    "offer_plan_change",
    "close_with_survey",
)

ACCOUNT_ACTIONS: frozenset[str] = frozenset(
    {"offer_refund_small", "offer_refund_large", "offer_retention_discount", "offer_plan_change"}
)
"""Actions that change the account: the customer's identity must be verified before any of them."""

REASONS: tuple[str, ...] = (
    "billing_dispute",
    "outage",
    "refund",
    "cancel",
    "technical_issue",
    "complaint",
    "plan_change",
    "order_status",
)

ACCOUNT_REASONS: frozenset[str] = frozenset({"billing_dispute", "refund", "cancel", "plan_change"})

REASON_SKILL: dict[str, str] = {
    "billing_dispute": "billing",
    "outage": "technical",
    "refund": "billing",
    "cancel": "retention",
    "technical_issue": "technical",
    "complaint": "complaints",
    "plan_change": "sales",
    "order_status": "billing",
}
"""The routing skill a contact with this reason needs (language skills come on top)."""

REASON_STEPS: dict[str, tuple[str, ...]] = {
    "billing_dispute": ("identity_verified", "charge_identified", "dispute_logged", "adjustment_applied"),
    "outage": ("outage_confirmed", "ticket_linked", "service_restored"),
    "refund": ("identity_verified", "refund_requested", "refund_approved", "refund_issued"),
    "cancel": ("identity_verified", "cancellation_requested", "retention_offered", "decision_recorded"),
    "technical_issue": ("diagnostics_run", "fix_attempted", "specialist_booked", "fix_confirmed"),
    "complaint": ("complaint_logged", "investigation_opened", "response_sent"),
    "plan_change": ("identity_verified", "options_presented", "plan_changed"),
    "order_status": ("order_located", "carrier_contacted", "delivery_confirmed"),
}
"""The transaction steps of a journey per reason, in order; a journey is open until the last is done."""

SEGMENTS: tuple[str, ...] = ("mass", "value", "premium", "small_business")
PLANS: tuple[str, ...] = ("basic", "standard", "premium")
CHANNELS: tuple[str, ...] = ("chat", "phone", "email")
TEMPERAMENTS: tuple[str, ...] = ("calm", "anxious", "angry", "analytical")
LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "de")
CONSENT_PURPOSES: tuple[str, ...] = ("service", "marketing", "profiling", "analytics", "recording")
