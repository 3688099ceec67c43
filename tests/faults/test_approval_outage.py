"""An approval asked while PostgreSQL is down: the agent is answered at once, and the request reaches SQL once
the database is back (it waits in the record journal meanwhile), so no supervisor misses it."""

from __future__ import annotations

import asyncio
import time

from assist.stores.sql import Database
from assist.supervision.tables import SupervisorRequest
from tests.faults import test_database_outage as outage

server = outage.server
"""A live server on the private PostgreSQL (the outage tests' fixture)."""


async def stored_request(url: str, request_id: str, timeout: float = 30.0) -> SupervisorRequest | None:
    db = Database(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            async with db.session() as s:
                row = await s.get(SupervisorRequest, request_id)
            if row is not None or time.monotonic() > deadline:
                return row
            await asyncio.sleep(0.5)
    finally:
        await db.close()


async def test_an_approval_asked_during_an_outage_reaches_sql_when_the_database_is_back(server, private_postgres):
    [contact] = await outage.contacts(server, 1)
    await contact.step(1)  # verify identity
    await contact.step(2)  # a 120.00 refund, above the agent's 50.00 limit
    [prompt] = [m["data"] for m in contact.panel.seen if m["type"] == "prompt"
                and m["data"]["action"] == "escalate_supervisor"]
    private_postgres.stop("fast")
    try:
        await contact.panel.send("approval_request", {"session_id": contact.session_id, "prompt_id": prompt["id"]},
                                 "ask-1")
        reply = await contact.reply("ask-1", timeout=15)
        pending = next((m for m in contact.panel.seen if m["type"] == "supervisor_request"), None) \
            or await contact.panel.expect("supervisor_request", timeout=10)  # before or after the ack
    finally:
        private_postgres.start()
    row = await stored_request(private_postgres.url, f"AP-{prompt['id']}")
    await contact.panel.close()
    assert reply["type"] == "ack", reply
    assert reply["data"]["request_id"] == pending["data"]["id"] == f"AP-{prompt['id']}"
    assert pending["data"]["status"] == "pending"
    assert row is not None, "the request journaled during the outage never reached SQL"
    assert (row.status, row.amount, row.agent_id) == ("pending", 120.0, pending["data"]["agent_id"])
