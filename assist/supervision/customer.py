"""The customer as a supervisor sees them on a request or a follow-up: made from what the agent saw, never more
than either role may see. Kept apart so the session code can use it without importing the request logic."""

from __future__ import annotations

from typing import Any

from assist.auth.principal import Role
from assist.customers.masking import FIELD_POLICY, Disclosure, disclose
from assist.customers.schemas import CustomerView

__all__ = ["SUMMARY_FIELDS", "supervisor_view"]

SUMMARY_FIELDS = ("name", "account_number")
"""What a supervisor needs to recognise the customer on the floor; nothing more is copied into a request."""


def supervisor_view(view: CustomerView | None, seen_as: Role = Role.AGENT) -> dict[str, Any]:
    """The customer as a supervisor may see them, made from the view the agent (``seen_as``) had: a field the
    agent saw in full is disclosed by the supervisor's policy, one already masked for the agent stays as it
    is (masking it again would strip its stars), one hidden from either is withheld. So a request never shows
    more than either role may see. Empty for an unidentified caller."""
    if view is None:
        return {}
    values = {f: getattr(view, f) for f in SUMMARY_FIELDS if f in view.model_fields_set}
    full = {f: v for f, v in values.items() if FIELD_POLICY.get(f, {}).get(seen_as, Disclosure.FULL) is Disclosure.FULL}
    shown, withheld = disclose(full, Role.SUPERVISOR, view.consent)
    for field, value in values.items():
        if field not in full:
            if FIELD_POLICY.get(field, {}).get(Role.SUPERVISOR) is Disclosure.HIDDEN:
                withheld.append(field)
            else:
                shown[field] = value
    hidden = sorted({*withheld, *(f for f in SUMMARY_FIELDS if f in view.withheld)})
    return {"id": view.id, **{f: shown[f] for f in SUMMARY_FIELDS if shown.get(f) is not None}, "withheld": hidden}
