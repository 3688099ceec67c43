"""Policy applied after the model: a ranked list of actions in, a list of allowed prompts out.

The model ranks by expected value; policy decides what may be said. Each guardrail either replaces an
action (a refund above the agent's limit becomes "ask supervisor approval"; an account change before the
identity check becomes the check) or withholds it (no marketing offer without consent, no upsell while a
complaint is open, no sales offers to a vulnerable customer). Identity first also leads: a caller the
service could not match to one customer (``caller_identified`` false: unknown, or several candidates) and
not yet verified is asked to verify before anything else, whatever the model prefers, as the rules do.
Every change is written down in words and travels with the prompt that was shown instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from models.catalog import Catalog

__all__ = ["UNIDENTIFIED_NOTE", "GuardedAction", "apply_guardrails", "refund_above_limit"]


@dataclass(frozen=True, slots=True)
class GuardedAction:
    action: str
    proposed: str
    """What the model ranked here before policy changed it (equal to ``action`` when nothing did)."""
    rank: int
    """Position of ``proposed`` in the model's ranking (0 = best)."""
    title: str
    notes: tuple[str, ...] = ()


UNIDENTIFIED_NOTE = "caller not identified: verify identity before anything else"


def _unidentified(context: Mapping[str, Any]) -> bool:
    """No single customer matched and identity not verified (history rows always name their customer)."""
    return not context.get("caller_identified", True) and not context.get("identity_verified")


def _amount(context: Mapping[str, Any], name: str) -> float:
    value = context.get(name)
    return float(value) if value is not None else 0.0


def refund_above_limit(amount: float, limit: float) -> str | None:
    """The empowerment-limit note when a refund of ``amount`` needs a supervisor's approval, else None. The one
    place the rule lives: the model's guardrail, the rules' prompt and the approval request all ask it."""
    if amount > limit:
        return f"empowerment limit: {amount:.2f} is above your {limit:.2f} refund limit"
    return None


def _check(action: str, context: Mapping[str, Any], catalog: Catalog) -> tuple[str | None, str, str | None]:
    """(replacement or None to withhold, title, note or None) for one proposed action."""
    spec = catalog[action]
    policy = catalog.policy
    reason = str(context.get("reason") or "")
    if spec.consent and not context.get(f"consent_{spec.consent}") and reason not in spec.consent_exempt_reasons:
        return None, spec.title, f"consent: no {spec.consent} consent, {spec.short} withheld"
    if context.get("vulnerable") and spec.kind in policy.get("vulnerable_blocked_kinds", ()):
        return None, spec.title, f"vulnerable customer: {spec.short} withheld"
    if spec.upsell and policy.get("complaint_blocks_upsell") and (context.get("open_complaint")
                                                                  or reason == "complaint"):
        return None, spec.title, f"open complaint: {spec.short} withheld until it is settled"
    if "identity_verified" in spec.preconditions and not context.get("identity_verified"):
        verify = catalog[policy["verify_action"]]
        return verify.id, verify.title, f"identity not verified: verify before {spec.short}"
    if spec.kind == "money":
        amount = _amount(context, "refund_amount")
        note = refund_above_limit(amount, _amount(context, "refund_limit"))
        if note:
            return policy["supervisor_action"], f"Ask supervisor approval for a {amount:.2f} refund", note
    return action, spec.title, None


def apply_guardrails(ranked: Sequence[str], context: Mapping[str, Any], catalog: Catalog,
                     limit: int | None = None) -> list[GuardedAction]:
    """The allowed actions in model order, each at most once, with the notes of what policy changed.

    A withheld action's note goes to the next action shown, so the agent sees why the model's favourite is
    missing. An unidentified, unverified caller gets the identity check first (``proposed`` is then the
    model's favourite it goes before), unless ``ranked`` lacks the check (already shown). ``limit`` stops
    after that many actions. Raises KeyError for an action outside the catalog.
    """
    out: list[GuardedAction] = []
    seen: dict[str, int] = {}
    carried: list[str] = []
    verify = catalog.policy["verify_action"]
    if _unidentified(context) and verify in ranked:
        seen[verify] = 0
        out.append(GuardedAction(verify, ranked[0], 0, catalog[verify].title, (UNIDENTIFIED_NOTE,)))
        if limit is not None and limit <= 1:
            return out
    for rank, proposed in enumerate(ranked):
        action, title, note = _check(proposed, context, catalog)
        if note:
            carried.append(note)
        if action is None:
            continue
        if action in seen:
            i = seen[action]
            if carried:
                prev = out[i]
                out[i] = GuardedAction(prev.action, prev.proposed, prev.rank, prev.title,
                                       tuple(dict.fromkeys((*prev.notes, *carried))))
                carried = []
            continue
        seen[action] = len(out)
        out.append(GuardedAction(action, proposed, rank, title, tuple(dict.fromkeys(carried))))
        carried = []
        if limit is not None and len(out) >= limit:
            break
    return out
