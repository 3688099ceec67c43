"""Disposition codes: how a contact ended, in the contact center's own words.

The list is configuration (``ASSIST_DISPOSITIONS``, a JSON object of code -> label), so a site names its own
codes without touching code; the labels are what agents read. A code not in the list is refused before
anything is stored.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from assist.errors import InvalidInput

__all__ = ["DEFAULT_DISPOSITIONS", "CODE_PATTERN", "Disposition", "choices", "check_disposition"]

CODE_PATTERN = r"^[a-z0-9_]{1,64}$"

DEFAULT_DISPOSITIONS: dict[str, str] = {
    "resolved_first_contact": "Resolved on this contact",
    "refund_processed": "Refund or credit given",
    "information_given": "Information given",
    "follow_up_needed": "Follow-up needed",
    "complaint_logged": "Complaint logged",
    "escalated": "Escalated to a supervisor",
    "transferred": "Transferred to another team",
    "not_resolved": "Not resolved",
    "customer_left": "Customer left the contact",
}


class Disposition(BaseModel):
    code: str
    label: str


def choices(dispositions: Mapping[str, str]) -> list[Disposition]:
    """The codes the panel offers, in the configured order."""
    return [Disposition(code=code, label=label) for code, label in dispositions.items()]


def check_disposition(dispositions: Mapping[str, str], code: str) -> Disposition:
    """The disposition named ``code``; raises InvalidInput (``unknown_disposition``, 422) for any other."""
    label = dispositions.get(code)
    if label is None:
        raise InvalidInput(f"{code!r} is not a disposition code here; pick one of the list the wrap-up offers",
                           code="unknown_disposition")
    return Disposition(code=code, label=label)
