"""A wrap-up sent while the database is down is not lost: it waits in the record journal behind its close's
interaction row and is written onto that row once the database is back."""

from __future__ import annotations

import asyncio
import time
import uuid

from assist.stores.sql import Database
from assist.stores.tables import Interaction
from tests.conftest import PrivatePostgres
from tests.faults.test_database_outage import offer, server
from tests.stream.panel import Panel
from tests.stream.seed import seed

__all__ = ["server"]  # the fixture, imported to be found

EDITED = "Refund agreed; the customer expects it within 5 working days."


async def stored_row(url: str, interaction_id: str, timeout: float = 30.0) -> Interaction | None:
    """The interaction once it has a disposition (polling while the journal drains), else None at ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db = Database(url)
        try:
            async with db.session() as s:
                row = await s.get(Interaction, interaction_id)
            if row is not None and row.disposition is not None:
                return row
        except Exception:  # noqa: BLE001 - the database is still starting
            pass
        finally:
            await db.close()
        await asyncio.sleep(0.5)
    return None


async def test_a_close_and_its_wrapup_during_an_outage_are_both_written_afterwards(server, private_postgres:
                                                                                   PrivatePostgres):
    n = uuid.uuid4().hex[:8]
    agent_id, email = f"A-{n}", f"{n}@example.com"
    await seed(server, customer_id=f"C-{n}", phone=f"+4414{int(n, 16) % 10**8:08d}", email=email, agents=(agent_id,))
    panel = await Panel.open(server, agent_id)
    await panel.expect("hello")
    session_id = offer(server, agent_id, email)
    await panel.expect("offer", offer_id=session_id)
    await panel.send("accept", {"offer_id": session_id})
    await panel.expect("context", session_id=session_id, timeout=10)
    private_postgres.stop("fast")
    try:
        await panel.send("close", {"session_id": session_id, "outcome": "resolved"})
        wrapup = await panel.expect("wrapup", session_id=session_id, timeout=10)
        await panel.send("wrapup", {"session_id": session_id, "disposition": "refund_processed", "summary": EDITED})
        saved = await panel.expect("wrapup_saved", session_id=session_id, timeout=10)
    finally:
        private_postgres.start()
    await panel.close()
    row = await stored_row(private_postgres.url, f"I-{session_id}")
    assert wrapup["data"]["summary"].startswith("Reason: refund.")   # built without the database
    assert saved["data"]["summary"] == EDITED
    assert row is not None and (row.disposition, row.summary, row.outcome) == ("refund_processed", EDITED, "resolved")
