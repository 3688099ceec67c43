"""A detractor contact closed while PostgreSQL is down: the agent's close goes through at once, and the follow-up
it opens reaches SQL once the database is back (it waits in the record journal meanwhile), so no supervisor
misses the customer who left unhappy."""

from __future__ import annotations

import asyncio
import time

from assist.stores.sql import Database
from assist.supervision.followups import follow_up_id
from assist.supervision.tables import FollowUp
from tests.faults import test_database_outage as outage

server = outage.server
"""A live server on the private PostgreSQL (the outage tests' fixture)."""


async def stored_item(url: str, item_id: str, timeout: float = 30.0) -> FollowUp | None:
    """The follow-up once it is in SQL (polling while the database starts and the journal drains)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db = Database(url)
        try:
            async with db.session() as s:
                row = await s.get(FollowUp, item_id)
            if row is not None:
                return row
        except Exception:  # noqa: BLE001 - the database is still starting
            pass
        finally:
            await db.close()
        await asyncio.sleep(0.5)
    return None


async def test_a_detractor_closed_during_an_outage_opens_its_follow_up_when_the_database_is_back(server,
                                                                                               private_postgres):
    [contact] = await outage.contacts(server, 1)
    private_postgres.stop("fast")
    try:
        await contact.panel.send("close", {"session_id": contact.session_id, "outcome": "unresolved", "csat": 1,
                                           "summary": "Customer furious about the refund delay."})
        closed = await contact.panel.expect("session_closed", session_id=contact.session_id, timeout=10)
    finally:
        private_postgres.start()
    row = await stored_item(private_postgres.url, follow_up_id(contact.session_id))
    await contact.panel.close()
    assert closed["data"]["outcome"] == "unresolved"
    assert row is not None, "the follow-up journaled during the outage never reached SQL"
    assert (row.status, row.csat, row.why) == ("open", 1, ["CSAT 1 of 5"])
    assert row.summary == "Customer furious about the refund delay."
    assert row.journey_id is not None and row.customer.get("name") is not None
