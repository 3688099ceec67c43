"""A detractor contact closed while PostgreSQL is down: the agent's close goes through at once, and the follow-up
it opens reaches SQL once the database is back (it waits in the record journal meanwhile), so no supervisor
misses the customer who left unhappy."""

from __future__ import annotations

from assist.supervision.followups import follow_up_id
from assist.supervision.tables import FollowUp
from tests.faults import test_database_outage as outage

server = outage.server
"""A live server on the private PostgreSQL (the outage tests' fixture)."""


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
    row = await outage.row_when_back(private_postgres.url, FollowUp, follow_up_id(contact.session_id))
    await contact.panel.close()
    assert closed["data"]["outcome"] == "unresolved"
    assert row is not None, "the follow-up journaled during the outage never reached SQL"
    assert (row.status, row.csat, row.why) == ("open", 1, ["CSAT 1 of 5"])
    assert row.summary == "Customer furious about the refund delay."
    assert row.journey_id is not None and row.customer.get("name") is not None
