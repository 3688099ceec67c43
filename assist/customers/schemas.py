"""Payloads for customer reads."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer


class Purpose(StrEnum):
    """Why data is read; each purpose needs the customer's consent (``service`` is granted by default)."""

    SERVICE = "service"
    MARKETING = "marketing"
    ANALYTICS = "analytics"


class CustomerView(BaseModel):
    """A customer as one role may see them. Fields the role may not see are absent, named in ``withheld``."""

    id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    account_number: str | None = None
    address: str | None = None
    date_of_birth: str | None = None
    segment: str | None = None
    tenure_months: int | None = None
    lifetime_value: float | None = None
    churn_risk: float | None = None
    vulnerable: bool | None = None
    language: str | None = None
    preferred_channel: str | None = None
    consent: dict[str, bool] = {}
    withheld: list[str] = []

    @model_serializer(mode="wrap")
    def _only_disclosed(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Fields never set (withheld for the role or by consent) are never serialised, not even as null."""
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if k in self.model_fields_set or k in ("consent", "withheld")}


ERASED: dict[int | str, dict[str, Any]] = {410: {"description": "The customer was erased (`customer_erased`)"}}
"""The extra answer of routes that read one customer, for the OpenAPI document (its body is a Problem)."""
