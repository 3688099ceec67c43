"""Rule-based guidance: the always-available baseline and the fallback when no model answers.

Each rule is a plain function from the guidance input to at most one prompt. Rules encode contact-center
practice: verify before touching an account, acknowledge before solving, stay inside empowerment limits,
never market without consent, care for vulnerable customers, close with a survey once resolved.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assist.guidance.interface import GuidanceInput, Prompt, Reason
from models.guardrails import refund_above_limit

ACCOUNT_REASONS = frozenset({"billing_dispute", "refund", "cancel", "account_change", "payment", "complaint"})
TECH_REASONS = frozenset({"outage", "technical_issue"})
CANCEL_WORDS = re.compile(r"\b(cancel|leave|leaving|switch(ing)?|close my account|terminate)\b", re.I)
MANAGER_WORDS = re.compile(r"\b(manager|supervisor|someone senior|escalate)\b", re.I)
RESOLVED_WORDS = re.compile(r"\b(that (fixed|fixes|solved|sorts)|all sorted|works now|working now|"
                            r"that'?s (great|perfect|everything))\b", re.I)

Rule = Callable[[GuidanceInput], Prompt | None]

SINGLE_ACTION: dict[Rule, str] = {}
"""Rules that only ever suggest one action: once the journey has seen it they are not run at all (building a
prompt that is then dropped cost more than every other rule together)."""


def suggests(action: str) -> Callable[[Rule], Rule]:
    def register(rule: Rule) -> Rule:
        SINGLE_ACTION[rule] = action
        return rule
    return register


def _customer_said(given: GuidanceInput) -> str:
    latest = given.latest
    return latest.text if latest is not None and latest.speaker == "customer" else ""


@suggests("verify_identity")
def verify_identity(given: GuidanceInput) -> Prompt | None:
    if "identity_verified" in given.journey.steps_done or given.journey.reason not in ACCOUNT_REASONS:
        return None
    return Prompt(action="verify_identity", title="Verify identity first",
                  text="Confirm two security details before discussing or changing the account.",
                  confidence=0.95,
                  reasons=[Reason(feature="identity_verified", text="identity not verified in this journey"),
                           Reason(feature="reason", text=f"'{given.journey.reason}' touches the account",
                                  weight=0.6)])


@suggests("review_handoff")
def pick_up_handoff(given: GuidanceInput) -> Prompt | None:
    """The agent who takes a journey over (a transfer, a customer back on another channel) first reads what
    the last agent did, left pending and wrote, instead of asking the customer again: without this, an
    agent accepting a journey whose next step waits on the customer was told nothing at all."""
    handlers = given.journey.handled_by
    if len(handlers) < 2 or handlers[-2].agent_id == handlers[-1].agent_id:
        return None
    before = handlers[-2]
    reasons = [Reason(feature="handoff", text=f"handed over by {before.agent_id} from {before.channel}")]
    if given.journey.transfer_note:
        reasons.append(Reason(feature="transfer_note", text=f"their note: {given.journey.transfer_note}",
                              weight=0.8))
    if given.journey.steps_done:
        reasons.append(Reason(feature="steps_done", text="already done: " + ", ".join(
            s.replace("_", " ") for s in given.journey.steps_done), weight=0.6))
    if given.journey.pending:
        reasons.append(Reason(feature="pending", text="still to do: " + ", ".join(
            s.replace("_", " ") for s in given.journey.pending), weight=0.7))
    return Prompt(action="review_handoff", title="Pick up where the last agent left off",
                  text="Read the note and the journey so far; do not ask the customer again for what is done.",
                  confidence=0.9, reasons=reasons)


@suggests("apologise_acknowledge")
def acknowledge_frustration(given: GuidanceInput) -> Prompt | None:
    latest = given.latest
    score = latest.mood() if latest is not None and latest.speaker == "customer" else 0.0
    if score > -0.3 or "apologise_acknowledge" in given.journey.steps_done:
        return None
    return Prompt(action="apologise_acknowledge", title="Acknowledge and apologise",
                  text="Name the problem back to the customer and apologise for the trouble before solving.",
                  confidence=0.85,
                  reasons=[Reason(feature="sentiment", text=f"customer sounds upset (sentiment {score:+.2f})",
                                  weight=round(-score, 2))])


@suggests("escalate_supervisor")
def escalate_on_request(given: GuidanceInput) -> Prompt | None:
    said = _customer_said(given)
    if not said or not MANAGER_WORDS.search(said):
        return None
    return Prompt(action="escalate_supervisor", title="Customer asked for a supervisor",
                  text="Offer a supervisor now, or explain what you can still do yourself; do not deflect.",
                  confidence=0.8,
                  reasons=[Reason(feature="utterance", text="customer asked to escalate")])


def refund_within_limits(given: GuidanceInput) -> Prompt | None:
    amount = given.journey.collected.get("refund_amount")
    if amount is None or "refund_issued" in given.journey.steps_done:
        return None
    try:
        value = float(amount)
    except (TypeError, ValueError):
        return None
    note = refund_above_limit(value, given.refund_limit)
    if note:
        return Prompt(action="escalate_supervisor", title=f"Ask supervisor approval for a {value:.2f} refund",
                      text="The refund is above your limit: request approval instead of promising it.",
                      confidence=0.9, guardrails=[note],
                      reasons=[Reason(feature="refund_amount", text=f"refund requested: {value:.2f}")])
    action = "offer_refund_small" if value <= 50 else "offer_refund_large"
    return Prompt(action=action, title=f"Refund {value:.2f} is within your limit",
                  text="You can issue this refund now; confirm the amount and when it will arrive.",
                  confidence=0.8, reasons=[Reason(feature="refund_amount", text=f"refund requested: {value:.2f}")])


@suggests("offer_retention_discount")
def retention_offer(given: GuidanceInput) -> Prompt | None:
    said = _customer_said(given)
    wants_to_leave = given.journey.reason == "cancel" or bool(said and CANCEL_WORDS.search(said))
    customer = given.customer
    if not wants_to_leave or customer is None:
        return None
    if not customer.consent.get("marketing", False):
        return None  # consent guardrail: no marketing offer without consent, not even a prompt to make one
    reasons = [Reason(feature="intent", text="customer talks about leaving")]
    if customer.churn_risk is not None:
        reasons.append(Reason(feature="churn_risk", text=f"churn risk {customer.churn_risk:.0%}",
                              weight=round(customer.churn_risk, 2)))
    if customer.tenure_months:
        reasons.append(Reason(feature="tenure_months", text=f"customer for {customer.tenure_months // 12} years",
                              weight=min(customer.tenure_months / 120, 1.0)))
    return Prompt(action="offer_retention_discount", title="Offer the retention discount",
                  text="Ask what would make them stay; the loyalty discount is available for this customer.",
                  confidence=0.7, reasons=reasons)


@suggests("send_knowledge_article")
def knowledge_for_technical(given: GuidanceInput) -> Prompt | None:
    if given.journey.reason not in TECH_REASONS or "knowledge_article_sent" in given.journey.steps_done:
        return None
    return Prompt(action="send_knowledge_article", title="Send the troubleshooting article",
                  text="Walk through the known fix and send the article so the customer keeps it.",
                  confidence=0.75, reasons=[Reason(feature="reason", text=f"contact is about {given.journey.reason}")])


@suggests("schedule_callback")
def vulnerable_care(given: GuidanceInput) -> Prompt | None:
    if given.customer is None or not given.customer.vulnerable:
        return None
    return Prompt(action="schedule_callback", title="Vulnerable customer: slow down",
                  text="Check understanding, avoid pressure, and offer a callback at a time that suits them.",
                  confidence=0.85, reasons=[Reason(feature="vulnerable", text="customer flagged as vulnerable")])


@suggests("close_with_survey")
def close_when_resolved(given: GuidanceInput) -> Prompt | None:
    said = _customer_said(given)
    if not said or not RESOLVED_WORDS.search(said):
        return None
    return Prompt(action="close_with_survey", title="Confirm resolution and close",
                  text="Summarise what was done, confirm nothing else is needed, and offer the survey.",
                  confidence=0.8, reasons=[Reason(feature="utterance", text="customer says it is resolved")])


RULES: tuple[Rule, ...] = (verify_identity, pick_up_handoff, escalate_on_request, refund_within_limits,
                           acknowledge_frustration, vulnerable_care, retention_offer, knowledge_for_technical,
                           close_when_resolved)


class RuleGuidance:
    """Runs every rule, drops actions this agent was already shown on this contact, and returns prompts by
    confidence."""

    name = "rules"

    def __init__(self, rules: tuple[Rule, ...] = RULES) -> None:
        self.rules = rules

    def evaluate(self, given: GuidanceInput) -> list[Prompt]:
        shown = given.already_shown
        prompts = [p for rule in self.rules if SINGLE_ACTION.get(rule) not in shown
                   and (p := rule(given)) is not None and p.action not in shown]
        return sorted(prompts, key=lambda p: -p.confidence)
