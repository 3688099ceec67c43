"""Field-level disclosure by role and by consent.

The policy is data: each field says, per role, whether it is shown in full, masked, or never sent. Fields
derived by profiling (risk, value, segment) are only used when the customer consented to profiling.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from assist.auth.principal import Role


class Disclosure(StrEnum):
    FULL = "full"
    MASKED = "masked"
    HIDDEN = "hidden"


F, M, H = Disclosure.FULL, Disclosure.MASKED, Disclosure.HIDDEN

FIELD_POLICY: dict[str, dict[Role, Disclosure]] = {
    "name": {Role.AGENT: F, Role.SUPERVISOR: F, Role.TRAINER: M, Role.ADMIN: F},
    "email": {Role.AGENT: M, Role.SUPERVISOR: M, Role.TRAINER: H, Role.ADMIN: F},
    "phone": {Role.AGENT: M, Role.SUPERVISOR: M, Role.TRAINER: H, Role.ADMIN: F},
    "account_number": {Role.AGENT: M, Role.SUPERVISOR: M, Role.TRAINER: H, Role.ADMIN: F},
    "address": {Role.AGENT: H, Role.SUPERVISOR: M, Role.TRAINER: H, Role.ADMIN: F},
    "date_of_birth": {Role.AGENT: H, Role.SUPERVISOR: H, Role.TRAINER: H, Role.ADMIN: F},
}
"""PII fields; any field not listed here is not personal and is shown to every role allowed to read."""

PROFILING_FIELDS = ("segment", "lifetime_value", "churn_risk")
"""Derived by profiling: sent only with the customer's ``profiling`` consent."""


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_digits(value: str, keep: int = 4) -> str:
    """Every digit but the last ``keep`` replaced, so the agent can confirm "ending in 0123"."""
    digits = [c for c in value if c.isdigit()]
    return "*" * max(len(digits) - keep, 0) + "".join(digits[-keep:])


def mask_name(value: str) -> str:
    return " ".join(part[:1] + "." for part in value.split())


_MASKERS: dict[str, Callable[[str], str]] = {"email": mask_email, "phone": mask_digits, "account_number": mask_digits,
            "name": mask_name, "address": lambda v: v.split(",")[-1].strip() if "," in v else "***"}


def disclose(record: dict[str, Any], role: Role, consent: dict[str, bool]) -> tuple[dict[str, Any], list[str]]:
    """The fields ``role`` may see (masked where the policy says) and the names of those withheld.

    A field missing from the result was never sent: the withheld list says which, so a panel can explain
    "hidden for your role" without ever holding the value.
    """
    shown: dict[str, Any] = {}
    withheld: list[str] = []
    for field, value in record.items():
        if field in PROFILING_FIELDS and not consent.get("profiling", False):
            withheld.append(field)
            continue
        rule = FIELD_POLICY.get(field, {}).get(role, F) if field in FIELD_POLICY else F
        if rule is H:
            withheld.append(field)
        elif rule is M and value is not None:
            shown[field] = _MASKERS[field](str(value))
        else:
            shown[field] = value
    return shown, withheld
