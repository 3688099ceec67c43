"""A wrap-up sent while the database is down is not lost: it waits in the record journal behind its close's
interaction row and is written onto that row once the database is back."""

from __future__ import annotations

import uuid

from assist.stores.tables import Interaction
from tests.conftest import PrivatePostgres
from tests.faults.test_database_outage import offer, row_when_back, server
from tests.stream.panel import Panel
from tests.stream.seed import seed

__all__ = ["server"]  # the fixture, imported to be found

EDITED = "Refund agreed; the customer expects it within 5 working days."


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
    row = await row_when_back(private_postgres.url, Interaction, f"I-{session_id}",
                              lambda row: row.disposition is not None)
    assert wrapup["data"]["summary"].startswith("Reason: refund.")   # built without the database
    assert saved["data"]["summary"] == EDITED
    assert row is not None and (row.disposition, row.summary, row.outcome) == ("refund_processed", EDITED, "resolved")
