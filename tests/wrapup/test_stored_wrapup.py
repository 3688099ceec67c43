"""A wrap-up lands on its interaction row, and never brings back an erased customer's words."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from assist.stores.sql import Database
from assist.stores.tables import Customer, Interaction
from assist.wrapup.service import apply_wrapup


async def interaction(database: Database, erased: bool) -> str:
    n = uuid.uuid4().hex[:8]
    async with database.session() as s:
        s.add(Customer(id=f"C-{n}", name=None if erased else "Sam Carter",
                       erased_at=datetime.now(UTC) if erased else None))
        await s.flush()
        s.add(Interaction(id=f"I-{n}", customer_id=f"C-{n}", channel="chat", summary="draft"))
    return f"I-{n}"


async def stored(database: Database, interaction_id: str) -> tuple[str | None, str]:
    async with database.session() as s:
        row = await s.get(Interaction, interaction_id)
        assert row is not None
        return row.disposition, row.summary


async def test_a_wrapup_sets_the_disposition_and_the_summary_of_its_interaction(database: Database) -> None:
    row = await interaction(database, erased=False)
    async with database.session() as s:
        changed = await apply_wrapup(await s.connection(), {"id": row, "disposition": "refund_processed",
                                                            "summary": "refunded 45.00"})
    assert changed == 1
    assert await stored(database, row) == ("refund_processed", "refunded 45.00")


async def test_a_wrapup_for_an_erased_customer_keeps_the_summary_empty(database: Database) -> None:
    row = await interaction(database, erased=True)
    async with database.session() as s:
        await apply_wrapup(await s.connection(), {"id": row, "disposition": "refund_processed",
                                                  "summary": "Sam Carter was refunded"})
    assert await stored(database, row) == ("refund_processed", "")


async def test_a_wrapup_whose_row_is_not_written_yet_changes_nothing_and_says_so(database: Database) -> None:
    async with database.session() as s:
        changed = await apply_wrapup(await s.connection(), {"id": "I-not-yet", "disposition": "escalated",
                                                            "summary": "x"})
    assert changed == 0
