"""What data-subject requests answer: the export of everything held on a person, and the erasure's counts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from assist.stores.tables import AuditEntry, Customer, Interaction, Journey


class ExportedIdentifier(BaseModel):
    kind: str
    value: str
    customer_id: str
    created_at: datetime


class CustomerExport(BaseModel):
    """Everything held on one customer (GDPR art. 15), as the stored records."""

    customer: Customer
    identifiers: list[ExportedIdentifier]
    interactions: list[Interaction]
    journeys: list[Journey]
    audit: list[AuditEntry]


class Erasure(BaseModel):
    customer_id: str
    erased: bool
    anonymised: dict[str, int]
    """Rows and live copies touched, by kind (``interactions``, ``live_outbox_messages``...)."""
